package cors

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// do sends one request through a Middleware built from c and returns the
// recorded response and whether the handler ran. The handler sets Vary:
// Accept-Encoding and X-Handler, like a real one might.
func do(t *testing.T, c Config, method string, hdrs ...string) (*httptest.ResponseRecorder, bool) {
	t.Helper()
	m, err := New(c)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return serveWith(m, method, hdrs...)
}

func serveWith(m *Middleware, method string, hdrs ...string) (*httptest.ResponseRecorder, bool) {
	ran := false
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ran = true
		w.Header().Add("Vary", "Accept-Encoding")
		w.Header().Set("X-Handler", "yes")
	}))
	r := httptest.NewRequest(method, "http://api.example.com/things", nil)
	for i := 0; i+1 < len(hdrs); i += 2 {
		r.Header.Add(hdrs[i], hdrs[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w, ran
}

const (
	app  = "https://app.example.com"
	evil = "https://evil.example.com"
)

var allCORS = []string{hdrAllowOrigin, hdrAllowCredentials, hdrAllowMethods, hdrAllowHeaders, hdrExposeHeaders, hdrMaxAge, hdrAllowPrivateNet}

func TestSpec(t *testing.T) {
	basic := Config{Origins: []string{app}}
	full := Config{
		Origins:        []string{app, "https://*.example.org", "http://localhost:*"},
		Credentials:    true,
		Methods:        []string{"PUT", "delete", "PATCH"},
		RequestHeaders: []string{"Content-Type", "Authorization", "X-Requested-With"},
		ExposedHeaders: []string{"X-Request-Id", "X-Total"},
		MaxAge:         10 * time.Minute,
	}
	public := Config{Origins: []string{"*"}, Methods: []string{"*"}, RequestHeaders: []string{"*"}, ExposedHeaders: []string{"*"}, MaxAge: -1}
	pna := Config{Origins: []string{app}, PrivateNetwork: true}
	passthrough := Config{Origins: []string{app}, PreflightPassthrough: true, Methods: []string{"PUT"}}
	status200 := Config{Origins: []string{app}, PreflightStatus: 200, Methods: []string{"PUT"}}
	funcCfg := Config{Origins: []string{app}, OriginFunc: func(_ *http.Request, o string) bool { return o == "https://tenant.example.net" }, Credentials: true}

	type want struct {
		status  int               // 0: 200 from the handler
		handler bool              // the handler ran
		headers map[string]string // exact values; "" means absent; CORS headers not listed must be absent
		vary    []string          // the Vary values, in order
	}
	for _, tt := range []struct {
		name   string
		c      Config
		method string
		hdrs   []string
		want   want
	}{
		{"no Origin", basic, "GET", nil,
			want{handler: true, vary: []string{"Accept-Encoding", "Origin"}}},
		{"simple GET allowed", basic, "GET", []string{"Origin", app},
			want{handler: true, headers: map[string]string{hdrAllowOrigin: app}, vary: []string{"Accept-Encoding", "Origin"}}},
		{"disallowed origin still reaches handler", basic, "POST", []string{"Origin", evil},
			want{handler: true, vary: []string{"Accept-Encoding", "Origin"}}},
		{"non-canonical origin is not allowed", basic, "GET", []string{"Origin", "https://APP.example.com"},
			want{handler: true, vary: []string{"Accept-Encoding", "Origin"}}},
		{"default port origin is not allowed", basic, "GET", []string{"Origin", "https://app.example.com:443"},
			want{handler: true, vary: []string{"Accept-Encoding", "Origin"}}},
		{"null origin", basic, "GET", []string{"Origin", "null"},
			want{handler: true, vary: []string{"Accept-Encoding", "Origin"}}},
		{"two Origin headers", basic, "GET", []string{"Origin", app, "Origin", app},
			want{handler: true, vary: []string{"Accept-Encoding", "Origin"}}},
		{"credentialed actual", full, "GET", []string{"Origin", app},
			want{handler: true, headers: map[string]string{hdrAllowOrigin: app, hdrAllowCredentials: "true", hdrExposeHeaders: "X-Request-Id, X-Total"}, vary: []string{"Accept-Encoding", "Origin"}}},
		{"subdomain pattern", full, "GET", []string{"Origin", "https://a.b.example.org"},
			want{handler: true, headers: map[string]string{hdrAllowOrigin: "https://a.b.example.org", hdrAllowCredentials: "true", hdrExposeHeaders: "X-Request-Id, X-Total"}, vary: []string{"Accept-Encoding", "Origin"}}},
		{"subdomain pattern excludes apex", full, "GET", []string{"Origin", "https://example.org"},
			want{handler: true, vary: []string{"Accept-Encoding", "Origin"}}},
		{"port pattern", full, "GET", []string{"Origin", "http://localhost:5173"},
			want{handler: true, headers: map[string]string{hdrAllowOrigin: "http://localhost:5173", hdrAllowCredentials: "true", hdrExposeHeaders: "X-Request-Id, X-Total"}, vary: []string{"Accept-Encoding", "Origin"}}},
		{"public API: star, no Vary", public, "GET", []string{"Origin", evil},
			want{handler: true, headers: map[string]string{hdrAllowOrigin: "*", hdrExposeHeaders: "*"}, vary: []string{"Accept-Encoding"}}},
		{"public API without Origin: star, no Vary", public, "GET", nil,
			want{handler: true, headers: map[string]string{hdrAllowOrigin: "*", hdrExposeHeaders: "*"}, vary: []string{"Accept-Encoding"}}},
		{"public API with two Origin headers: star, no Vary", public, "GET", []string{"Origin", app, "Origin", evil},
			want{handler: true, headers: map[string]string{hdrAllowOrigin: "*", hdrExposeHeaders: "*"}, vary: []string{"Accept-Encoding"}}},
		{"OPTIONS that is not a preflight goes to the handler", basic, "OPTIONS", []string{"Origin", app},
			want{handler: true, headers: map[string]string{hdrAllowOrigin: app}, vary: []string{"Accept-Encoding", "Origin"}}},

		// Preflights.
		{"preflight for a safelisted method", basic, "OPTIONS", []string{"Origin", app, hdrReqMethod, "GET"},
			want{status: 204, headers: map[string]string{hdrAllowOrigin: app}}},
		{"preflight POST always passes", basic, "OPTIONS", []string{"Origin", app, hdrReqMethod, "POST"},
			want{status: 204, headers: map[string]string{hdrAllowOrigin: app}}},
		{"preflight with an empty header list", basic, "OPTIONS", []string{"Origin", app, hdrReqMethod, "GET", hdrReqHeaders, ""},
			want{status: 204, headers: map[string]string{hdrAllowOrigin: app}}},
		{"preflight with two Origin headers", basic, "OPTIONS", []string{"Origin", app, "Origin", app, hdrReqMethod, "GET"},
			want{status: 403}},
		{"preflight with two methods", basic, "OPTIONS", []string{"Origin", app, hdrReqMethod, "GET", hdrReqMethod, "GET"},
			want{status: 403}},
		{"preflight method not listed", basic, "OPTIONS", []string{"Origin", app, hdrReqMethod, "PUT"},
			want{status: 403}},
		{"preflight from disallowed origin", full, "OPTIONS", []string{"Origin", evil, hdrReqMethod, "PUT"},
			want{status: 403}},
		{"preflight PUT with headers", full, "OPTIONS", []string{"Origin", app, hdrReqMethod, "PUT", hdrReqHeaders, "authorization,content-type"},
			want{status: 204, headers: map[string]string{hdrAllowOrigin: app, hdrAllowCredentials: "true", hdrAllowMethods: "PUT, DELETE, PATCH",
				hdrAllowHeaders: "Content-Type, Authorization, X-Requested-With", hdrMaxAge: "600"}}},
		{"preflight without request headers omits Allow-Headers", full, "OPTIONS", []string{"Origin", app, hdrReqMethod, "DELETE"},
			want{status: 204, headers: map[string]string{hdrAllowOrigin: app, hdrAllowCredentials: "true", hdrAllowMethods: "PUT, DELETE, PATCH", hdrMaxAge: "600"}}},
		{"preflight method is case-sensitive", full, "OPTIONS", []string{"Origin", app, hdrReqMethod, "patch"},
			want{status: 403}},
		{"preflight header not allowed", full, "OPTIONS", []string{"Origin", app, hdrReqMethod, "PUT", hdrReqHeaders, "content-type,x-other"},
			want{status: 403}},
		{"preflight tolerant header list", full, "OPTIONS", []string{"Origin", app, hdrReqMethod, "PUT", hdrReqHeaders, "Content-Type, X-Requested-With", hdrReqHeaders, "authorization"},
			want{status: 204, headers: map[string]string{hdrAllowOrigin: app, hdrAllowCredentials: "true", hdrAllowMethods: "PUT, DELETE, PATCH",
				hdrAllowHeaders: "Content-Type, Authorization, X-Requested-With", hdrMaxAge: "600"}}},
		{"preflight hostile header list", full, "OPTIONS", []string{"Origin", app, hdrReqMethod, "PUT", hdrReqHeaders, strings.Repeat("a,", 1<<19)},
			want{status: 403}},
		{"public preflight", public, "OPTIONS", []string{"Origin", evil, hdrReqMethod, "PROPFIND", hdrReqHeaders, "x-anything"},
			want{status: 204, headers: map[string]string{hdrAllowOrigin: "*", hdrAllowMethods: "*", hdrAllowHeaders: "*", hdrMaxAge: "0"}}},
		{"public preflight: star never covers authorization", public, "OPTIONS", []string{"Origin", evil, hdrReqMethod, "GET", hdrReqHeaders, "authorization"},
			want{status: 403}},
		{"private network requested and enabled", pna, "OPTIONS", []string{"Origin", app, hdrReqMethod, "GET", hdrReqPrivateNetwork, "true"},
			want{status: 204, headers: map[string]string{hdrAllowOrigin: app, hdrAllowPrivateNet: "true"}}},
		{"private network requested, disabled: not answered, not failed", basic, "OPTIONS", []string{"Origin", app, hdrReqMethod, "GET", hdrReqPrivateNetwork, "true"},
			want{status: 204, headers: map[string]string{hdrAllowOrigin: app}}},
		{"passthrough", passthrough, "OPTIONS", []string{"Origin", app, hdrReqMethod, "PUT"},
			want{handler: true, headers: map[string]string{hdrAllowOrigin: app, hdrAllowMethods: "PUT"}, vary: []string{"Accept-Encoding"}}},
		{"passthrough of a failed preflight", passthrough, "OPTIONS", []string{"Origin", evil, hdrReqMethod, "PUT"},
			want{handler: true, vary: []string{"Accept-Encoding"}}},
		{"preflight status 200", status200, "OPTIONS", []string{"Origin", app, hdrReqMethod, "PUT"},
			want{status: 200, headers: map[string]string{hdrAllowOrigin: app, hdrAllowMethods: "PUT"}}},

		// OriginFunc.
		{"OriginFunc allows", funcCfg, "GET", []string{"Origin", "https://tenant.example.net"},
			want{handler: true, headers: map[string]string{hdrAllowOrigin: "https://tenant.example.net", hdrAllowCredentials: "true"}, vary: []string{"Accept-Encoding", "Origin"}}},
		{"OriginFunc refuses", funcCfg, "GET", []string{"Origin", "https://other.example.net"},
			want{handler: true, vary: []string{"Accept-Encoding", "Origin"}}},
		{"OriginFunc never sees null", Config{OriginFunc: func(*http.Request, string) bool { return true }}, "GET", []string{"Origin", "null"},
			want{handler: true, vary: []string{"Accept-Encoding", "Origin"}}},
		{"OriginFunc never sees garbage", Config{OriginFunc: func(*http.Request, string) bool { return true }}, "GET", []string{"Origin", "https://a.example/path"},
			want{handler: true, vary: []string{"Accept-Encoding", "Origin"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w, ran := do(t, tt.c, tt.method, tt.hdrs...)
			status := tt.want.status
			if status == 0 {
				status = 200
			}
			if w.Code != status {
				t.Errorf("status = %d, want %d", w.Code, status)
			}
			if ran != tt.want.handler {
				t.Errorf("handler ran = %v, want %v", ran, tt.want.handler)
			}
			for _, name := range allCORS {
				got := w.Header()[name]
				want, listed := tt.want.headers[name]
				switch {
				case !listed && len(got) > 0:
					t.Errorf("%s = %q, want none", name, got)
				case listed && (len(got) != 1 || got[0] != want):
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			if got := w.Header()["Vary"]; !slices.Equal(got, tt.want.vary) {
				t.Errorf("Vary = %q, want %q", got, tt.want.vary)
			}
		})
	}
}

// TestVaryKeepsOuterValues checks that Vary set before the middleware (by
// an outer middleware) is kept and not written into.
func TestVaryKeepsOuterValues(t *testing.T) {
	m, err := New(Config{Origins: []string{app}})
	if err != nil {
		t.Fatal(err)
	}
	outer := make([]string, 1, 4)
	outer[0] = "Accept-Language"
	h := m.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	w := httptest.NewRecorder()
	w.Header()["Vary"] = outer
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Origin", app)
	h.ServeHTTP(w, r)
	if got := w.Header()["Vary"]; !slices.Equal(got, []string{"Accept-Language", "Origin"}) {
		t.Errorf("Vary = %q", got)
	}
	if got := outer[:2]; got[1] != "" {
		t.Errorf("the outer slice's spare capacity was written: %q", got)
	}
}

// TestHandlerMutationsDoNotLeak checks, under -race, that a handler that
// modifies the slices of its response headers in place does not change the
// responses of other requests, concurrent or later: each handler first
// checks that it sees the middleware's values, then overwrites them.
func TestHandlerMutationsDoNotLeak(t *testing.T) {
	m, err := New(Config{
		Origins: []string{app}, Credentials: true, ExposedHeaders: []string{"X-Id"},
		Methods: []string{"PUT"}, MaxAge: time.Minute, PreflightPassthrough: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	var bad atomic.Int64
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr := w.Header()
		ok := hdr.Get(hdrAllowOrigin) == app && hdr.Get(hdrAllowCredentials) == "true"
		if r.Method == "OPTIONS" {
			ok = ok && hdr.Get(hdrAllowMethods) == "PUT" && hdr.Get(hdrMaxAge) == "60"
		} else {
			ok = ok && hdr.Get(hdrExposeHeaders) == "X-Id"
		}
		if !ok {
			bad.Add(1)
		}
		for _, vs := range hdr {
			for i := range vs {
				vs[i] = "mutated"
			}
			_ = append(vs, "appended")
		}
	}))
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 300 {
				r := preq("GET", app)
				if (g+i)%2 == 0 {
					r = preq("OPTIONS", app, hdrReqMethod, "PUT")
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if r.Method == "GET" && !slices.Equal(w.Header()["Vary"], []string{"Origin"}) {
					bad.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if n := bad.Load(); n > 0 {
		t.Errorf("%d handlers saw headers changed by another request", n)
	}
}

// TestAllocations checks the allocation budget: none on preflights, none
// (amortized) on actual requests, whatever the configuration.
func TestAllocations(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("allocation counts differ under -race and -cover")
	}
	creds := Config{Origins: []string{app}, Credentials: true, Methods: []string{"PUT"}, RequestHeaders: []string{"Content-Type", "X-A"},
		ExposedHeaders: []string{"X-Id"}, MaxAge: time.Hour, PrivateNetwork: true}
	m, err := New(creds)
	if err != nil {
		t.Fatal(err)
	}
	h := m.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	for _, tt := range []struct {
		name string
		r    *http.Request
		max  float64
	}{
		{"preflight", preq("OPTIONS", app, hdrReqMethod, "PUT", hdrReqHeaders, "content-type,x-a", hdrReqPrivateNetwork, "true"), 0},
		{"failed preflight", preq("OPTIONS", evil, hdrReqMethod, "PUT"), 0},
		{"actual", preq("GET", app), 0},
		{"disallowed", preq("GET", evil), 0},
		{"no origin", preq("GET", ""), 0},
	} {
		w := &benchWriter{h: make(http.Header, 16)}
		got := testing.AllocsPerRun(1000, func() {
			clear(w.h)
			h.ServeHTTP(w, tt.r)
		})
		if got > tt.max {
			t.Errorf("%s: %v allocs per request, want at most %v", tt.name, got, tt.max)
		}
	}
	// A handler that sets Vary itself: its own Header().Set allocates one
	// slice, and keeping Origin in Vary adds nothing to it.
	setVary := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Vary", "Accept-Encoding")
		w.WriteHeader(200)
	}))
	w := &benchWriter{h: make(http.Header, 16)}
	r := preq("GET", app)
	if got := testing.AllocsPerRun(1000, func() { clear(w.h); setVary.ServeHTTP(w, r) }); got > 1 {
		t.Errorf("actual request, handler sets Vary: %v allocs per request, want at most 1 (the handler's)", got)
	}
}

func preq(method, origin string, hdrs ...string) *http.Request {
	r := httptest.NewRequest(method, "/", nil)
	if origin != "" {
		r.Header.Set("Origin", origin)
	}
	for i := 0; i+1 < len(hdrs); i += 2 {
		r.Header.Set(hdrs[i], hdrs[i+1])
	}
	return r
}

func TestZeroMiddlewarePassesThrough(t *testing.T) {
	var m Middleware
	w, ran := serveWith(&m, "OPTIONS", "Origin", app, hdrReqMethod, "PUT")
	if !ran || len(w.Header()[hdrAllowOrigin]) > 0 {
		t.Errorf("zero Middleware: handler ran %v, headers %v", ran, w.Header())
	}
	if m.AllowsCredentialedOrigin(app) {
		t.Error("zero Middleware allows a credentialed origin")
	}
}

func TestAllowsCredentialedOrigin(t *testing.T) {
	m, err := New(Config{Origins: []string{app, "https://*.example.org"}, Credentials: true,
		OriginFunc: func(_ *http.Request, o string) bool { return o == "https://tenant.example.net" }})
	if err != nil {
		t.Fatal(err)
	}
	for o, want := range map[string]bool{
		app: true, "https://x.example.org": true,
		"https://tenant.example.net": false, // OriginFunc decides by a request, and there is none
		evil:                         false, "null": false, "": false, "https://example.org": false,
	} {
		if got := m.AllowsCredentialedOrigin(o); got != want {
			t.Errorf("AllowsCredentialedOrigin(%q) = %v, want %v", o, got, want)
		}
	}
	for _, tt := range []struct {
		origins []string
		want    bool
	}{
		{[]string{app}, true}, {[]string{"https://tenant.example.net"}, true}, {[]string{evil}, false},
		{nil, false}, {[]string{app, app}, false}, {[]string{"null"}, false},
	} {
		r := httptest.NewRequest("POST", "/", nil)
		r.Header["Origin"] = tt.origins
		if got := m.AllowsCredentialedRequest(r); got != tt.want {
			t.Errorf("AllowsCredentialedRequest(Origin %q) = %v, want %v", tt.origins, got, tt.want)
		}
	}
	pub, _ := New(Config{Origins: []string{app}})
	if pub.AllowsCredentialedOrigin(app) {
		t.Error("AllowsCredentialedOrigin is true without Credentials")
	}
}

// TestOriginFuncSeesTheRequest checks that OriginFunc decides by the
// request (here by host, as a multi-tenant server does), for actual
// requests and preflights, and that every answer it may influence says
// Vary: Origin.
func TestOriginFuncSeesTheRequest(t *testing.T) {
	var asked []string
	var mu sync.Mutex
	m, err := New(Config{
		Credentials: true,
		Methods:     []string{"PUT"},
		OriginFunc: func(r *http.Request, o string) bool {
			mu.Lock()
			asked = append(asked, r.Method+" "+r.Host+r.URL.Path+" "+o)
			mu.Unlock()
			return r.Host == "shop.api.example" && o == "https://shop.example"
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Header().Set("Vary", "Accept-Encoding") }))
	for _, tt := range []struct {
		method, url, origin string
		acrm                string
		allowed             bool
	}{
		{"GET", "http://shop.api.example/a", "https://shop.example", "", true},
		{"GET", "http://blog.api.example/a", "https://shop.example", "", false},
		{"OPTIONS", "http://shop.api.example/b", "https://shop.example", "PUT", true},
		{"OPTIONS", "http://blog.api.example/b", "https://shop.example", "PUT", false},
		{"GET", "http://shop.api.example/c", "", "", false},
	} {
		r := httptest.NewRequest(tt.method, tt.url, nil)
		if tt.origin != "" {
			r.Header.Set("Origin", tt.origin)
		}
		if tt.acrm != "" {
			r.Header.Set(hdrReqMethod, tt.acrm)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if got := w.Header().Get(hdrAllowOrigin) != ""; got != tt.allowed {
			t.Errorf("%s %s from %q: allowed = %v, want %v", tt.method, tt.url, tt.origin, got, tt.allowed)
		}
		if vary := w.Header()["Vary"]; tt.acrm == "" && !slices.Contains(vary, "Origin") {
			t.Errorf("%s %s from %q: Vary = %q, want Origin in it", tt.method, tt.url, tt.origin, vary)
		}
	}
	want := []string{
		"GET shop.api.example/a https://shop.example", "GET blog.api.example/a https://shop.example",
		"OPTIONS shop.api.example/b https://shop.example", "OPTIONS blog.api.example/b https://shop.example",
	}
	if !slices.Equal(asked, want) {
		t.Errorf("OriginFunc was asked %q, want %q", asked, want)
	}
}
