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

// Markets are the Vipps MobilePay markets an authorize request's market
// parameter may name, and so the countries whose phone numbers
// NormalizePhoneNumber reads as national numbers.
var Markets = []string{"NO", "DK", "FI", "SE"}

// CountryCode is the calling code of the phone numbers of a Vipps MobilePay
// market (the authorize request's market): 45 for DK, 358 for FI, 46 for
// SE, and Norway's 47 for NO and for no market.
func CountryCode(market string) string {
	switch market {
	case "DK":
		return "45"
	case "FI":
		return "358"
	case "SE":
		return "46"
	}
	return "47"
}

// NormalizePhoneNumber turns a phone number as a person types it or a
// merchant holds it ("+47 123 45 678", "0047 12345678", "4712345678",
// "12345678") into the stored form ValidPhoneNumber accepts. A number
// without "+" or "00" and too short to carry a country code is national,
// read in market's country (CountryCode): 8 digits in Norway and Denmark;
// in Finland and Sweden, which write a trunk 0 before national numbers,
// a number that starts with one 0, or has at most 9 digits. Anything else
// has its country code, with or without "+" or "00". Spaces, dots, dashes
// and parentheses are ignored. Applied to its own output it changes
// nothing, in any market.
func NormalizePhoneNumber(typed, market string) (string, bool) {
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
	if !prefixed && s != "" && strings.Trim(s, "0123456789") == "" {
		if national, ok := nationalNumber(s, market); ok {
			s = CountryCode(market) + national
		}
	}
	if !ValidPhoneNumber(s) {
		return "", false
	}
	return s, true
}

// nationalNumber reports whether digits, typed without "+" or "00", are a
// national number in market, and returns it without a trunk 0.
func nationalNumber(digits, market string) (string, bool) {
	switch market {
	case "FI", "SE":
		if rest, ok := strings.CutPrefix(digits, "0"); ok {
			return rest, true
		}
		return digits, len(digits) <= 9
	}
	return digits, len(digits) == 8
}
