package testenv

import (
	"html"
	"os"
	"regexp"
	"strings"
	"testing"
)

// CheckGolden compares got with the golden file at path, or rewrites the
// file when update is set (a package's -update flag).
func CheckGolden(t *testing.T, path, got string, update bool) {
	t.Helper()
	if update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it); got:\n%s\nwant:\n%s", path, got, want)
	}
}

var (
	hiddenElement = regexp.MustCompile(`(?is)<(head|script|style)\b.*?</(head|script|style)>`)
	inlineTag     = regexp.MustCompile(`(?i)</?(strong|em|b|i|code|span|small|a)\b[^>]*>`)
	anyTag        = regexp.MustCompile(`<[^>]*>`)
)

// VisibleText is the text a person reads on a rendered page: one line per
// block, markup and hidden elements dropped, so that golden files show a
// change of wording and not of markup. (The login pages' golden test has
// its own copy, which keeps links on lines of their own.)
func VisibleText(page string) string {
	s := hiddenElement.ReplaceAllString(page, "")
	s = inlineTag.ReplaceAllString(s, "")
	s = anyTag.ReplaceAllString(s, "\n")
	var lines []string
	for line := range strings.SplitSeq(html.UnescapeString(s), "\n") {
		if line = strings.Join(strings.Fields(line), " "); line != "" {
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, "\n") + "\n"
}
