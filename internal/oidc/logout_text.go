package oidc

import (
	"net/http"

	"github.com/vippslogin/vippslogin/internal/web"
)

// logoutText is every word the logout pages show a person, in one language
// (the login pages' rule: Norwegian bokmål or English). The 400 pages that
// tell a client's developer what is wrong with a logout request speak
// English, as authorize's do.
type logoutText struct {
	ConfirmTitle, ConfirmLead, LogOut, Cancel string
	DoneTitle, DoneLead                       string
	// A confirmation from another site, or without this browser's token.
	RefusedTitle, RefusedDetail string
	// The store or the signing keys could not be read.
	UnavailableTitle, UnavailableDetail string
}

var logoutTexts = map[string]logoutText{
	web.Norwegian: {
		ConfirmTitle:      "Logge ut av Vipps Login i denne nettleseren?",
		ConfirmLead:       "Nettleseren vil ikke lenger huske deg, og neste gang du logger inn med Vipps, blir du spurt om mobilnummeret ditt.",
		LogOut:            "Logg ut",
		Cancel:            "Avbryt",
		DoneTitle:         "Du er logget ut",
		DoneLead:          "Denne nettleseren husker deg ikke lenger for Vipps Login. Du kan lukke denne siden.",
		RefusedTitle:      "Utloggingen ble avvist",
		RefusedDetail:     "Skjemaet ble sendt fra et annet nettsted, eller det er utdatert. Gå tilbake, last inn siden på nytt og prøv igjen.",
		UnavailableTitle:  "Vipps Login er utilgjengelig",
		UnavailableDetail: "Utloggingen ble ikke fullført. Prøv igjen om litt.",
	},
	web.English: {
		ConfirmTitle:      "Log out of Vipps Login in this browser?",
		ConfirmLead:       "This browser will no longer remember you, and the next time you log in with Vipps you will be asked for your mobile number.",
		LogOut:            "Log out",
		Cancel:            "Cancel",
		DoneTitle:         "You are logged out",
		DoneLead:          "This browser no longer remembers you for Vipps Login. You can close this page.",
		RefusedTitle:      "Logout refused",
		RefusedDetail:     "The form was sent from another site, or it is out of date. Go back, reload the page and try again.",
		UnavailableTitle:  "Vipps Login is unavailable",
		UnavailableDetail: "The logout did not complete. Try again in a moment.",
	},
}

// logoutLang is the language of a logout page: the first of Norwegian or
// English in ui_locales (RP-Initiated Logout 1.0 §2), else the browser's.
func logoutLang(r *http.Request, uiLocales string) string {
	if l := uiLocale(uiLocales); l != "" {
		return l
	}
	return web.Language(r.Header.Get("Accept-Language"))
}
