package flow

import (
	"crypto/rand"
	"net/url"
	"strings"
)

// QRPath is where QR codes live below the base URL: a code encodes
// B/qr/<qr_id>, the page telling a person without the app what to do, and
// B/qr/<qr_id>/image is its picture. The admin API hands out these URLs,
// the app API takes them back when the app scans, and the page serves them.
const QRPath = "/qr/"

// QRIDLength is the length of a qr_id: 8 letters and digits, as Vipps'
// ("oKAz7q1O" in vipps-login-api "Initiate login from QR code").
const QRIDLength = 8

const qrAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// NewQRID returns a random qr_id: 8 of 62 letters and digits from
// crypto/rand, about 47 bits, so that ids cannot be guessed from each
// other. The store refuses a taken one; the caller tries again.
func NewQRID() string {
	b := make([]byte, QRIDLength)
	for i := range b {
		// 62 does not divide 256: reject the top 8 values so that every
		// character is equally likely.
		for {
			var c [1]byte
			rand.Read(c[:])
			if c[0] < 248 {
				b[i] = qrAlphabet[c[0]%62]
				break
			}
		}
	}
	return string(b)
}

// ValidQRID reports whether id has the form of a qr_id.
func ValidQRID(id string) bool {
	if len(id) != QRIDLength {
		return false
	}
	for _, r := range id {
		if !strings.ContainsRune(qrAlphabet, r) {
			return false
		}
	}
	return true
}

// QRURL is what the QR code id encodes, at the server with baseURL.
func QRURL(baseURL, id string) string {
	return strings.TrimRight(baseURL, "/") + QRPath + id
}

// QRImageURL is where the code's picture is served: PNG by default,
// ?format=svg for SVG, ?size= for its width in pixels.
func QRImageURL(baseURL, id string) string {
	return QRURL(baseURL, id) + "/image"
}

// QRIDFromURL returns the qr_id in what a QR code holds: its URL
// (http or https, any host, since the phone may reach the server under
// another name than the one the code was made with, with or without a
// trailing slash) or the bare id. ok is false when raw is neither.
func QRIDFromURL(raw string) (id string, ok bool) {
	raw = strings.TrimSpace(raw)
	if ValidQRID(raw) {
		return raw, true
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", false
	}
	dir, id, _ := cutLast(strings.TrimSuffix(u.Path, "/"), "/")
	if !strings.HasSuffix(dir+"/", QRPath) || !ValidQRID(id) {
		return "", false
	}
	return id, true
}

// cutLast is strings.Cut at the last sep.
func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}
