//go:build !race

package sqlite

// raceDetector says whether the tests run under the race detector (see
// race_test.go).
const raceDetector = false
