package server

import (
	"bytes"
	"encoding/binary"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"testing"
)

var href = regexp.MustCompile(`(?:href|src)="([^"]+)"`)

// TestLandingLinksResolve follows every link of the landing page (and its
// stylesheet and icon) on the whole dev-mode server: none is a 404, or any
// other error.
func TestLandingLinksResolve(t *testing.T) {
	e := startE2E(t)
	resp, err := http.Get(e.BaseURL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /: %d", resp.StatusCode)
	}
	links := href.FindAllStringSubmatch(string(body), -1)
	if len(links) < 9 {
		t.Fatalf("the landing page has %d links, want the demo shop, test app, portal, discovery, JWKS, admin API, metrics, stylesheet and icon:\n%s", len(links), body)
	}
	base, _ := url.Parse(e.BaseURL + "/")
	for _, m := range links {
		u, err := base.Parse(m[1])
		if err != nil {
			t.Errorf("link %q: %v", m[1], err)
			continue
		}
		resp, err := http.Get(u.String())
		if err != nil {
			t.Errorf("GET %s: %v", u, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode >= 400 {
			t.Errorf("the landing page links %s, which answers %d", u, resp.StatusCode)
		}
	}
	for _, path := range []string{"/nope", "/index.html"} {
		resp, err := http.Get(e.BaseURL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404 as before the landing page", path, resp.StatusCode)
		}
	}
}

// TestFavicon checks /favicon.ico: an ICO whose one image is a 32×32 PNG
// in the brand's orange.
func TestFavicon(t *testing.T) {
	e := startE2E(t)
	resp, err := http.Get(e.BaseURL + "/favicon.ico")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/x-icon" || len(b) < 22 {
		t.Fatalf("GET /favicon.ico: %d %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(b))
	}
	var dir struct {
		Reserved, Type, Count          uint16
		Width, Height, Colours, Unused uint8
		Planes, Bits                   uint16
		Size, Offset                   uint32
	}
	if err := binary.Read(bytes.NewReader(b), binary.LittleEndian, &dir); err != nil {
		t.Fatal(err)
	}
	if dir.Type != 1 || dir.Count != 1 || dir.Width != 32 || dir.Height != 32 || int(dir.Offset)+int(dir.Size) != len(b) {
		t.Fatalf("ICO header %+v for %d bytes", dir, len(b))
	}
	img, err := png.Decode(bytes.NewReader(b[dir.Offset:]))
	if err != nil {
		t.Fatal(err)
	}
	if r, g, bl, a := img.At(4, 16).RGBA(); r>>8 != 0xff || g>>8 != 0x5b || bl>>8 != 0x24 || a>>8 != 0xff {
		t.Errorf("the icon's edge is %x %x %x %x, want the brand's orange", r>>8, g>>8, bl>>8, a>>8)
	}
	if r, g, bl, _ := img.At(16, 21).RGBA(); r>>8 != 0xff || g>>8 != 0xff || bl>>8 != 0xff {
		t.Errorf("the icon's v is %x %x %x, want white", r>>8, g>>8, bl>>8)
	}
	if _, _, _, a := img.At(0, 0).RGBA(); a != 0 {
		t.Errorf("the icon's corner is not transparent (alpha %x)", a)
	}
}
