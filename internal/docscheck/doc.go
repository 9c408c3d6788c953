// Package docscheck holds no code, only the tests that keep the
// documentation true: every example in README.md and docs/*.md marked
// ```sh example is run against a real dev-mode server and its answers
// compared with what the page says they are, and every relative link
// points at a file (and heading) that exists.
//
// The examples are not run by a shell: the tests read the few shell forms
// the docs use (curl, variable assignments, $(curl … | jq -r PATH)) and
// make the HTTP requests themselves, so that they run wherever the Go tests
// run, with no curl, jq or free port needed, and a doc that strays outside
// those forms fails loudly rather than being skipped. How an example is
// written is in docs/layout.md, "Examples are tests".
package docscheck
