package browser_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/crossorigin/crossorigin/browser"
)

const pageOrigin = "https://app.example.com"

// middleware is a hand-written CORS layer in the manner of the common Go
// middlewares: it allows origins, methods and request headers, and refuses
// a preflight in one of their styles.
type middleware struct {
	origins, methods, headers []string
	style                     string // "ours": 403 with a text/plain reason; "rs": 204 without CORS headers; "jub0bs": a bare 403
	credentials               bool
	exposed                   string
}

func (m middleware) refuse(w http.ResponseWriter, why string) {
	switch m.style {
	case "rs":
		w.WriteHeader(http.StatusNoContent)
	case "jub0bs":
		w.WriteHeader(http.StatusForbidden)
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, "cors: "+why+"\n")
	}
}

func (m middleware) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o := r.Header.Get("Origin")
	allowed := slices.Contains(m.origins, o)
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		if !allowed {
			m.refuse(w, "origin not allowed")
			return
		}
		if am := r.Header.Get("Access-Control-Request-Method"); am != "GET" && am != "POST" && am != "HEAD" && !slices.Contains(m.methods, am) {
			m.refuse(w, "method "+am+" is not allowed")
			return
		}
		if rh := r.Header.Get("Access-Control-Request-Headers"); rh != "" {
			for _, h := range strings.Split(rh, ",") {
				if !slices.Contains(m.headers, h) {
					m.refuse(w, "request header \""+h+"\" is not allowed")
					return
				}
			}
			w.Header().Set("Access-Control-Allow-Headers", rh)
		}
		w.Header().Set("Access-Control-Allow-Origin", o)
		w.Header().Set("Access-Control-Allow-Methods", r.Header.Get("Access-Control-Request-Method"))
		if m.credentials {
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if allowed {
		w.Header().Set("Access-Control-Allow-Origin", o)
		if m.credentials {
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}
		if m.exposed != "" {
			w.Header().Set("Access-Control-Expose-Headers", m.exposed)
		}
	}
	w.Header().Set("X-Request-Id", "42")
	_, _ = io.WriteString(w, "ok")
}

// counting counts the requests a handler gets, by method.
type counting struct {
	h  http.Handler
	mu sync.Mutex
	n  map[string]int
}

func (c *counting) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[r.Method]++
	c.mu.Unlock()
	c.h.ServeHTTP(w, r)
}

func serve(t *testing.T, h http.Handler) (*httptest.Server, *counting) {
	c := &counting{h: h}
	s := httptest.NewServer(c)
	t.Cleanup(s.Close)
	return s, c
}

type diagCase struct {
	name     string
	server   http.Handler
	method   string
	headers  []string // name, value pairs
	body     string
	creds    bool
	read     []string
	noProbe  bool
	verdict  browser.Verdict
	cause    browser.Cause
	header   string
	headers2 []string
	dmethod  string
	fixHas   string // a substring of the fix's header, value or config
}

func TestDiagnose(t *testing.T) {
	app := []string{pageOrigin}
	ours := middleware{origins: app, methods: []string{"GET", "POST"}, headers: []string{"content-type"}}
	rs, jub := ours, ours
	rs.style, jub.style = "rs", "jub0bs"
	auth := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
		w.WriteHeader(http.StatusUnauthorized)
	})
	noOptions := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
	})
	broken := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
		w.WriteHeader(http.StatusInternalServerError)
	})
	star := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
	})
	wildcardAuth := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Allow-Headers", "*")
		w.Header().Set("Access-Control-Allow-Methods", "*")
		w.WriteHeader(http.StatusNoContent)
	})
	tests := []diagCase{
		{name: "header refused, ours", server: ours, method: "PUT", headers: []string{"X-Api-Key", "k"},
			verdict: browser.Blocked, cause: browser.CauseMethodNotAllowed, dmethod: "PUT", header: "x-api-key", headers2: []string{"x-api-key"}, fixHas: "PUT"},
		{name: "one header refused, ours", server: ours, method: "POST", headers: []string{"X-Api-Key", "k", "Content-Type", "application/json"},
			verdict: browser.Blocked, cause: browser.CauseHeaderNotAllowed, header: "x-api-key", headers2: []string{"x-api-key"}, fixHas: "X-Api-Key"},
		{name: "two headers refused, rs/cors", server: rs, method: "POST", headers: []string{"X-B", "1", "X-A", "2", "Content-Type", "application/json"},
			verdict: browser.Blocked, cause: browser.CauseHeaderNotAllowed, header: "x-a", headers2: []string{"x-a", "x-b"}, fixHas: "X-A, X-B"},
		{name: "method refused, jub0bs/cors", server: jub, method: "DELETE",
			verdict: browser.Blocked, cause: browser.CauseMethodNotAllowed, dmethod: "DELETE", fixHas: "DELETE"},
		{name: "origin refused on preflight, rs/cors", server: middleware{origins: []string{"https://other.example"}, style: "rs"}, method: "PUT",
			verdict: browser.Blocked, cause: browser.CauseOriginNotAllowed, fixHas: pageOrigin},
		{name: "origin refused on simple request", server: middleware{origins: []string{"https://other.example"}}, method: "GET",
			verdict: browser.Blocked, cause: browser.CauseOriginNotAllowed, fixHas: pageOrigin},
		{name: "auth in front", server: auth, method: "GET", headers: []string{"Authorization", "Bearer x"},
			verdict: browser.Blocked, cause: browser.CausePreflightAuth, fixHas: "auth"},
		{name: "no OPTIONS route", server: noOptions, method: "PUT",
			verdict: browser.Blocked, cause: browser.CausePreflightNotHandled, fixHas: "OPTIONS"},
		{name: "preflight 500", server: broken, method: "PUT",
			verdict: browser.Blocked, cause: browser.CausePreflightNotOK, fixHas: "2xx"},
		{name: "no probe", server: ours, method: "PUT", noProbe: true,
			verdict: browser.Blocked, cause: browser.CausePreflightRefused},
		{name: "credentials with star", server: star, method: "GET", creds: true,
			verdict: browser.Blocked, cause: browser.CauseCredentialsNotAllowed, fixHas: pageOrigin},
		{name: "GET with a body", server: star, method: "GET", body: "x",
			verdict: browser.Blocked, cause: browser.CauseRequestInvalid, fixHas: "page"},
		{name: "header not exposed", server: ours, method: "GET", read: []string{"X-Request-Id", "Content-Type"},
			verdict: browser.Allowed, cause: browser.CauseHeaderNotExposed, header: "x-request-id", headers2: []string{"x-request-id"}, fixHas: "Access-Control-Expose-Headers"},
		{name: "header exposed", server: middleware{origins: app, exposed: "X-Request-Id"}, method: "GET", read: []string{"X-Request-Id"},
			verdict: browser.Allowed},
		{name: "authorization under wildcard", server: wildcardAuth, method: "GET", headers: []string{"Authorization", "Bearer x"},
			verdict: browser.Allowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, count := serve(t, tt.server)
			r := checkOne(t, srv.URL+"/api", tt)
			if r.Verdict != tt.verdict {
				t.Fatalf("verdict %s, want %s; %+v", r.Verdict, tt.verdict, r)
			}
			d := r.Diagnosis
			if tt.cause == "" {
				if d != nil || r.Fix != nil {
					t.Fatalf("diagnosis %+v for an allowed request", d)
				}
				return
			}
			if d == nil {
				t.Fatalf("no diagnosis; trace %v", r.Trace)
			}
			if d.Cause != tt.cause || d.Header != tt.header || !slices.Equal(d.Headers, tt.headers2) || d.Method != tt.dmethod || d.Detail == "" {
				t.Errorf("diagnosis = %+v, want %s header %q headers %q method %q", d, tt.cause, tt.header, tt.headers2, tt.dmethod)
			}
			if r.Fix == nil || *r.Fix != d.Fix || r.Fix.Advice == "" {
				t.Errorf("fix = %+v", r.Fix)
			}
			if all := r.Fix.Header + " " + r.Fix.Value + " " + r.Fix.CORSConfig + " " + r.Fix.Advice; !strings.Contains(all, tt.fixHas) {
				t.Errorf("fix %q lacks %q", all, tt.fixHas)
			}
			// Probes are OPTIONS only, at most 2 + one per requested
			// header, each a step of kind probe.
			probes := 0
			for _, s := range r.Trace {
				if s.Kind == browser.StepProbe {
					probes++
					if s.Method != http.MethodOptions {
						t.Errorf("probe with method %s", s.Method)
					}
				}
			}
			count.mu.Lock()
			defer count.mu.Unlock()
			if limit := 2 + len(tt.headers)/2; probes > limit || tt.noProbe && probes > 0 {
				t.Errorf("%d probes, limit %d", probes, limit)
			}
			if n := count.n[http.MethodOptions]; n > probes+1 {
				t.Errorf("%d OPTIONS requests for %d probes", n, probes)
			}
			if want := 0; !r.ReachedServer && count.n[tt.method] != want && tt.method != http.MethodOptions {
				t.Errorf("%d %s requests reached the server of a blocked preflight", count.n[tt.method], tt.method)
			}
			if _, err := json.Marshal(r); err != nil {
				t.Error(err)
			}
		})
	}
}

func checkOne(t *testing.T, u string, tt diagCase) *browser.Result {
	t.Helper()
	var body io.Reader
	if tt.body != "" {
		body = strings.NewReader(tt.body)
	}
	req, err := http.NewRequest(tt.method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(tt.headers); i += 2 {
		req.Header.Add(tt.headers[i], tt.headers[i+1])
	}
	tr := &browser.Transport{Origin: pageOrigin}
	if tt.creds {
		tr.Credentials = browser.Include
	}
	return tr.Check(req, browser.CheckOptions{NoProbe: tt.noProbe, Read: tt.read})
}

// The server's own words about a refusal show in the diagnosis, which does
// not depend on them.
func TestDiagnoseServerMessage(t *testing.T) {
	srv, _ := serve(t, middleware{origins: []string{pageOrigin}})
	r := checkOne(t, srv.URL, diagCase{method: "PUT"})
	if r.Diagnosis == nil || r.Diagnosis.ServerMessage != "cors: method PUT is not allowed" {
		t.Fatalf("diagnosis %+v", r.Diagnosis)
	}
}

func TestCheckReadAndDropped(t *testing.T) {
	srv, _ := serve(t, middleware{origins: []string{pageOrigin}, exposed: "*"})
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("Cookie", "a=b")
	req.Header.Set("Host", "x")
	tr := &browser.Transport{Origin: pageOrigin, Credentials: browser.Include}
	r := tr.Check(req, browser.CheckOptions{Read: []string{"x-request-id", "Set-Cookie", "X-Missing"}})
	if !slices.Equal(r.Dropped, []string{"cookie", "host"}) {
		t.Errorf("Dropped = %q", r.Dropped)
	}
	for _, s := range r.Trace {
		if s.Sent.Get("Cookie") != "" || s.Sent.Get("Host") != "" {
			t.Errorf("a dropped header was sent: %v", s.Sent)
		}
	}
	// Credentials, no Access-Control-Allow-Credentials: blocked. Check the
	// read answers on a request without credentials instead.
	tr.Credentials = browser.Omit
	req, _ = http.NewRequest("GET", srv.URL, nil)
	r = tr.Check(req, browser.CheckOptions{Read: []string{"x-request-id", "Set-Cookie", "X-Missing"}})
	if r.Verdict != browser.Allowed || len(r.Read) != 3 || !r.Read[0].Readable || r.Read[0].Value != "42" || r.Read[1].Readable || r.Read[2].Readable {
		t.Fatalf("Read = %+v", r.Read)
	}
	if r.Diagnosis == nil || r.Diagnosis.Cause != browser.CauseHeaderNotExposed || !slices.Equal(r.Diagnosis.Headers, []string{"set-cookie", "x-missing"}) {
		t.Errorf("Diagnosis = %+v", r.Diagnosis)
	}
	var marked bool
	for _, h := range r.Headers {
		if h.Name == "X-Request-Id" && h.Readable {
			marked = true
		}
	}
	if !marked {
		t.Errorf("Headers = %+v", r.Headers)
	}
}

func TestCheckAuthorizationWildcardNote(t *testing.T) {
	srv, _ := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Allow-Headers", "*")
	}))
	r := checkOne(t, srv.URL, diagCase{method: "GET", headers: []string{"Authorization", "Bearer x"}})
	if r.Verdict != browser.Allowed || len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "AuthorizationCoveredByWildcard") {
		t.Errorf("verdict %s, notes %q", r.Verdict, r.Notes)
	}
}

// A Result survives a JSON round trip: what check --json prints can be read
// back.
func TestResultJSONRoundTrip(t *testing.T) {
	srv, _ := serve(t, middleware{origins: []string{pageOrigin}})
	tr := &browser.Transport{Origin: pageOrigin, Credentials: browser.Include, Engine: browser.Firefox}
	req, _ := http.NewRequest("PUT", srv.URL, nil)
	r := tr.Check(req, browser.CheckOptions{})
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back browser.Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Credentials != browser.Include || back.Engine != browser.Firefox || back.Diagnosis == nil || back.Diagnosis.Cause != r.Diagnosis.Cause || len(back.Trace) != len(r.Trace) {
		t.Errorf("round trip: %+v", back)
	}
	var c browser.CredentialsMode
	if err := c.UnmarshalText([]byte("sometimes")); err == nil {
		t.Error("credentials mode \"sometimes\" accepted")
	}
}
