package login

import (
	"net/http"
	"reflect"
	"strings"

	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/web"
)

// text is every word the login pages show, in one language. Templates read
// it as .T and hold no words of their own, so a translation is one table.
type text struct {
	PhoneTitle, PhoneLead, PhoneLabel, PhoneHint, Remember, Next string
	PhoneMalformed, PhoneUnknown                                 string
	WaitTitle, WaitLead, WaitNote, Continue                      string
	DeeplinkTitle, DeeplinkLead, OpenVipps, DeeplinkNote         string
	ConsentTitle, ConsentLead, ConsentNote, Accept, Reject       string
	Cancel                                                       string
	// The page that hands the final redirect to an app (backtoapp.go).
	BackTitle, BackLead, BackButton, BackNote string
	// Scopes names the consent-requiring scopes in plain words
	// (vipps-login-api-2.0 "Scopes").
	Scopes map[string]string
	Errors map[errorKind]message
}

// message is an error page's title and description.
type message struct{ Title, Detail string }

// errorKind names an error page the user can get instead of a login step.
type errorKind int

const (
	errNotFound errorKind = iota
	errOtherBrowser
	errDone
	errBadRequest
	errCrossOrigin
	// The automatic-return link (return.go): wrong, used or expired; the
	// login not confirmed yet; the login went on in the browser the app
	// opened.
	errBadReturn
	errNotApproved
	errMovedOn
	errServer
	// errUnavailable: the database cannot be reached; the login is as it
	// was, and the same step may work in a moment.
	errUnavailable
	// errUnsafeRedirect: the client's redirect URI is not a place a browser
	// may be sent (redirect.Target), a record older than the rule.
	errUnsafeRedirect
)

// texts holds the pages' words in Norwegian bokmål and English.
var texts = map[string]text{
	web.Norwegian: {
		PhoneTitle:     "Logg inn med Vipps",
		PhoneLead:      "Du logger inn hos",
		PhoneLabel:     "Mobilnummer",
		PhoneHint:      "For eksempel {national}, eller med landskode: {international}.",
		Remember:       "Husk meg i denne nettleseren",
		Next:           "Neste",
		PhoneMalformed: "Skriv mobilnummeret {how} ({national}), eller med landskode ({international}).",
		PhoneUnknown:   "Ingen Vipps-bruker med dette nummeret.",
		WaitTitle:      "Bekreft i Vipps-appen",
		WaitLead:       "Åpne Vipps-appen og velg det samme tallet som vises her:",
		WaitNote:       "Siden går videre av seg selv når du har bekreftet.",
		Continue:       "Fortsett",
		DeeplinkTitle:  "Fortsett i Vipps",
		DeeplinkLead:   "Bekreft i Vipps-appen at du vil logge inn hos",
		OpenVipps:      "Åpne Vipps",
		DeeplinkNote:   "Kom tilbake hit når du har bekreftet i appen.",
		ConsentTitle:   "Del informasjon",
		ConsentLead:    "ber om denne informasjonen fra Vipps-profilen din:",
		ConsentNote:    "Du kan trekke tilbake samtykket i Vipps-appen når som helst.",
		Accept:         "Godta",
		Reject:         "Avslå",
		Cancel:         "Avbryt og gå tilbake til butikken",
		BackTitle:      "Går tilbake til appen …",
		BackLead:       "Du sendes tilbake til",
		BackButton:     "Gå tilbake til appen",
		BackNote:       "Trykk på knappen hvis appen ikke åpnes av seg selv.",
		Scopes: map[string]string{
			"name":           "Navn",
			"email":          "E-postadresse",
			"phoneNumber":    "Telefonnummer",
			"birthDate":      "Fødselsdato",
			"address":        "Adresse",
			"nin":            "Fødselsnummer",
			"accountNumbers": "Kontonummer",
		},
		Errors: map[errorKind]message{
			errNotFound:       {"Fant ikke innloggingen", "Denne innloggingen finnes ikke eller har utløpt. Gå tilbake til butikken og start på nytt."},
			errOtherBrowser:   {"Annen nettleser", "Denne innloggingen ble startet i en annen nettleser. Gå tilbake til butikken og start på nytt i denne nettleseren."},
			errDone:           {"Allerede fullført", "Denne innloggingen er allerede fullført. Gå tilbake til butikken for å logge inn på nytt."},
			errBadRequest:     {"Ugyldig forespørsel", "Skjemaet kunne ikke leses. Gå tilbake og prøv igjen."},
			errCrossOrigin:    {"Forespørselen ble avvist", "Skjemaet ble sendt fra et annet nettsted. Gå tilbake til butikken og start på nytt."},
			errBadReturn:      {"Ugyldig lenke", "Denne lenken for å fullføre innloggingen er ugyldig eller allerede brukt. Gå tilbake til butikken og start på nytt."},
			errNotApproved:    {"Ikke bekreftet ennå", "Innloggingen er ikke bekreftet i Vipps-appen ennå. Bekreft den i appen, og åpne lenken på nytt."},
			errMovedOn:        {"Fortsatt i en annen nettleser", "Vipps-appen sendte innloggingen videre til en annen nettleser, der den fullføres. Du kan lukke denne siden."},
			errUnsafeRedirect: {"Kan ikke sende deg tilbake", "Tjenesten har registrert en adresse å sende deg tilbake til som ikke er en nett- eller app-adresse. Tjenesten må registrere en https:// eller app-adresse; du kan lukke denne siden."},
			errServer:         {"Noe gikk galt", "Vi kunne ikke fullføre dette nå. Prøv igjen om litt, og oppgi forespørsels-ID-en hvis du kontakter oss."},
			errUnavailable:    {"Midlertidig utilgjengelig", "Vipps Login får ikke kontakt med databasen akkurat nå. Innloggingen er som den var: prøv igjen om litt."},
		},
	},
	web.English: {
		PhoneTitle:     "Log in with Vipps",
		PhoneLead:      "You are logging in to",
		PhoneLabel:     "Mobile number",
		PhoneHint:      "For example {national}, or with the country code: {international}.",
		Remember:       "Remember me in this browser",
		Next:           "Next",
		PhoneMalformed: "Enter the mobile number {how} ({national}), or with the country code ({international}).",
		PhoneUnknown:   "No Vipps user with this number.",
		WaitTitle:      "Confirm in the Vipps app",
		WaitLead:       "Open the Vipps app and pick the same number as shown here:",
		WaitNote:       "This page moves on by itself once you have confirmed.",
		Continue:       "Continue",
		DeeplinkTitle:  "Continue in Vipps",
		DeeplinkLead:   "Confirm in the Vipps app that you want to log in to",
		OpenVipps:      "Open Vipps",
		DeeplinkNote:   "Come back here once you have confirmed in the app.",
		ConsentTitle:   "Share information",
		ConsentLead:    "asks for this information from your Vipps profile:",
		ConsentNote:    "You can withdraw your consent in the Vipps app at any time.",
		Accept:         "Accept",
		Reject:         "Decline",
		Cancel:         "Cancel and go back to the shop",
		BackTitle:      "Returning to the app…",
		BackLead:       "You are being sent back to",
		BackButton:     "Return to the app",
		BackNote:       "Tap the button if the app does not open by itself.",
		Scopes: map[string]string{
			"name":           "Name",
			"email":          "Email address",
			"phoneNumber":    "Phone number",
			"birthDate":      "Date of birth",
			"address":        "Address",
			"nin":            "National identity number",
			"accountNumbers": "Bank account numbers",
		},
		Errors: map[errorKind]message{
			errNotFound:       {"Login not found", "This login does not exist or has expired. Go back to the shop and start again."},
			errOtherBrowser:   {"Another browser", "This login was started in another browser. Go back to the shop and start again in this browser."},
			errDone:           {"Already completed", "This login has already been completed. Go back to the shop to log in again."},
			errBadRequest:     {"Bad request", "The form could not be read. Go back and try again."},
			errCrossOrigin:    {"Request refused", "The form was sent from another site. Go back to the shop and start again."},
			errBadReturn:      {"Link not valid", "This link to finish the login is not valid, or it has already been used. Go back to the shop and start again."},
			errNotApproved:    {"Not confirmed yet", "The login has not been confirmed in the Vipps app yet. Confirm it in the app, then open the link again."},
			errMovedOn:        {"Continued in another browser", "The Vipps app sent this login on to another browser, where it finishes. You can close this page."},
			errUnsafeRedirect: {"Cannot send you back", "The service registered an address to return you to that is not a web or app address. The service must register an https:// or app address; you can close this page."},
			errServer:         {"Something went wrong", "We could not finish this just now. Try again in a moment, and quote the request id if you contact us."},
			errUnavailable:    {"Temporarily unavailable", "Vipps Login cannot reach its database just now. The login is as it was: try again in a moment."},
		},
	},
}

// words returns the pages' words for the login: in its language, and
// speaking of MobilePay instead of Vipps in the markets that know MobilePay.
func words(r *http.Request, lr store.LoginRequest) text {
	l := lang(r, lr)
	return brandedTexts(web.Brand(lr.Market), l).forMarket(lr.Market, l)
}

// phoneForm is how a market's users write their mobile numbers, for the
// phone page's hint and its error: the page reads a national number in
// the login's market (store.NormalizePhoneNumber), so its examples are
// that market's.
type phoneForm struct {
	national, international string
	how                     map[string]string // by language
}

var phoneForms = map[string]phoneForm{
	"NO": {"123 45 678", "+47 123 45 678", map[string]string{web.Norwegian: "med 8 siffer", web.English: "as 8 digits"}},
	"DK": {"12 34 56 78", "+45 12 34 56 78", map[string]string{web.Norwegian: "med 8 siffer", web.English: "as 8 digits"}},
	"FI": {"040 123 4567", "+358 40 123 4567", map[string]string{web.Norwegian: "som i Finland", web.English: "as written in Finland"}},
	"SE": {"070 123 45 67", "+46 70 123 45 67", map[string]string{web.Norwegian: "som i Sverige", web.English: "as written in Sweden"}},
}

// forMarket fills the phone texts' examples with market's (Norway's when
// the login has none).
func (t text) forMarket(market, lang string) text {
	f, ok := phoneForms[market]
	if !ok {
		f = phoneForms["NO"]
	}
	rep := strings.NewReplacer("{national}", f.national, "{international}", f.international, "{how}", f.how[lang])
	t.PhoneHint, t.PhoneMalformed = rep.Replace(t.PhoneHint), rep.Replace(t.PhoneMalformed)
	return t
}

// textsByBrand is texts in the words of each brand, re-branded once here
// rather than on every page a MobilePay market's user sees.
var textsByBrand = map[string]map[string]text{
	web.Vipps:     texts,
	web.MobilePay: {web.Norwegian: texts[web.Norwegian].branded(web.MobilePay), web.English: texts[web.English].branded(web.MobilePay)},
}

// brandedTexts is the words of lang ("nb" or "en") for brand (web.Brand).
func brandedTexts(brand, lang string) text {
	return textsByBrand[brand][lang]
}

// branded returns t with the app called brand instead of Vipps. The tables
// above are written once, for Vipps.
func (t text) branded(brand string) text {
	if brand == web.Vipps {
		return t
	}
	rep := strings.NewReplacer(web.Vipps, brand)
	v := reflect.ValueOf(&t).Elem()
	for i := range v.NumField() {
		if f := v.Field(i); f.Kind() == reflect.String {
			f.SetString(rep.Replace(f.String()))
		}
	}
	errs := make(map[errorKind]message, len(t.Errors))
	for k, m := range t.Errors {
		errs[k] = message{rep.Replace(m.Title), rep.Replace(m.Detail)}
	}
	t.Errors = errs
	return t
}

// lang is the language of the pages of the login: the one authorize took
// from ui_locales, else the browser's (vipps-login-api-2.0 "ui_locales").
func lang(r *http.Request, lr store.LoginRequest) string {
	if lr.Locale != "" {
		return web.Supported(lr.Locale)
	}
	return web.Language(r.Header.Get("Accept-Language"))
}
