package web

import (
	"embed"
	"io/fs"
)

// The test app page (DESIGN §6): a phone-shaped page at B/app/ that lets a
// person play the Vipps user through the public app API. It is static
// (HTML, one stylesheet, one script) because everything it shows comes from
// that API with fetch(), and no inline script or style is allowed by the
// Content-Security-Policy that SecurityHeaders sets.
//
//go:embed testapp/*
var testAppFiles embed.FS

// TestApp returns the test app page's files: index.html, app.css and
// app.js, at the root of the returned file system.
func TestApp() fs.FS {
	sub, err := fs.Sub(testAppFiles, "testapp")
	if err != nil {
		panic(err) // unreachable: the directory is embedded above
	}
	return sub
}
