// Side-by-side benchmarks of the cors middleware against rs/cors and
// jub0bs/cors. Run them with the command in README.md (## cors).
package bench

import (
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"

	jub0bs "github.com/jub0bs/cors"
	rs "github.com/rs/cors"

	"github.com/crossorigin/crossorigin/cors"
)

// corsConfig is one configuration, expressed for the three middlewares.
type corsConfig struct {
	origins        []string
	credentials    bool
	methods        []string
	requestHeaders []string
	exposed        []string
	maxAge         int // seconds
	// originFunc, when set, decides instead of origins, by the request
	// (crossorigin's OriginFunc, rs/cors's AllowOriginVaryRequestFunc);
	// jub0bs/cors has no such function and gets origins instead.
	originFunc func(r *http.Request, origin string) bool
	// refusalReason keeps crossorigin's default one-line body on refused
	// preflights. Neither peer sends one (rs/cors answers 204 without
	// headers, jub0bs/cors a bare 403), so the other scenarios turn it off
	// (cors.Config.OmitRefusalReason) to compare like with like, and the
	// *Reason scenarios show what it costs.
	refusalReason bool
}

var corsTenHeaders = []string{"Accept", "Authorization", "Content-Type", "X-A", "X-B", "X-C", "X-D", "X-E", "X-F", "X-G"}

var (
	corsBase = corsConfig{
		origins:        []string{"https://app.example.com"},
		methods:        []string{"GET", "POST", "PUT", "DELETE"},
		requestHeaders: corsTenHeaders,
	}
	corsHundred = func() corsConfig {
		c := corsBase
		c.origins = nil
		for i := range 100 {
			c.origins = append(c.origins, fmt.Sprintf("https://app%02d.example.com", i))
		}
		return c
	}()
	corsWildcard = func() corsConfig {
		c := corsBase
		c.origins = []string{"https://*.example.com"}
		return c
	}()
	// corsTenants is a multi-tenant server: each API host allows its
	// tenant's origin.
	corsTenants = map[string]string{"api.example.com": "https://app.example.com", "other.example.com": "https://other.example"}
	corsFunc    = func() corsConfig {
		c := corsBase
		c.originFunc = func(r *http.Request, origin string) bool { return corsTenants[r.Host] == origin }
		return c
	}()
	corsReason = func() corsConfig {
		c := corsBase
		c.refusalReason = true
		return c
	}()
	corsCreds = func() corsConfig {
		c := corsBase
		c.credentials = true
		c.exposed = []string{"X-Request-Id", "X-Total"}
		c.maxAge = 600
		return c
	}()
)

// corsImpls builds each middleware around h for a configuration.
var corsImpls = []struct {
	name string
	wrap func(testing.TB, corsConfig, http.Handler) http.Handler
}{
	{"crossorigin", func(tb testing.TB, c corsConfig, h http.Handler) http.Handler {
		cfg := cors.Config{
			Origins: c.origins, Credentials: c.credentials, Methods: c.methods,
			RequestHeaders: c.requestHeaders, ExposedHeaders: c.exposed,
			MaxAge: corsSeconds(c.maxAge), OmitRefusalReason: !c.refusalReason,
		}
		if c.originFunc != nil {
			cfg.Origins, cfg.OriginFunc = nil, c.originFunc
		}
		m, err := cors.New(cfg)
		if err != nil {
			tb.Fatal(err)
		}
		return m.Handler(h)
	}},
	{"rs", func(tb testing.TB, c corsConfig, h http.Handler) http.Handler {
		o := rs.Options{
			AllowedOrigins: c.origins, AllowCredentials: c.credentials, AllowedMethods: c.methods,
			AllowedHeaders: c.requestHeaders, ExposedHeaders: c.exposed, MaxAge: c.maxAge,
		}
		if f := c.originFunc; f != nil {
			o.AllowedOrigins = nil
			o.AllowOriginVaryRequestFunc = func(r *http.Request, origin string) (bool, []string) { return f(r, origin), nil }
		}
		return rs.New(o).Handler(h)
	}},
	{"jub0bs", func(tb testing.TB, c corsConfig, h http.Handler) http.Handler {
		m, err := jub0bs.NewMiddleware(jub0bs.Config{
			Origins: c.origins, Credentialed: c.credentials, Methods: c.methods,
			RequestHeaders: c.requestHeaders, ResponseHeaders: c.exposed, MaxAgeInSeconds: c.maxAge,
		})
		if err != nil {
			tb.Fatal(err)
		}
		return m.Wrap(h)
	}},
}

// corsScenario is one request against one configuration, with the outcome all
// three middlewares must agree on.
type corsScenario struct {
	name    string
	config  corsConfig
	method  string
	headers map[string]string
	allowed bool // Access-Control-Allow-Origin is expected
	// handler is the inner handler; nil means corsNoop.
	handler http.Handler
}

// inner returns the scenario's inner handler.
func (s corsScenario) inner() http.Handler {
	if s.handler != nil {
		return s.handler
	}
	return corsNoop
}

// corsTypical is a handler as most are written: it sets its content type
// and its own Vary (replacing whatever the middleware put there, the idiom
// of issue 11's bug 2) and writes a small body.
var corsTypical = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Vary", "Accept-Encoding")
	_, _ = w.Write(corsBody)
})

var corsBody = []byte(`{"ok":true}`)

func corsPreflight(origin, acrh string) map[string]string {
	h := map[string]string{"Origin": origin, "Access-Control-Request-Method": "PUT"}
	if acrh != "" {
		h["Access-Control-Request-Headers"] = acrh
	}
	return h
}

var corsScenarios = []corsScenario{
	{"noOrigin", corsBase, "GET", nil, false, nil},
	{"actualAllowed", corsBase, "GET", map[string]string{"Origin": "https://app.example.com"}, true, nil},
	{"actualDisallowed", corsBase, "GET", map[string]string{"Origin": "https://evil.example.com"}, false, nil},
	{"preflight1Header", corsBase, "OPTIONS", corsPreflight("https://app.example.com", "content-type"), true, nil},
	{"preflight10Headers", corsBase, "OPTIONS", corsPreflight("https://app.example.com", "accept,authorization,content-type,x-a,x-b,x-c,x-d,x-e,x-f,x-g"), true, nil},
	{"preflightDisallowed", corsBase, "OPTIONS", corsPreflight("https://evil.example.com", "content-type"), false, nil},
	{"preflightHostile4KB", corsBase, "OPTIONS", corsPreflight("https://app.example.com", strings.Repeat("a,", 2048)), false, nil},
	{"preflightDisallowedReason", corsReason, "OPTIONS", corsPreflight("https://evil.example.com", "content-type"), false, nil},
	{"preflightHostile4KBReason", corsReason, "OPTIONS", corsPreflight("https://app.example.com", strings.Repeat("a,", 2048)), false, nil},
	{"origins100Allowed", corsHundred, "GET", map[string]string{"Origin": "https://app99.example.com"}, true, nil},
	{"origins100Disallowed", corsHundred, "GET", map[string]string{"Origin": "https://evil.example.com"}, false, nil},
	{"wildcardAllowed", corsWildcard, "GET", map[string]string{"Origin": "https://api.eu.example.com"}, true, nil},
	{"originFuncAllowed", corsFunc, "GET", map[string]string{"Origin": "https://app.example.com"}, true, nil},
	{"originFuncPreflight", corsFunc, "OPTIONS", corsPreflight("https://app.example.com", "content-type"), true, nil},
	{"credsActual", corsCreds, "GET", map[string]string{"Origin": "https://app.example.com"}, true, nil},
	{"credsPreflight", corsCreds, "OPTIONS", corsPreflight("https://app.example.com", "authorization,content-type"), true, nil},
	// Not like with like: the peers lose Vary: Origin to this handler
	// (TestCORSSanity shows it), the cors middleware keeps it.
	{"typicalHandlerSetsVary", corsBase, "GET", map[string]string{"Origin": "https://app.example.com"}, true, corsTypical},
}

func (s corsScenario) request() *http.Request {
	r, err := http.NewRequest(s.method, "https://api.example.com/v1/things", nil)
	if err != nil {
		panic(err)
	}
	for k, v := range s.headers {
		r.Header.Set(k, v)
	}
	return r
}

// corsWriter is a ResponseWriter whose header map is cleared and reused, so
// that a benchmark counts the middleware's allocations and nothing else.
type corsWriter struct {
	h      http.Header
	status int
}

func (w *corsWriter) Header() http.Header         { return w.h }
func (w *corsWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *corsWriter) WriteHeader(s int)           { w.status = s }

var corsNoop = http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})

// TestCORSSanity checks that every middleware reaches the expected outcome
// in every corsScenario, so that the benchmarks compare like with like.
func TestCORSSanity(t *testing.T) {
	for _, s := range corsScenarios {
		for _, impl := range corsImpls {
			w := &corsWriter{h: http.Header{}}
			impl.wrap(t, s.config, s.inner()).ServeHTTP(w, s.request())
			if got := w.h.Get("Access-Control-Allow-Origin") != ""; got != s.allowed {
				t.Errorf("%s/%s: allowed = %v, want %v (headers %v)", s.name, impl.name, got, s.allowed, w.h)
			}
			if s.handler == nil {
				continue
			}
			keeps := strings.Contains(strings.Join(w.h.Values("Vary"), ","), "Origin")
			if impl.name == "crossorigin" && !keeps {
				t.Errorf("%s/%s: Vary %q lost Origin", s.name, impl.name, w.h.Values("Vary"))
			}
			t.Logf("%s/%s: Vary %q", s.name, impl.name, w.h.Values("Vary"))
		}
	}
}

func BenchmarkCORS(b *testing.B) {
	for _, s := range corsScenarios {
		for _, impl := range corsImpls {
			b.Run("scenario="+s.name+"/impl="+impl.name, func(b *testing.B) {
				h := impl.wrap(b, s.config, s.inner())
				r := s.request()
				w := &corsWriter{h: make(http.Header, 16)}
				b.ReportAllocs()
				// Measure this thread's CPU time too (cpu-ns/op): on a
				// shared, loaded machine it is far steadier than wall time.
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				start, ok := corsThreadCPU()
				for b.Loop() {
					clear(w.h)
					h.ServeHTTP(w, r)
				}
				if end, ok2 := corsThreadCPU(); ok && ok2 && b.N > 0 {
					b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
				}
			})
		}
	}
}
