package web

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed static
var staticFS embed.FS

// Static serves the embedded stylesheet and scripts by file name; mount it
// with the directory stripped, e.g.
//
//	mux.Handle("GET /vipps-login-idp/static/", http.StripPrefix("/vipps-login-idp/static/", web.Static()))
//
// Files change only with a new release, so browsers may keep them an hour.
// There are no directory listings.
func Static() http.Handler {
	files, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the directory is embedded above; unreachable
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/")
		if info, err := fs.Stat(files, name); name == "" || strings.Contains(name, "/") || err != nil || info.IsDir() {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		http.ServeFileFS(w, r, files, name)
	})
}
