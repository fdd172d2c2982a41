package demo

import (
	"context"
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/crossorigin/crossorigin/browser"
)

//go:embed static
var staticFS embed.FS

// pageServer is the page origin: the embedded page and the endpoints it
// uses to drive the API (same origin, so they need no CORS).
type pageServer struct {
	d   *Demo
	log *requestLog
	mux *http.ServeMux

	predictMu sync.Mutex
}

func newPageServer(d *Demo, log *requestLog) http.Handler {
	s := &pageServer{d: d, log: log, mux: http.NewServeMux()}
	static, _ := fs.Sub(staticFS, "static")
	files := http.FileServerFS(static)
	s.mux.HandleFunc("GET /{$}", s.index)
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", files))
	s.mux.HandleFunc("GET /config", s.config)
	s.mux.HandleFunc("GET /log", s.runLog)
	s.mux.HandleFunc("GET /diagram", s.diagram)
	s.mux.HandleFunc("GET /scenarios", s.scenarios)
	s.mux.HandleFunc("GET /policy", s.getPolicy)
	s.mux.HandleFunc("PUT /policy", s.putPolicy)
	s.mux.HandleFunc("POST /predict", s.handlePredict)
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
	_ = json.NewEncoder(w).Encode(v) // the status is sent; a failed write has no one to tell
}

func itoa(i int) string { return strconv.Itoa(i) }

// maxJSON bounds the page's JSON requests to its own origin.
const maxJSON = 64 << 10

func readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSON))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func (s *pageServer) scenarios(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.d.Scenarios())
}

func (s *pageServer) getPolicy(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.d.api.Policy())
}

// putPolicy applies a policy to the API live. A policy the middleware
// refuses comes back as 422 with every problem listed.
func (s *pageServer) putPolicy(w http.ResponseWriter, r *http.Request) {
	var p Policy
	if err := readJSON(w, r, &p); err != nil {
		writeJSON(w, http.StatusBadRequest, problems(err))
		return
	}
	if err := s.d.api.Reconfigure(p); err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, problems(err))
		return
	}
	writeJSON(w, http.StatusOK, s.d.api.Policy())
}

// problems lists the errors joined in err, one per entry.
func problems(err error) map[string]any {
	var list []string
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			list = append(list, e.Error())
		}
	} else {
		list = append(list, err.Error())
	}
	return map[string]any{"errors": list}
}

func (s *pageServer) bases() map[string]string {
	return map[string]string{"api": s.d.APIURL, "proxy": s.d.ProxyURL, "upstream": s.d.UpstreamURL}
}

// handlePredict runs the browser package's prediction for a request, with
// the run tag the page chose, against the API's current policy.
func (s *pageServer) handlePredict(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Run     string  `json:"run"`
		Request Request `json:"request"`
		// Engine is the engine of the browser the page runs in:
		// chromium (the default), firefox or webkit.
		Engine string `json:"engine"`
	}
	if err := readJSON(w, r, &in); err != nil {
		writeJSON(w, http.StatusBadRequest, problems(err))
		return
	}
	if !validRun(in.Run) {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []string{"run: want 1-64 letters, digits, - _ ."}})
		return
	}
	engine := browser.Chromium
	if in.Engine != "" {
		e, err := browser.ParseEngine(in.Engine)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []string{"engine: " + err.Error()}})
			return
		}
		engine = e
	}
	u, err := in.Request.validate(s.bases())
	if err != nil {
		writeJSON(w, http.StatusBadRequest, problems(err))
		return
	}
	// One prediction at a time: it is cheap, and this bounds the work a
	// page can make the server do.
	s.predictMu.Lock()
	defer s.predictMu.Unlock()
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	defer cancel()
	p := s.predict(ctx, in.Request, withRun(u, in.Run), engine, withProbes)
	// The model's verdict for the other two engines, each under a run
	// tag of its own so that the page's logs stay the page's.
	for _, e := range browser.Engines() {
		if e == engine || in.Request.Mode == "jsonp" {
			continue
		}
		o := s.predict(ctx, in.Request, withRun(u, otherRun(in.Run, e)), e, noProbes)
		p.Others = append(p.Others, OtherEngine{Engine: e.String(), Outcome: o.Outcome, Reason: o.Reason, Message: o.Message})
	}
	writeJSON(w, http.StatusOK, p)
}
