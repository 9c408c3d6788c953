package portal

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/vippslogin/vippslogin/internal/admin"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/web"
)

// A sale unit's pages are tabs; tab.Path is below
// B/portal/clients/{client_id}/.
type tab struct{ Path, Label string }

// clientTabs are the tabs of a sale unit's pages.
var clientTabs = []tab{
	{"", "Settings"},
	{"qr/", "QR codes"},
	{"webhooks/", "Webhooks"},
	{"events/", "Events"},
}

// clientFields are the form fields the admin API's problems may name.
var clientFields = []string{
	"client_id", "name", "redirect_uris", "app_callback_uris", "post_logout_redirect_uris",
	"token_endpoint_auth_method", "flows", "scopes", "qr_webhook_url", "ciba_ping_url",
	"consent_webhook_url", "ciba_interval",
}

// option is a checkbox: its value and what it says.
type option struct{ Value, Label string }

// clientForm is the create and edit form, as shown and as sent.
type clientForm struct {
	New                                                   bool
	ClientID, Name                                        string
	RedirectURIs, AppCallbackURIs, PostLogoutRedirectURIs string
	AuthMethod                                            string
	Flows, Scopes                                         []string
	QRWebhookURL, CIBAPingURL, ConsentWebhookURL          string
	CIBAInterval                                          string
	AllFlows                                              []option
	AllScopes, AllAuthMethods                             []string
}

func newClientForm() clientForm {
	f := clientForm{
		AllScopes:      store.Scopes,
		AllAuthMethods: store.AuthMethods,
	}
	for _, fl := range store.Flows {
		f.AllFlows = append(f.AllFlows, option{fl, web.FlowLabel(fl)})
	}
	return f
}

func clientFormOf(c admin.ClientResponse) clientForm {
	f := newClientForm()
	f.ClientID, f.Name = c.ClientID, c.Name
	f.RedirectURIs = strings.Join(c.RedirectURIs, "\n")
	f.AppCallbackURIs = strings.Join(c.AppCallbackURIs, "\n")
	f.PostLogoutRedirectURIs = strings.Join(c.PostLogoutRedirectURIs, "\n")
	f.AuthMethod, f.Flows, f.Scopes = c.TokenEndpointAuthMethod, c.Flows, c.Scopes
	f.QRWebhookURL, f.CIBAPingURL, f.ConsentWebhookURL = c.QRWebhookURL, c.CIBAPingURL, c.ConsentWebhookURL
	f.CIBAInterval = strconv.Itoa(c.CIBAInterval)
	return f
}

// readClientForm reads the posted form, refilling f.
func readClientForm(r *http.Request, f *clientForm) {
	pf := r.PostForm
	f.ClientID = strings.TrimSpace(pf.Get("client_id"))
	f.Name = strings.TrimSpace(pf.Get("name"))
	f.RedirectURIs, f.AppCallbackURIs = pf.Get("redirect_uris"), pf.Get("app_callback_uris")
	f.PostLogoutRedirectURIs = pf.Get("post_logout_redirect_uris")
	f.AuthMethod = pf.Get("token_endpoint_auth_method")
	f.Flows, f.Scopes = nonNil(pf["flows"]), nonNil(pf["scopes"])
	f.QRWebhookURL = strings.TrimSpace(pf.Get("qr_webhook_url"))
	f.CIBAPingURL = strings.TrimSpace(pf.Get("ciba_ping_url"))
	f.ConsentWebhookURL = strings.TrimSpace(pf.Get("consent_webhook_url"))
	f.CIBAInterval = strings.TrimSpace(pf.Get("ciba_interval"))
}

// interval is the form's ciba_interval: nil when empty; a number the
// admin API judges, or a problem of the form's own.
func (f clientForm) interval() (*int, string) {
	if f.CIBAInterval == "" {
		return nil, ""
	}
	n, err := strconv.Atoi(f.CIBAInterval)
	if err != nil {
		return nil, "ciba_interval must be a whole number of seconds."
	}
	return &n, ""
}

// check is what the form itself refuses: a ciba_interval that is no
// number, and no box ticked. The admin API gives a create without flows or
// scopes the defaults, but on the form that is a choice of none.
func (f clientForm) check() map[string]string {
	bad := map[string]string{}
	if _, why := f.interval(); why != "" {
		bad["ciba_interval"] = why
	}
	if len(f.Flows) == 0 {
		bad["flows"] = "Tick at least one login product."
	}
	if len(f.Scopes) == 0 {
		bad["scopes"] = "Tick at least one scope."
	}
	return bad
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

func (p *Portal) listClients(w http.ResponseWriter, r *http.Request) error {
	cs, err := p.client().ListClients(r.Context())
	if err != nil {
		return err
	}
	v := p.view(r, "Sale units", "clients")
	v.Data = cs
	return render(w, http.StatusOK, "clients.html", v)
}

func (p *Portal) newClient(w http.ResponseWriter, r *http.Request) error {
	f := newClientForm()
	f.New = true
	f.Flows, f.Scopes = admin.DefaultFlows, admin.DefaultScopes
	f.AuthMethod = store.AuthSecretBasic
	v := p.view(r, "New sale unit", "clients")
	v.Data = f
	return render(w, http.StatusOK, "client.html", v)
}

// createClient creates the sale unit and shows its secret, this once.
func (p *Portal) createClient(w http.ResponseWriter, r *http.Request) error {
	if err := form(w, r); err != nil {
		return err
	}
	f := newClientForm()
	f.New = true
	readClientForm(r, &f)
	v := p.view(r, "New sale unit", "clients")
	v.Data = f
	if v.Fields = f.check(); len(v.Fields) > 0 {
		return render(w, http.StatusBadRequest, "client.html", v)
	}
	interval, _ := f.interval()
	c, err := p.client().CreateClient(r.Context(), admin.ClientRequest{
		ClientID: f.ClientID, Name: f.Name,
		RedirectURIs: lines(f.RedirectURIs), AppCallbackURIs: lines(f.AppCallbackURIs), PostLogoutRedirectURIs: lines(f.PostLogoutRedirectURIs),
		TokenEndpointAuthMethod: f.AuthMethod, Flows: f.Flows, Scopes: f.Scopes,
		QRWebhookURL: f.QRWebhookURL, CIBAPingURL: f.CIBAPingURL, ConsentWebhookURL: f.ConsentWebhookURL,
		CIBAInterval: interval,
	})
	if err != nil {
		if !showProblem(&v, err, clientFields...) {
			return err
		}
		return render(w, problemStatus(err), "client.html", v)
	}
	return p.showSecret(w, r, c, c.ClientSecret, true)
}

// problemStatus is the status a page refilled after a problem answer
// gets: the problem's own.
func problemStatus(err error) int {
	status, _ := problemOf(err)
	return status
}

// showSecret shows a client secret, the only time it is shown: after a
// create or a rotation. It is the answer to the POST itself, not a page to
// go back to.
func (p *Portal) showSecret(w http.ResponseWriter, r *http.Request, c admin.ClientResponse, secret string, created bool) error {
	v := p.clientView(r, c, "Client secret", "")
	if created {
		v.Notice = "The sale unit " + c.Name + " was created."
	} else {
		v.Notice = "The client secret was rotated: the old one no longer works."
	}
	v.Data = struct {
		Secret  string
		Created bool
	}{secret, created}
	return render(w, http.StatusOK, "secret.html", v)
}

// clientView is the view of one of the sale unit c's tabs.
func (p *Portal) clientView(r *http.Request, c admin.ClientResponse, title, tabPath string) view {
	v := p.view(r, title+" · "+c.Name, "clients")
	v.Client, v.Tabs, v.Tab = &c, clientTabs, tabPath
	return v
}

// getClient reads the client the page's path names.
func (p *Portal) getClient(r *http.Request) (admin.ClientResponse, error) {
	return p.client().GetClient(r.Context(), r.PathValue("client_id"))
}

func (p *Portal) editClient(w http.ResponseWriter, r *http.Request) error {
	c, err := p.getClient(r)
	if err != nil {
		return err
	}
	v := p.clientView(r, c, "Settings", "")
	v.Data = clientFormOf(c)
	if r.URL.Query().Get("saved") != "" {
		v.Notice = "Saved."
	}
	return render(w, http.StatusOK, "client.html", v)
}

// updateClient replaces every setting with the form's.
func (p *Portal) updateClient(w http.ResponseWriter, r *http.Request) error {
	c, err := p.getClient(r)
	if err != nil {
		return err
	}
	if err := form(w, r); err != nil {
		return err
	}
	f := newClientForm()
	readClientForm(r, &f)
	f.ClientID = c.ClientID
	v := p.clientView(r, c, "Settings", "")
	v.Data = f
	if v.Fields = f.check(); len(v.Fields) > 0 {
		return render(w, http.StatusBadRequest, "client.html", v)
	}
	redirects, callbacks, logouts := lines(f.RedirectURIs), lines(f.AppCallbackURIs), lines(f.PostLogoutRedirectURIs)
	interval, _ := f.interval()
	_, err = p.client().UpdateClient(r.Context(), c.ClientID, admin.ClientPatch{
		Name: &f.Name, RedirectURIs: &redirects, AppCallbackURIs: &callbacks, PostLogoutRedirectURIs: &logouts,
		TokenEndpointAuthMethod: &f.AuthMethod, Flows: &f.Flows, Scopes: &f.Scopes,
		QRWebhookURL: &f.QRWebhookURL, CIBAPingURL: &f.CIBAPingURL, ConsentWebhookURL: &f.ConsentWebhookURL,
		CIBAInterval: interval,
	})
	if err != nil {
		if !showProblem(&v, err, clientFields...) {
			return err
		}
		return render(w, problemStatus(err), "client.html", v)
	}
	return seeOther(w, r, "clients/"+c.ClientID+"/?saved=1")
}

func (p *Portal) rotateSecret(w http.ResponseWriter, r *http.Request) error {
	c, err := p.getClient(r)
	if err != nil {
		return err
	}
	s, err := p.client().RotateSecret(r.Context(), c.ClientID)
	if err != nil {
		return err
	}
	return p.showSecret(w, r, c, s.ClientSecret, false)
}

func (p *Portal) confirmDeleteClient(w http.ResponseWriter, r *http.Request) error {
	c, err := p.getClient(r)
	if err != nil {
		return err
	}
	return render(w, http.StatusOK, "delete.html", p.clientView(r, c, "Delete", "delete"))
}

func (p *Portal) deleteClient(w http.ResponseWriter, r *http.Request) error {
	if err := p.client().DeleteClient(r.Context(), r.PathValue("client_id")); err != nil {
		return err
	}
	return seeOther(w, r, "clients/")
}
