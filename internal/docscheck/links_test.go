package docscheck

import (
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// notYet are pages linked before they exist, each with the branch that
// brings it. The test fails once one exists, so that it is taken off this
// list then.
var notYet = map[string]string{}

var (
	mdLink     = regexp.MustCompile(`\]\(([^()\s]+)(?:\s+"[^"]*")?\)`)
	codeSpan   = regexp.MustCompile("`[^`\n]*`")
	heading    = regexp.MustCompile(`(?m)^#{1,6}\s+(.+?)\s*#*\s*$`)
	notInSlugs = regexp.MustCompile(`[^\p{L}\p{N} _-]`)
)

// prose is a page without its fenced blocks, where links and headings
// are; without its code spans too unless keepCode (a heading's code is
// part of its id, a link's is no link).
func prose(md string, keepCode bool) string {
	var b strings.Builder
	in := ""
	for _, l := range strings.Split(md, "\n") {
		if m := fence.FindStringSubmatch(l); m != nil {
			switch {
			case in == "":
				in = m[1]
				continue
			case strings.HasPrefix(m[1], in) && m[2] == "":
				in = ""
				continue
			}
		}
		if in != "" {
			continue
		}
		if !keepCode {
			l = codeSpan.ReplaceAllString(l, "")
		}
		b.WriteString(l + "\n")
	}
	return b.String()
}

// anchors are the ids GitHub gives a page's headings: lower case, spaces
// as '-', punctuation dropped, a repeated one numbered -1, -2 ….
func anchors(md string) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	for _, m := range heading.FindAllStringSubmatch(prose(md, true), -1) {
		slug := strings.ReplaceAll(notInSlugs.ReplaceAllString(strings.ToLower(m[1]), ""), " ", "-")
		if n := seen[slug]; n > 0 {
			out[slug+"-"+strconv.Itoa(n)] = true
		} else {
			out[slug] = true
		}
		seen[slug]++
	}
	return out
}

// TestLinksResolve checks every relative link of README.md and docs/*.md:
// its file exists, and its #anchor, when it has one into a page, is one of
// that page's headings.
func TestLinksResolve(t *testing.T) {
	all := pages(t)
	for from, md := range all {
		for _, m := range mdLink.FindAllStringSubmatch(prose(md, false), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			file, anchor, _ := strings.Cut(target, "#")
			to := from
			if file != "" {
				to = path.Clean(path.Join(path.Dir(from), file))
			}
			if branch, ok := notYet[to]; ok {
				if _, err := os.Stat("../../" + to); err == nil {
					t.Errorf("%s exists now: take it off notYet", to)
				} else {
					t.Logf("%s links %s, which comes with branch %s", from, target, branch)
				}
				continue
			}
			if _, err := os.Stat("../../" + to); err != nil {
				t.Errorf("%s links %q, but there is no %s", from, target, to)
				continue
			}
			if anchor == "" || !strings.HasSuffix(to, ".md") {
				continue
			}
			if !anchors(all[to])[anchor] {
				t.Errorf("%s links %q, but %s has no heading with the id %q", from, target, to, anchor)
			}
		}
	}
}

// TestReadmeLinksEveryDoc keeps the README's "where to go next" whole: it
// links every page in docs/.
func TestReadmeLinksEveryDoc(t *testing.T) {
	all := pages(t)
	linked := map[string]bool{}
	for _, m := range mdLink.FindAllStringSubmatch(prose(all["README.md"], false), -1) {
		file, _, _ := strings.Cut(m[1], "#")
		linked[path.Clean(file)] = true
	}
	for p := range all {
		if strings.HasPrefix(p, "docs/") && !linked[p] {
			t.Errorf("README.md does not link %s; add it to \"Where to go next\"", p)
		}
	}
}
