package app

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/web"
)

// QRPages serves what a QR code points at (DESIGN §4): B/qr/<qr_id>, the
// URL the code encodes, and B/qr/<qr_id>/image, the code as a picture. The
// Vipps app reads the URL without opening it; a phone's camera opens it,
// and the page tells a person without the app what to do. Both are public,
// like the printed code.
type QRPages struct {
	Store store.Store
	// BaseURL is the server's public base URL, which the codes encode.
	BaseURL string
}

// Mount registers the page and the image on the server's main mux (they
// are pages, outside /app/).
func (p *QRPages) Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET "+flow.QRPath+"{id}", p.page)
	mux.Handle("GET "+flow.QRPath+"{id}/image", jsonapi.Handler(p.image))
}

// Image sizes in pixels: a width the ?size= parameter may ask for.
const (
	MinQRSize     = 64
	MaxQRSize     = 1024
	DefaultQRSize = 256
)

// qrText is every word of the QR page, in one language.
type qrText struct {
	Title, Lead, ImageAlt, Scan, NoAppTitle, NoApp, OpenTestApp, Address string
	NotFoundTitle, NotFound                                              string
	UnavailableTitle, Unavailable                                        string
}

var qrTexts = map[string]qrText{
	web.Norwegian: {
		Title:            "Logg inn med Vipps",
		Lead:             "Denne QR-koden logger deg inn hos",
		ImageAlt:         "QR-kode for innlogging med Vipps",
		Scan:             "Skann koden med Vipps-appen, bekreft i appen, og du er logget inn.",
		NoAppTitle:       "Har du ikke Vipps-appen?",
		NoApp:            "Dette er en vippslogin-testserver: testappen spiller telefonen din. Åpne den, logg inn, og skann koden ved å lime inn adressen nedenfor under «Skann QR».",
		OpenTestApp:      "Åpne testappen",
		Address:          "Kodens adresse",
		NotFoundTitle:    "Ukjent QR-kode",
		NotFound:         "Denne QR-koden logger ingen inn: den er slettet, eller har aldri fantes. Be butikken om en ny.",
		UnavailableTitle: "Vipps Login er ikke tilgjengelig",
		Unavailable:      "QR-koden kan ikke vises akkurat nå. Prøv igjen om litt.",
	},
	web.English: {
		Title:            "Log in with Vipps",
		Lead:             "This QR code logs you in at",
		ImageAlt:         "QR code for logging in with Vipps",
		Scan:             "Scan the code with the Vipps app, confirm in the app, and you are logged in.",
		NoAppTitle:       "No Vipps app?",
		NoApp:            "This is a vippslogin test server: the test app plays your phone. Open it, log in, and scan the code by pasting the address below under \"Scan QR\".",
		OpenTestApp:      "Open the test app",
		Address:          "The code's address",
		NotFoundTitle:    "Unknown QR code",
		NotFound:         "This QR code logs nobody in: it was deleted, or never existed. Ask the shop for a current one.",
		UnavailableTitle: "Vipps Login is unavailable",
		Unavailable:      "The QR code cannot be shown just now. Try again in a moment.",
	},
}

// page is B/qr/<qr_id>, in the language the browser prefers.
func (p *QRPages) page(w http.ResponseWriter, r *http.Request) {
	lang := web.Language(r.Header.Get("Accept-Language"))
	t := qrTexts[lang]
	q, err := p.Store.GetQRCode(r.Context(), r.PathValue("id"))
	var c store.Client
	if err == nil {
		c, err = p.Store.GetClient(r.Context(), q.ClientID)
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		web.ErrorPageLang(w, r, http.StatusNotFound, lang, t.NotFoundTitle, t.NotFound)
		return
	case err != nil && jsonapi.ClientGone(w, r, err):
		return
	case err != nil:
		// The page says nothing of the store's trouble; the log does.
		status := http.StatusInternalServerError
		if errors.Is(err, store.ErrUnavailable) {
			status = http.StatusServiceUnavailable
			w.Header().Set("Retry-After", jsonapi.RetryAfter)
		}
		slog.ErrorContext(r.Context(), "qr page", "err", err)
		web.ErrorPageLang(w, r, status, lang, t.UnavailableTitle, t.Unavailable)
		return
	}
	qrURL := flow.QRURL(p.BaseURL, q.ID)
	page := web.NewPage(r, lang, t.Title)
	web.Render(w, r, http.StatusOK, "qr.html", struct {
		web.Page
		T                                                  qrText
		ClientName, Description, URL, ImageURL, TestAppURL string
	}{
		Page: page, T: t, ClientName: c.Name, Description: q.Description, URL: qrURL,
		// Relative, so that they work below a base path.
		ImageURL:   url.PathEscape(q.ID) + "/image",
		TestAppURL: page.Root + "app/?" + url.Values{"qr": {qrURL}}.Encode(),
	})
}

// image is B/qr/<qr_id>/image: the code as a PNG (the default) or an SVG
// (?format=svg), ?size= pixels wide (MinQRSize to MaxQRSize).
func (p *QRPages) image(w http.ResponseWriter, r *http.Request) error {
	q, err := p.Store.GetQRCode(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		return jsonapi.Errorf(http.StatusNotFound, "There is no QR code %q; it was deleted, or never existed.", r.PathValue("id"))
	}
	if err != nil {
		return err
	}
	size := DefaultQRSize
	if s := r.URL.Query().Get("size"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < MinQRSize || n > MaxQRSize {
			return jsonapi.Errorf(http.StatusBadRequest, "size must be a whole number of pixels from %d to %d, not %q.", MinQRSize, MaxQRSize, s)
		}
		size = n
	}
	var (
		body        []byte
		contentType string
	)
	switch format := r.URL.Query().Get("format"); format {
	case "", "png":
		body, err = QRPNG(flow.QRURL(p.BaseURL, q.ID), size)
		contentType = "image/png"
	case "svg":
		body, err = QRSVG(flow.QRURL(p.BaseURL, q.ID), size)
		contentType = "image/svg+xml"
	default:
		return jsonapi.Errorf(http.StatusBadRequest, "format must be png or svg, not %q.", format)
	}
	if err != nil {
		return err
	}
	h := w.Header()
	// An SVG is a document: it may run nothing and load nothing.
	h.Set("Content-Security-Policy", "default-src 'none'")
	h.Set("Content-Type", contentType)
	// A code's picture never changes; a deleted code's goes soon enough.
	h.Set("Cache-Control", "public, max-age=300")
	_, err = w.Write(body)
	return err
}
