package docscheck

import (
	"fmt"
	"regexp"
	"strings"
)

// The docs' examples are written in a small subset of POSIX sh, which
// this file reads: words with '…', "…" and \ quoting, $NAME and ${NAME}
// expansion, $(…) command substitution, | pipes, \ line continuation,
// and # comments.

// partKind says how a part of a word was quoted, and so whether it is
// expanded.
type partKind int

const (
	literal partKind = iota // '…' or \x: taken as it is
	expand                  // unquoted or "…": $NAME expanded
	subst                   // $(…): the inner command's output
)

type part struct {
	kind partKind
	s    string
}

// word is one shell word; a word that is just "|" (unquoted) is a pipe.
type word []part

func (w word) isPipe() bool { return len(w) == 1 && w[0].kind == expand && w[0].s == "|" }

// item is a command or a comment, in the order the block has them.
type item struct {
	line    int
	words   []word // a command
	comment string // a comment, without its '#' and the space after it
}

// parseShell reads src into commands and comments. A comment that follows
// a command on its line comes right after that command.
func parseShell(src string) ([]item, error) {
	var (
		items    []item
		cmd      []word
		cmdLine  int
		comments []item
		line     = 1
	)
	flush := func() {
		if len(cmd) > 0 {
			items = append(items, item{line: cmdLine, words: cmd})
			cmd = nil
		}
		items = append(items, comments...)
		comments = nil
	}
	rs := []rune(src)
	for i := 0; i < len(rs); {
		c := rs[i]
		switch {
		case c == '\n':
			flush()
			line++
			i++
		case c == ' ' || c == '\t':
			i++
		case c == '\\' && i+1 < len(rs) && rs[i+1] == '\n':
			line++
			i += 2
		case c == '#':
			end := i
			for end < len(rs) && rs[end] != '\n' {
				end++
			}
			text := strings.TrimPrefix(strings.TrimPrefix(string(rs[i:end]), "#"), " ")
			comments = append(comments, item{line: line, comment: text})
			i = end
		case c == '|':
			cmd = append(cmd, word{{expand, "|"}})
			i++
		default:
			if len(cmd) == 0 {
				cmdLine = line
			}
			w, next, lines, err := readWord(rs, i)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", line, err)
			}
			cmd = append(cmd, w)
			line += lines
			i = next
		}
	}
	flush()
	return items, nil
}

// readWord reads the word that starts at rs[i]; it returns the word, where
// the next one may start, and how many newlines the word held (inside
// quotes).
func readWord(rs []rune, i int) (word, int, int, error) {
	var (
		w     word
		plain strings.Builder
		lines int
	)
	add := func(k partKind, s string) {
		if plain.Len() > 0 {
			w = append(w, part{expand, plain.String()})
			plain.Reset()
		}
		w = append(w, part{k, s})
	}
	for i < len(rs) {
		c := rs[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '|':
			if plain.Len() > 0 {
				w = append(w, part{expand, plain.String()})
			}
			return w, i, lines, nil
		case c == '\'':
			end := i + 1
			for end < len(rs) && rs[end] != '\'' {
				end++
			}
			if end == len(rs) {
				return nil, 0, 0, fmt.Errorf("unterminated '")
			}
			s := string(rs[i+1 : end])
			lines += strings.Count(s, "\n")
			add(literal, s)
			i = end + 1
		case c == '"':
			var b strings.Builder
			end := i + 1
			for ; end < len(rs) && rs[end] != '"'; end++ {
				if rs[end] == '\\' && end+1 < len(rs) && strings.ContainsRune(`"\$`, rs[end+1]) {
					end++
				}
				b.WriteRune(rs[end])
			}
			if end == len(rs) {
				return nil, 0, 0, fmt.Errorf(`unterminated "`)
			}
			lines += strings.Count(b.String(), "\n")
			add(expand, b.String())
			i = end + 1
		case c == '$' && i+1 < len(rs) && rs[i+1] == '(':
			end, err := closing(rs, i+2)
			if err != nil {
				return nil, 0, 0, err
			}
			add(subst, string(rs[i+2:end]))
			i = end + 1
		case c == '\\' && i+1 < len(rs):
			add(literal, string(rs[i+1]))
			i += 2
		default:
			plain.WriteRune(c)
			i++
		}
	}
	if plain.Len() > 0 {
		w = append(w, part{expand, plain.String()})
	}
	return w, i, lines, nil
}

// closing finds the ')' that closes a $( whose inside starts at rs[i],
// skipping quoted text.
func closing(rs []rune, i int) (int, error) {
	var quote rune
	for depth := 1; i < len(rs); i++ {
		switch c := rs[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '(':
			depth++
		case c == ')':
			if depth--; depth == 0 {
				return i, nil
			}
		}
	}
	return 0, fmt.Errorf("unterminated $(")
}

var varRef = regexp.MustCompile(`\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))`)

// expandVars replaces $NAME and ${NAME} with their values; a variable the
// example never set is an error, as it is a mistake in the example.
func expandVars(s string, vars map[string]string) (string, error) {
	var missing []string
	out := varRef.ReplaceAllStringFunc(s, func(ref string) string {
		m := varRef.FindStringSubmatch(ref)
		name := m[1] + m[2]
		v, ok := vars[name]
		if !ok {
			missing = append(missing, name)
		}
		return v
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("$%s is used before it is set", missing[0])
	}
	return out, nil
}

var assignment = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)=`)

// splitAssignment reports whether w is NAME=value and returns the name and
// the value's parts.
func splitAssignment(w word) (string, word, bool) {
	if len(w) == 0 || w[0].kind != expand {
		return "", nil, false
	}
	m := assignment.FindStringSubmatch(w[0].s)
	if m == nil {
		return "", nil, false
	}
	value := append(word{{expand, w[0].s[len(m[0]):]}}, w[1:]...)
	return m[1], value, true
}
