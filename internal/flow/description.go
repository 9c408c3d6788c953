package flow

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrorDescription returns s made of only the characters an OAuth
// error_description may hold: %x20-21 / %x23-5B / %x5D-7E, printable ASCII
// without '"' and '\' (RFC 6749 §4.1.2.1 and §5.2; RFC 6750 §3 for the
// Bearer challenge). Every description that leaves the server passes
// through it, so one that quotes the client's input is valid whatever that
// input was. A forbidden character becomes what reads closest:
//
//	'"' → '\''    '\' → '/'    '…' → "..."
//	'§' → "section", spaced from what it cites ("§2.3.1" → "section 2.3.1")
//	newline, tab and other white space → ' '
//	any other control or non-ASCII character, or invalid UTF-8 → '?'
func ErrorDescription(s string) string {
	if allowedDescription(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range s {
		switch {
		case r == '"':
			b.WriteByte('\'')
		case r == '\\':
			b.WriteByte('/')
		case r == '§':
			b.WriteString("section")
			if next, _ := utf8.DecodeRuneInString(s[i+len("§"):]); next != utf8.RuneError && !unicode.IsSpace(next) {
				b.WriteByte(' ')
			}
		case r == '…':
			b.WriteString("...")
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		case r >= 0x20 && r <= 0x7e:
			b.WriteByte(byte(r))
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}

// allowedDescription reports whether s needs no change: the common case,
// which costs no allocation.
func allowedDescription(s string) bool {
	for i := range len(s) {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
