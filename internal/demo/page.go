package demo

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
)

//go:embed static
var staticFS embed.FS

// pageServer is the page origin: the embedded page and the endpoints it
// uses to drive the API (same origin, so they need no CORS).
type pageServer struct {
	d   *Demo
	log *requestLog
	mux *http.ServeMux
}

func newPageServer(d *Demo, log *requestLog) http.Handler {
	s := &pageServer{d: d, log: log, mux: http.NewServeMux()}
	static, _ := fs.Sub(staticFS, "static")
	files := http.FileServerFS(static)
	s.mux.HandleFunc("GET /{$}", s.index)
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", files))
	s.mux.HandleFunc("GET /config", s.config)
	s.mux.HandleFunc("GET /log", s.runLog)
	return securityHeaders(s.mux)
}

// securityHeaders keeps the page self-contained: nothing may load from
// anywhere but the demo's own origins.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

func (s *pageServer) index(w http.ResponseWriter, r *http.Request) {
	// The session cookie the credentialed scenarios send to the API.
	// Cookies ignore ports, so localhost:API gets it as well.
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: newID(), Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	w.Header().Set("Content-Security-Policy",
		"default-src 'self'; connect-src 'self' "+s.d.APIURL+" "+s.d.ProxyURL+" "+s.d.UpstreamURL+
			"; script-src 'self' "+s.d.APIURL+"; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	http.ServeFileFS(w, r, staticFS, "static/index.html")
}

func (s *pageServer) config(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"page":     s.d.PageURL,
		"api":      s.d.APIURL,
		"proxy":    s.d.ProxyURL,
		"upstream": s.d.UpstreamURL,
	})
}

func (s *pageServer) runLog(w http.ResponseWriter, r *http.Request) {
	run := r.URL.Query().Get("run")
	if !validRun(run) {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "run: want 1-64 letters, digits, - _ ."})
		return
	}
	ex := s.log.Run(run)
	if ex == nil {
		ex = []Exchange{}
	}
	writeJSON(w, http.StatusOK, ex)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}
