package cors

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crossorigin/crossorigin/internal/fetch"
	"github.com/crossorigin/crossorigin/origin"
)

var fuzzConfigs = []Config{
	{Origins: []string{app, "https://*.example.org", "http://localhost:*"}, Credentials: true, Methods: []string{"PUT", "PATCH"},
		RequestHeaders: []string{"Content-Type", "Authorization"}, ExposedHeaders: []string{"X-Id"}, MaxAge: time.Minute, PrivateNetwork: true},
	{Origins: []string{"*"}, Methods: []string{"*"}, RequestHeaders: []string{"*"}, ExposedHeaders: []string{"*"}},
	{Origins: []string{app}, OriginFunc: func(_ *http.Request, o string) bool { return strings.HasSuffix(o, ".tenant.example") }, Credentials: true},
	{Origins: []string{app}, PreflightPassthrough: true, RequestHeaders: []string{"X-A"}},
}

// referenceAllows is a slow model of which origins a configuration allows:
// canonical serializations that a pattern matches, or that OriginFunc
// accepts.
func referenceAllows(c Config, r *http.Request, o string) bool {
	p, err := origin.Parse(o)
	if err != nil || p.IsOpaque() {
		return false
	}
	for _, s := range c.Origins {
		pat := origin.MustParsePattern(s)
		if pat.IsAny() || (p.String() == o && pat.Match(p)) {
			return true
		}
	}
	return c.OriginFunc != nil && p.String() == o && c.OriginFunc(r, o)
}

func FuzzMiddleware(f *testing.F) {
	for _, seed := range []struct {
		cfg                    uint8
		method, origin, m, hdr string
	}{
		{0, "GET", app, "", ""},
		{0, "OPTIONS", app, "PUT", "authorization,content-type"},
		{0, "OPTIONS", "https://a.example.org", "PATCH", "Content-Type, Authorization"},
		{0, "OPTIONS", "http://localhost:3000", "DELETE", ""},
		{0, "GET", "https://APP.example.com", "", ""},
		{0, "GET", "null", "", ""},
		{1, "OPTIONS", evil, "PROPFIND", "x-a,authorization"},
		{1, "GET", "https://[::1]:8443", "", ""},
		{2, "GET", "https://x.tenant.example", "", ""},
		{2, "OPTIONS", "https://x.tenant.example/path", "PUT", ""},
		{3, "OPTIONS", app, "GET", strings.Repeat("x-a,", 300)},
		{3, "OPTIONS", "", "GET", ""},
	} {
		f.Add(seed.cfg, seed.method, seed.origin, seed.m, seed.hdr)
	}
	mws := make([]*Middleware, len(fuzzConfigs))
	for i, c := range fuzzConfigs {
		m, err := New(c)
		if err != nil {
			f.Fatal(err)
		}
		mws[i] = m
	}
	f.Fuzz(func(t *testing.T, cfg uint8, method, o, acrm, acrh string) {
		i := int(cfg) % len(fuzzConfigs)
		c, m := fuzzConfigs[i], mws[i]
		if !validMethod(method) {
			method = "GET"
		}
		r := httptest.NewRequest(method, "/", nil)
		if o != "" {
			r.Header["Origin"] = []string{o}
		}
		if acrm != "" {
			r.Header[hdrReqMethod] = []string{acrm}
		}
		if acrh != "" {
			r.Header[hdrReqHeaders] = strings.Split(acrh, "\n")
		}
		w := httptest.NewRecorder()
		m.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ServeHTTP(w, r)
		h := w.Header()
		acao := h.Values(hdrAllowOrigin)
		if len(acao) > 1 {
			t.Fatalf("several Access-Control-Allow-Origin: %q", acao)
		}
		if len(acao) == 1 {
			switch {
			case acao[0] == "*" && h.Get(hdrAllowCredentials) != "":
				t.Fatalf("* with credentials")
			case acao[0] == "*" && !slices.Contains(c.Origins, "*"):
				t.Fatalf("* without \"*\" in Origins")
			case acao[0] != "*" && (acao[0] != o || !referenceAllows(c, r, o)):
				t.Fatalf("Access-Control-Allow-Origin %q for origin %q that the config does not allow", acao[0], o)
			}
		}
		for _, name := range []string{hdrAllowMethods, hdrAllowHeaders, hdrMaxAge, hdrAllowPrivateNet} {
			if h.Get(name) != "" && (len(acao) == 0 || method != "OPTIONS") {
				t.Fatalf("%s outside a successful preflight", name)
			}
		}
		d := m.Explain(r)
		// Without Origin, CORS does not apply; a "*" policy still sends
		// its headers, for caches.
		if d.Kind != NotCORS && d.Allowed != (len(acao) == 1) || d.Reason == "" {
			t.Fatalf("Explain disagrees: %+v, headers %v", d, h)
		}
	})
}

func validMethod(m string) bool { return fetch.IsToken(m) }
