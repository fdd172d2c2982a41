package demo

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// An Exchange is one request a demo server received and the response it
// sent, as far as CORS cares.
type Exchange struct {
	Seq      int64             `json:"seq"` // when the request arrived
	End      int64             `json:"end"` // when the response was sent; same clock as Seq
	Run      string            `json:"run"`
	Server   string            `json:"server"` // "api", "proxy" or "upstream"
	Time     time.Time         `json:"time"`
	Method   string            `json:"method"`
	Path     string            `json:"path"`
	Kind     string            `json:"kind"` // "preflight", "request" or "redirect"
	Request  map[string]string `json:"request,omitempty"`
	Status   int               `json:"status"`
	Response map[string]string `json:"response,omitempty"`
	Notes    []string          `json:"notes,omitempty"` // why a server said no, when one did
}

type noteKey struct{}

// setNote records, for the request's log entry, why a server refused it.
func setNote(r *http.Request, note string) {
	if p, ok := r.Context().Value(noteKey{}).(*[]string); ok && len(*p) < 8 {
		*p = append(*p, cut(note))
	}
}

// requestHeaders and responseHeaders are the headers the log keeps: the
// ones that decide a CORS outcome.
var (
	requestHeaders = []string{
		"Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers",
		"Content-Type", "X-Demo", "Sec-Fetch-Mode", "Sec-Fetch-Site",
	}
	responseHeaders = []string{
		"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
		"Access-Control-Allow-Methods", "Access-Control-Allow-Headers",
		"Access-Control-Expose-Headers", "Access-Control-Max-Age",
		"Location", "Vary", "Content-Type",
	}
)

// requestLog is a bounded ring of exchanges, shared by every demo server.
type requestLog struct {
	mu   sync.Mutex
	seq  int64
	ring []Exchange
	next int
}

func newRequestLog(n int) *requestLog { return &requestLog{ring: make([]Exchange, n)} }

// tick returns the next value of the log's clock, which orders the
// arrival and the answer of every exchange, across servers.
func (l *requestLog) tick() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	return l.seq
}

func (l *requestLog) add(e Exchange) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	e.End = l.seq
	l.ring[l.next] = e
	l.next++
	if l.next == len(l.ring) {
		l.next = 0
	}
}

// Run returns the exchanges tagged with run, oldest first.
func (l *requestLog) Run(run string) []Exchange {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Exchange
	for _, e := range l.ring {
		if e.Seq != 0 && e.Run == run {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b Exchange) int { return cmp.Compare(a.Seq, b.Seq) })
	return out
}

// validRun reports whether s can tag a run: short, and only characters
// that need no escaping anywhere.
func validRun(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// logged records every request that carries a valid ?run= tag.
func (l *requestLog) logged(server string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		run := r.URL.Query().Get("run")
		if !validRun(run) {
			h.ServeHTTP(w, r)
			return
		}
		e := Exchange{
			Seq:    l.tick(),
			Run:    run,
			Server: server,
			Time:   time.Now(),
			Method: r.Method,
			Path:   cut(r.URL.Path),
			Kind:   "request",
		}
		if r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != "" {
			e.Kind = "preflight"
		}
		e.Request = pick(r.Header, requestHeaders)
		if r.Header.Get("Cookie") != "" {
			e.Request["Cookie"] = "(sent)"
		}
		sw := &statusWriter{ResponseWriter: w}
		var notes []string
		h.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), noteKey{}, &notes)))
		if pe := w.Header().Get("X-Proxy-Error"); pe != "" {
			// The proxy names the class of its refusals in this header.
			notes = append(notes, "proxy refused: "+pe)
		}
		e.Notes = notes
		e.Status = sw.status
		if e.Status == 0 {
			e.Status = http.StatusOK
		}
		if e.Status >= 300 && e.Status < 400 && w.Header().Get("Location") != "" {
			e.Kind = "redirect"
		}
		e.Response = pick(w.Header(), responseHeaders)
		l.add(e)
	})
}

// maxLogged bounds each value the log keeps, so that the ring's size is
// bounded whatever clients send.
const maxLogged = 256

func pick(h http.Header, names []string) map[string]string {
	m := make(map[string]string)
	for _, n := range names {
		if v := h.Values(n); len(v) > 0 {
			m[n] = cut(strings.Join(v, ", "))
		}
	}
	return m
}

func cut(s string) string {
	if len(s) > maxLogged {
		return s[:maxLogged] + "…"
	}
	return s
}

// statusWriter remembers the status code a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
