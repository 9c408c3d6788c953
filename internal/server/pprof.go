package server

import (
	"net/http"
	"net/http/pprof"
)

// MountPprof serves net/http/pprof's profiles under /debug/pprof/ on mux,
// which must be the metrics (admin) listener's, never the public one:
// profiles show the code's hot paths and goroutine stacks, and a CPU
// profile costs the server while it runs. Off unless --pprof is set.
// Importing net/http/pprof registers it on http.DefaultServeMux too, which
// nothing here serves.
func MountPprof(mux *http.ServeMux) {
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("POST /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
}
