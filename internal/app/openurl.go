package app

import (
	"net/url"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/store"
)

// openURL is where the phone goes once the app has answered lr, or "" when
// the login carries on in the browser that started it (DESIGN §6).
//
//   - app_to_app: the merchant's app callback, with state and either the
//     resume_uri that finishes the login in the original browser or the
//     error (vipps-login-api-2.0 "App integration").
//   - automatic_return_from_vipps_app: a URL that finishes the login in
//     whatever browser opens it, bound by a one-time secret.
func (a *API) openURL(lr store.LoginRequest, resumeSecret string) string {
	switch lr.RequestedFlow {
	case flow.AppToApp, flow.AppToAppV2:
		q := url.Values{"state": {lr.State}}
		switch lr.Status {
		case store.LoginApproved:
			q.Set("resume_uri", a.BaseURL+flow.LoginPath+"?tabId="+url.QueryEscape(lr.ID))
		case store.LoginFailed:
			q.Set("error", lr.Error)
		default:
			return ""
		}
		return flow.WithQuery(lr.AppCallbackURI, q)
	case flow.AutomaticReturn:
		if lr.Status != store.LoginApproved || resumeSecret == "" {
			return ""
		}
		return a.BaseURL + flow.ReturnPath + "?" + url.Values{"tabId": {lr.ID}, "secret": {resumeSecret}}.Encode()
	}
	return ""
}
