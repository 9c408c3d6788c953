//go:build race

package sqlite

// raceDetector says whether the tests run under the race detector, which
// makes SQLite's transpiled C 5–10 times slower: timings then measure it.
const raceDetector = true
