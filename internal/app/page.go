package app

import (
	"io/fs"
	"mime"
	"net/http"
	"path"

	"github.com/vippslogin/vippslogin/internal/jsonapi"
	"github.com/vippslogin/vippslogin/internal/web"
)

// page serves the test app page at B/app/ and its files at B/app/static/.
// It is a page, not an API, so it gets the pages' security headers; the
// script in it calls the app API relative to the page, which keeps it
// working below a base path.
func page(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("file")
	var (
		b   []byte
		err error
	)
	switch name {
	case "":
		name = "index.html"
		// The login pages' rule (web.Language); the page's own switch,
		// kept in the browser, overrides it.
		b, err = web.TestAppIndex(web.Language(r.Header.Get("Accept-Language")))
		if err != nil {
			return err
		}
		w.Header().Set("Vary", "Accept-Language")
	case "index.html":
		err = fs.ErrNotExist
	default:
		b, err = fs.ReadFile(web.TestApp(), name)
	}
	if err != nil {
		// Embedded files cannot fail to read: whatever did not read is not there.
		return jsonapi.Errorf(http.StatusNotFound, "There is no file %q in the test app.", name)
	}
	web.SecurityHeaders(w.Header())
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, err = w.Write(b)
	return err
}
