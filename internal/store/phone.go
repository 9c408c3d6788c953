package store

import "strings"

// maxTypedPhone bounds the text NormalizePhoneNumber reads: room for any
// real number with spaces, far too little to cost anything.
const maxTypedPhone = 32

// ValidPhoneNumber reports whether s is a phone number as users are stored
// and known by (User.PhoneNumber, DESIGN §3): the MSISDN, which is E.164
// without the '+': 10 to 15 digits, the country code first, and no country
// code starts with 0. It is the one rule; the admin API checks new users
// with it and NormalizePhoneNumber only ever returns such a number.
func ValidPhoneNumber(s string) bool {
	return len(s) >= 10 && len(s) <= 15 && s[0] != '0' && strings.Trim(s, "0123456789") == ""
}

// NormalizePhoneNumber turns a phone number as a person types it or a
// merchant holds it ("+47 123 45 678", "0047 12345678", "4712345678",
// "12345678") into the stored form ValidPhoneNumber accepts. Eight digits
// alone are a Norwegian number; otherwise the number has its country code,
// with or without "+" or "00". Spaces, dots, dashes and parentheses are
// ignored. Applied to its own output it changes nothing.
func NormalizePhoneNumber(typed string) (string, bool) {
	if len(typed) > maxTypedPhone {
		return "", false
	}
	s := strings.Map(func(c rune) rune {
		if strings.ContainsRune(" \t.-()\u00a0", c) {
			return -1
		}
		return c
	}, typed)
	prefixed := false
	if rest, ok := strings.CutPrefix(s, "+"); ok {
		s, prefixed = rest, true
	} else if rest, ok := strings.CutPrefix(s, "00"); ok {
		s, prefixed = rest, true
	}
	if len(s) == 8 && !prefixed && strings.Trim(s, "0123456789") == "" {
		s = "47" + s
	}
	if !ValidPhoneNumber(s) {
		return "", false
	}
	return s, true
}
