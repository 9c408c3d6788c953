package web

import "strings"

// The apps users confirm logins in, by market: the pages wear the brand of
// the one the user knows (issue 4 "market").
const (
	Vipps     = "Vipps"
	MobilePay = "MobilePay"
)

// Brand returns the app the users of market know: MobilePay in Denmark and
// Finland, Vipps in Norway and Sweden and when the market is not given
// (Vipps' default market is NO).
func Brand(market string) string {
	switch strings.ToUpper(market) {
	case "DK", "FI":
		return MobilePay
	}
	return Vipps
}

// Theme is the class of the page's <body>, which picks the colours in
// vipps.css: "mobilepay" or "vipps".
func (p Page) Theme() string {
	if p.Brand == MobilePay {
		return "mobilepay"
	}
	return "vipps"
}

// Logo is the word mark in the page's header.
func (p Page) Logo() string {
	if p.Brand == MobilePay {
		return "MobilePay"
	}
	return "vipps"
}

// BrandName is the brand for the page's title: Vipps unless set.
func (p Page) BrandName() string {
	if p.Brand == "" {
		return Vipps
	}
	return p.Brand
}

// DocTitle is the page's <title>: its title with the brand after it, unless
// the title already names the brand ("Logg inn med Vipps", not "Logg inn
// med Vipps · Vipps").
func (p Page) DocTitle() string {
	if strings.Contains(p.Title, p.BrandName()) {
		return p.Title
	}
	return p.Title + " · " + p.BrandName()
}
