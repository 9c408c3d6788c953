package app

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	zxingqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/vippslogin/vippslogin/internal/flow"
	"github.com/vippslogin/vippslogin/internal/store"
	"github.com/vippslogin/vippslogin/internal/testenv"
)

// qrContentBase is the base URL the test pages' QR codes encode. It is
// fixed, not the test server's: gozxing fails to read a handful of URLs
// (2 of 1,600 ports tried, at 256 px and up), and a random port made the
// image tests fail one run in several hundred. Phones read them; the test's
// decoder is the weak part.
const qrContentBase = "http://127.0.0.1:30000"

// qrPages serves QRPages on a store holding the client "shop" with one QR
// code, and returns the server's URL, the URL to fetch the code's page at,
// and the URL the code encodes (on qrContentBase).
func qrPages(t *testing.T) (base, code, content string) {
	t.Helper()
	ctx := context.Background()
	st := testenv.SQLite(t)
	if err := st.CreateClient(ctx, store.Client{ID: "shop", Name: "Kaffebar <Sentrum>"}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateQRCode(ctx, store.QRCode{ID: "AbCd1234", ClientID: "shop", Description: "Table 7 & 8"}); err != nil {
		t.Fatal(err)
	}
	p := &QRPages{Store: st}
	mux := http.NewServeMux()
	p.Mount(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	p.BaseURL = qrContentBase
	return srv.URL, flow.QRURL(srv.URL, "AbCd1234"), flow.QRURL(qrContentBase, "AbCd1234")
}

func get(t *testing.T, u, lang string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

// decodeQR reads a QR code in img back, as a phone's camera would.
func decodeQR(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := zxingqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("no QR code to be read: %v", err)
	}
	return res.GetText()
}

// The PNG decodes back to the code's URL, at every size it is served in.
func TestQRImagePNG(t *testing.T) {
	_, code, content := qrPages(t)
	for _, size := range []int{0, MinQRSize, 300, MaxQRSize} {
		u := code + "/image"
		want := DefaultQRSize
		if size != 0 {
			u, want = fmt.Sprintf("%s?size=%d", u, size), size
		}
		resp, body := get(t, u, "")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("%s: %d %s", u, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		img, err := png.Decode(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != want || b.Dy() != want {
			t.Errorf("%s is %v, want %d pixels square", u, b, want)
		}
		if got := decodeQR(t, img); got != content {
			t.Errorf("%s decodes to %q, want %q", u, got, content)
		}
	}
}

// svgDoc is what the test reads of the SVG.
type svgDoc struct {
	XMLName xml.Name `xml:"http://www.w3.org/2000/svg svg"`
	Width   string   `xml:"width,attr"`
	ViewBox string   `xml:"viewBox,attr"`
	Path    struct {
		D string `xml:"d,attr"`
	} `xml:"path"`
}

var svgRun = regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`)

// The SVG is well-formed XML with one unit per module in its viewBox, and
// its path, drawn, is the same code.
func TestQRImageSVG(t *testing.T) {
	_, code, content := qrPages(t)
	resp, body := get(t, code+"/image?format=svg&size=512", "")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/svg+xml" ||
		resp.Header.Get("Content-Security-Policy") != "default-src 'none'" {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	var doc svgDoc
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, body)
	}
	var n int
	if _, err := fmt.Sscanf(doc.ViewBox, "0 0 %d %d", &n, &n); err != nil || doc.Width != "512" {
		t.Fatalf("viewBox %q, width %q", doc.ViewBox, doc.Width)
	}
	// A URL of this length is a version 3 code (29 modules) in a quiet zone
	// of 4 on each side.
	if n != 29+8 {
		t.Errorf("viewBox %q: %d modules, want 37", doc.ViewBox, n)
	}
	const scale = 8
	img := image.NewGray(image.Rect(0, 0, n*scale, n*scale))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	runs := svgRun.FindAllStringSubmatch(doc.Path.D, -1)
	if len(runs) == 0 || len(strings.Join(flatten(runs), "")) != len(doc.Path.D) {
		t.Fatalf("path %q is not all runs", doc.Path.D)
	}
	for _, m := range runs {
		x, y, w := atoi(m[1]), atoi(m[2]), atoi(m[3])
		if x+w > n || y >= n || m[3] != m[4] {
			t.Fatalf("run %q outside the code", m[0])
		}
		for px := x * scale; px < (x+w)*scale; px++ {
			for py := y * scale; py < (y+1)*scale; py++ {
				img.SetGray(px, py, color.Gray{})
			}
		}
	}
	if got := decodeQR(t, img); got != content {
		t.Errorf("the SVG decodes to %q, want %q", got, content)
	}
}

func flatten(ms [][]string) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m[0]
	}
	return out
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

func TestQRImageErrors(t *testing.T) {
	base, code, _ := qrPages(t)
	for u, want := range map[string]int{
		code + "/image?size=63":        400,
		code + "/image?size=1025":      400,
		code + "/image?size=big":       400,
		code + "/image?format=gif":     400,
		base + "/qr/Nope1234/image":    404,
		code + "/image?format=png":     200,
		code + "/image?size=64&format": 200,
	} {
		if resp, body := get(t, u, ""); resp.StatusCode != want {
			t.Errorf("%s: %d, want %d: %s", u, resp.StatusCode, want, body)
		}
	}
}

// The code's own page tells a person without the app what to do, in
// their language, with the pages' security headers.
func TestQRPage(t *testing.T) {
	base, code, content := qrPages(t)
	for lang, want := range map[string][]string{
		"en-GB,en;q=0.9": {`<html lang="en">`, "No Vipps app?", "Kaffebar &lt;Sentrum&gt;", "Table 7 &amp; 8",
			`src="AbCd1234/image"`, `href="../app/?qr=` + strings.ReplaceAll(strings.ReplaceAll(content, ":", "%3A"), "/", "%2F") + `"`,
			`<code data-testid="qr-url">` + content + `</code>`},
		"nb": {`<html lang="nb">`, "Har du ikke Vipps-appen?", "Åpne testappen"},
	} {
		resp, body := get(t, code, lang)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", lang, resp.StatusCode, body)
		}
		for _, w := range want {
			if !strings.Contains(string(body), w) {
				t.Errorf("%s: the page lacks %s:\n%s", lang, w, body)
			}
		}
		if h := resp.Header; !strings.Contains(h.Get("Content-Security-Policy"), "script-src 'self'") || h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("headers %v", h)
		}
	}
	resp, body := get(t, base+"/qr/Nope1234", "en")
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(body), "Unknown QR code") {
		t.Errorf("an unknown code's page: %d\n%s", resp.StatusCode, body)
	}
}

// TestQRPageUnavailable: with the database gone the page answers 503 with
// Retry-After and a message for people, never the store's error text
// (issue 11, point 9).
func TestQRPageUnavailable(t *testing.T) {
	st := testenv.SQLite(t)
	p := &QRPages{Store: st, BaseURL: "https://vipps.example"}
	mux := http.NewServeMux()
	p.Mount(mux)
	st.Close()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", flow.QRPath+"AbCd1234", nil)
	req.Header.Set("Accept-Language", "en")
	mux.ServeHTTP(rec, req)
	body := rec.Body.String()
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" ||
		!strings.Contains(body, "Try again in a moment") || strings.Contains(body, "sqlite") || strings.Contains(body, "closed") {
		t.Errorf("QR page with the store closed = %d, Retry-After %q:\n%s", rec.Code, rec.Header().Get("Retry-After"), body)
	}
}
