package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
)

// The test app page (DESIGN §6): a phone-shaped page at B/app/ that lets a
// person play the Vipps user through the public app API. It is static but
// for its language (HTML, one stylesheet, one script) because everything it
// shows comes from that API with fetch(), and no inline script or style is
// allowed by the Content-Security-Policy that SecurityHeaders sets.
//
//go:embed testapp/*
var testAppFiles embed.FS

var testAppIndex = template.Must(template.ParseFS(testAppFiles, "testapp/index.html"))

// TestApp returns the test app page's static files, app.css and app.js, at
// the root of the returned file system; TestAppIndex renders its page.
func TestApp() fs.FS {
	sub, err := fs.Sub(testAppFiles, "testapp")
	if err != nil {
		panic(err) // unreachable: the directory is embedded above
	}
	return sub
}

// TestAppIndex is the test app's page in lang (Language, as the login
// pages choose theirs): its <html lang>, which the script reads to pick
// its words unless the user switched language in the app.
func TestAppIndex(lang string) ([]byte, error) {
	var buf bytes.Buffer
	err := testAppIndex.Execute(&buf, struct{ Lang string }{Supported(lang)})
	return buf.Bytes(), err
}
