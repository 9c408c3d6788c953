package portal

import "net/http"

func (p *Portal) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	c, err := p.getClient(r)
	if err != nil {
		return err
	}
	ws, err := p.client().ListWebhooks(r.Context(), c.ClientID)
	if err != nil {
		return err
	}
	v := p.clientView(r, c, "Webhooks", "webhooks/")
	v.Data = ws
	if r.URL.Query().Get("resent") != "" {
		v.Notice = "The delivery was put in the outbox again; it is sent at once."
	}
	return render(w, http.StatusOK, "webhooks.html", v)
}

func (p *Portal) resendWebhook(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("client_id")
	if _, err := p.client().ResendWebhook(r.Context(), id, r.PathValue("id")); err != nil {
		return err
	}
	return seeOther(w, r, "clients/"+id+"/webhooks/?resent=1")
}
