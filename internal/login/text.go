package login

import (
	"net/http"

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
	errServer
)

// texts holds the pages' words in Norwegian bokmål and English.
var texts = map[string]text{
	web.Norwegian: {
		PhoneTitle:     "Logg inn med Vipps",
		PhoneLead:      "Du logger inn hos",
		PhoneLabel:     "Mobilnummer",
		PhoneHint:      "For eksempel 123 45 678, eller med landskode: +47 123 45 678.",
		Remember:       "Husk meg i denne nettleseren",
		Next:           "Neste",
		PhoneMalformed: "Skriv mobilnummeret med 8 siffer (123 45 678), eller med landskode (+47 123 45 678).",
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
			errNotFound:     {"Fant ikke innloggingen", "Denne innloggingen finnes ikke eller har utløpt. Gå tilbake til butikken og start på nytt."},
			errOtherBrowser: {"Annen nettleser", "Denne innloggingen ble startet i en annen nettleser. Gå tilbake til butikken og start på nytt i denne nettleseren."},
			errDone:         {"Allerede fullført", "Denne innloggingen er allerede fullført. Gå tilbake til butikken for å logge inn på nytt."},
			errBadRequest:   {"Ugyldig forespørsel", "Skjemaet kunne ikke leses. Gå tilbake og prøv igjen."},
			errCrossOrigin:  {"Forespørselen ble avvist", "Skjemaet ble sendt fra et annet nettsted. Gå tilbake til butikken og start på nytt."},
			errServer:       {"Noe gikk galt", "Vi kunne ikke fullføre dette nå. Prøv igjen om litt, og oppgi forespørsels-ID-en hvis du kontakter oss."},
		},
	},
	web.English: {
		PhoneTitle:     "Log in with Vipps",
		PhoneLead:      "You are logging in to",
		PhoneLabel:     "Mobile number",
		PhoneHint:      "For example 123 45 678, or with the country code: +47 123 45 678.",
		Remember:       "Remember me in this browser",
		Next:           "Next",
		PhoneMalformed: "Enter the mobile number as 8 digits (123 45 678), or with the country code (+47 123 45 678).",
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
			errNotFound:     {"Login not found", "This login does not exist or has expired. Go back to the shop and start again."},
			errOtherBrowser: {"Another browser", "This login was started in another browser. Go back to the shop and start again in this browser."},
			errDone:         {"Already completed", "This login has already been completed. Go back to the shop to log in again."},
			errBadRequest:   {"Bad request", "The form could not be read. Go back and try again."},
			errCrossOrigin:  {"Request refused", "The form was sent from another site. Go back to the shop and start again."},
			errServer:       {"Something went wrong", "We could not finish this just now. Try again in a moment, and quote the request id if you contact us."},
		},
	},
}

// lang is the language of the pages of the login: the one authorize took
// from ui_locales, else the browser's (vipps-login-api-2.0 "ui_locales").
func lang(r *http.Request, lr store.LoginRequest) string {
	if lr.Locale != "" {
		return web.Supported(lr.Locale)
	}
	return web.Language(r.Header.Get("Accept-Language"))
}
