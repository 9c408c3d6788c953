package portal

import (
	"net/http"
	"strings"

	"github.com/vippslogin/vippslogin/internal/admin"
)

// qrPage is the QR codes tab: the codes and the form for a new one.
type qrPage struct {
	Codes                    []admin.QRCodeResponse
	Description, RedirectURI string
}

func (p *Portal) listQRCodes(w http.ResponseWriter, r *http.Request) error {
	c, err := p.getClient(r)
	if err != nil {
		return err
	}
	return p.renderQRCodes(w, r, c, http.StatusOK, qrPage{}, nil)
}

// renderQRCodes shows c's QR codes with the form refilled from d and, when
// err is a problem answer, what is wrong with it.
func (p *Portal) renderQRCodes(w http.ResponseWriter, r *http.Request, c admin.ClientResponse, status int, d qrPage, err error) error {
	v := p.clientView(r, c, "QR codes", "qr/")
	if err != nil && !showProblem(&v, err, "description", "redirect_uri") {
		return err
	}
	codes, lerr := p.client().ListQRCodes(r.Context(), c.ClientID)
	if lerr != nil {
		return lerr
	}
	d.Codes = codes
	v.Data = d
	if r.URL.Query().Get("created") != "" {
		v.Notice = "The QR code was created."
	}
	return render(w, status, "qrcodes.html", v)
}

func (p *Portal) createQRCode(w http.ResponseWriter, r *http.Request) error {
	c, err := p.getClient(r)
	if err != nil {
		return err
	}
	if err := form(w, r); err != nil {
		return err
	}
	d := qrPage{Description: strings.TrimSpace(r.PostForm.Get("description")), RedirectURI: r.PostForm.Get("redirect_uri")}
	_, err = p.client().CreateQRCode(r.Context(), c.ClientID, admin.QRCodeRequest{Description: d.Description, RedirectURI: d.RedirectURI})
	if err != nil {
		return p.renderQRCodes(w, r, c, problemStatus(err), d, err)
	}
	return seeOther(w, r, "clients/"+c.ClientID+"/qr/?created=1")
}

// printQRCode is a page with just the code, large, its description and
// its URL, for printing (portal.css hides the rest in print).
func (p *Portal) printQRCode(w http.ResponseWriter, r *http.Request) error {
	q, err := p.client().GetQRCode(r.Context(), r.PathValue("client_id"), r.PathValue("qr_id"))
	if err != nil {
		return err
	}
	v := p.view(r, "QR code "+q.Description, "clients")
	v.Data = q
	return render(w, http.StatusOK, "qrprint.html", v)
}

func (p *Portal) deleteQRCode(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("client_id")
	if err := p.client().DeleteQRCode(r.Context(), id, r.PathValue("qr_id")); err != nil {
		return err
	}
	return seeOther(w, r, "clients/"+id+"/qr/")
}
