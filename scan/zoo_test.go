package scan

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crossorigin/crossorigin/cors"
	"github.com/crossorigin/crossorigin/jsonp"
)

// The zoo: one loopback server per misconfiguration class, and correctly
// configured servers that must produce no finding. Every server listens on
// 127.0.0.1; the scanner reaches it under a real-looking name (the test
// certificate of net/http/httptest covers example.com and *.example.com)
// through a transport that dials 127.0.0.1 whatever the host.

// trusted are the origins the zoo's servers mean to trust.
var trusted = []string{"https://app.example.com", "https://api.example.com"}

func isTrusted(o string) bool { return slices.Contains(trusted, o) }

// corsServer answers with CORS headers when allow accepts the Origin.
func corsServer(allow func(o string) bool, creds bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" && allow(o) {
			w.Header().Set("Access-Control-Allow-Origin", o)
			if creds {
				w.Header().Set("Access-Control-Allow-Credentials", "true")
			}
			w.Header().Add("Vary", "Origin")
		}
		if r.Method == http.MethodOptions {
			w.Header().Set("Access-Control-Allow-Methods", "GET, POST, PUT")
			w.Header().Set("Access-Control-Allow-Headers", "Content-Type, Authorization")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Cookie") == "" {
			_, _ = w.Write([]byte(`{"user":null}`))
			return
		}
		_, _ = w.Write([]byte(`{"user":"alice","balance":42}`))
	})
}

// hostOf returns the host name of an origin, or "".
func hostOf(o string) (scheme, host string) {
	u, err := url.Parse(o)
	if err != nil {
		return "", ""
	}
	return u.Scheme, u.Hostname()
}

var (
	httpSubdomains = regexp.MustCompile(`^https?://([a-z0-9-]+\.)*example\.com$`)
	unescapedDot   = regexp.MustCompile(`^https://(api|app).example.com$`)
	localhostRE    = regexp.MustCompile(`^https?://localhost`)
)

type zooEntry struct {
	name    string
	handler http.Handler
	plain   bool   // serve plain HTTP
	host    string // default api.example.com
	want    []Class
}

func zooEntries() []zooEntry {
	return []zooEntry{
		{name: "reflect", want: []Class{ReflectAnyOrigin, NullOrigin},
			handler: corsServer(func(string) bool { return true }, true)},
		{name: "null", want: []Class{NullOrigin},
			handler: corsServer(func(o string) bool { return o == "null" || isTrusted(o) }, true)},
		{name: "http-origin", want: []Class{HTTPOriginTrusted, AnyPortTrusted},
			handler: corsServer(func(o string) bool {
				_, h := hostOf(o)
				return h == "api.example.com" || h == "app.example.com"
			}, true)},
		{name: "any-subdomain", want: []Class{AnySubdomainTrusted},
			handler: corsServer(func(o string) bool {
				return strings.HasPrefix(o, "https://") && strings.HasSuffix(o, ".example.com")
			}, true)},
		{name: "http-subdomain", want: []Class{HTTPOriginTrusted, AnySubdomainTrusted, HTTPSubdomainTrusted},
			handler: corsServer(httpSubdomains.MatchString, true)},
		{name: "prefix", want: []Class{PrefixMatch},
			handler: corsServer(func(o string) bool { return strings.HasPrefix(o, "https://api.example.com") }, true)},
		{name: "suffix", want: []Class{SuffixMatch},
			handler: corsServer(func(o string) bool { return strings.HasSuffix(o, "example.com") }, true)},
		{name: "unescaped-dot", want: []Class{UnescapedDot},
			handler: corsServer(unescapedDot.MatchString, true)},
		{name: "substring", want: []Class{SubstringMatch},
			handler: corsServer(func(o string) bool { return strings.Contains(strings.Join(trusted, " "), o) }, true)},
		{name: "special-char", want: []Class{SpecialCharBypass, AnyPortTrusted},
			handler: corsServer(func(o string) bool {
				// A hand-written parser that stops at the first
				// character that cannot be in a host name.
				rest, ok := strings.CutPrefix(o, "https://")
				if !ok {
					return false
				}
				end := strings.IndexFunc(rest, func(r rune) bool {
					return (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '.' && r != '-'
				})
				if end >= 0 {
					rest = rest[:end]
				}
				return rest == "api.example.com" || rest == "app.example.com"
			}, true)},
		{name: "third-party", want: []Class{ThirdPartyOrigin},
			handler: corsServer(func(o string) bool {
				return isTrusted(o) || o == "https://codepen.io" || strings.HasPrefix(o, "https://") && strings.HasSuffix(o, ".github.io")
			}, true)},
		{name: "localhost", want: []Class{LocalhostOriginTrusted},
			handler: corsServer(func(o string) bool { return isTrusted(o) || localhostRE.MatchString(o) }, true)},
		{name: "any-port", want: []Class{AnyPortTrusted},
			handler: corsServer(func(o string) bool {
				s, h := hostOf(o)
				return s == "https" && (h == "api.example.com" || h == "app.example.com")
			}, true)},
		{name: "wildcard-intranet", want: []Class{WildcardOrigin}, plain: true, host: "wiki.internal",
			handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Access-Control-Allow-Origin", "*")
				_, _ = w.Write([]byte("internal wiki"))
			})},
		{name: "wildcard-private-cache", want: []Class{WildcardOrigin},
			handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Access-Control-Allow-Origin", "*")
				w.Header().Set("Cache-Control", "private, no-store")
				_, _ = w.Write([]byte(`{"user":"alice"}`))
			})},
		{name: "wildcard-credentials", want: []Class{WildcardWithCredentials},
			handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Access-Control-Allow-Origin", "*")
				w.Header().Set("Access-Control-Allow-Credentials", "true")
			})},
		{name: "invalid-acao", want: []Class{InvalidAllowOrigin},
			handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Access-Control-Allow-Origin", strings.Join(trusted, ", "))
			})},
		{name: "invalid-acao-slash", want: []Class{InvalidAllowOrigin},
			handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Vary", "Origin")
				if o := r.Header.Get("Origin"); o != "" {
					w.Header().Set("Access-Control-Allow-Origin", o+"/") // copied from a URL
					w.Header().Set("Access-Control-Allow-Credentials", "true")
				}
			})},
		{name: "missing-vary", want: []Class{MissingVaryOrigin},
			handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if o := r.Header.Get("Origin"); isTrusted(o) {
					w.Header().Set("Access-Control-Allow-Origin", o)
				}
				w.Header().Set("Cache-Control", "public, max-age=600")
				_, _ = w.Write([]byte(`{"public":true}`))
			})},
		{name: "preflight-origin", want: []Class{PreflightReflectsOrigin},
			handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Vary", "Origin")
				if r.Method == http.MethodOptions {
					// The preflight handler runs before the origin check.
					w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
					w.Header().Set("Access-Control-Allow-Credentials", "true")
					w.Header().Set("Access-Control-Allow-Methods", "PUT, DELETE")
					w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
					w.WriteHeader(http.StatusNoContent)
					return
				}
				if o := r.Header.Get("Origin"); isTrusted(o) {
					w.Header().Set("Access-Control-Allow-Origin", o)
				}
			})},
		{name: "preflight-method", want: []Class{PreflightReflectsMethod},
			handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				o := r.Header.Get("Origin")
				w.Header().Set("Vary", "Origin")
				if !isTrusted(o) {
					return
				}
				w.Header().Set("Access-Control-Allow-Origin", o)
				w.Header().Set("Access-Control-Allow-Credentials", "true")
				if m := r.Header.Get("Access-Control-Request-Method"); m != "" {
					w.Header().Set("Access-Control-Allow-Methods", m)
					w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
				}
			})},
		{name: "preflight-headers", want: []Class{PreflightReflectsHeaders},
			handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				o := r.Header.Get("Origin")
				w.Header().Set("Vary", "Origin")
				if !isTrusted(o) {
					return
				}
				w.Header().Set("Access-Control-Allow-Origin", o)
				if r.Method == http.MethodOptions {
					w.Header().Set("Access-Control-Allow-Methods", "GET, PUT")
					w.Header().Set("Access-Control-Allow-Headers", r.Header.Get("Access-Control-Request-Headers"))
				}
			})},
		{name: "jsonp", want: []Class{JSONPCallbackReflected},
			handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if cb := r.URL.Query().Get("callback"); cb != "" {
					w.Header().Set("Content-Type", "text/javascript")
					_, _ = w.Write([]byte(cb + `({"user":"alice"});`))
					return
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"user":"alice"}`))
			})},

		// Correct configurations: no finding at all.
		{name: "ok-exact-allowlist",
			handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Vary", "Origin")
				w.Header().Set("Cache-Control", "private, max-age=60")
				w.Header().Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
				if o := r.Header.Get("Origin"); isTrusted(o) {
					w.Header().Set("Access-Control-Allow-Origin", o)
					w.Header().Set("Access-Control-Allow-Credentials", "true")
					if r.Method == http.MethodOptions {
						w.Header().Set("Access-Control-Allow-Methods", "PUT, DELETE")
						w.Header().Set("Access-Control-Allow-Headers", "Content-Type, Authorization")
						w.Header().Set("Access-Control-Max-Age", "600")
						w.WriteHeader(http.StatusNoContent)
						return
					}
				}
				_, _ = w.Write([]byte(`{"user":"alice"}`))
			})},
		{name: "public-wildcard", want: []Class{WildcardOrigin},
			handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Access-Control-Allow-Origin", "*")
				w.Header().Set("Cache-Control", "public, max-age=3600")
				if r.Method == http.MethodOptions {
					w.Header().Set("Access-Control-Allow-Methods", "*")
					w.Header().Set("Access-Control-Allow-Headers", "*")
					w.WriteHeader(http.StatusNoContent)
					return
				}
				_, _ = w.Write([]byte(`{"exchange_rate":1.08}`))
			})},
		{name: "ok-no-cors",
			handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Cache-Control", "public, max-age=3600")
				_, _ = w.Write([]byte(`hello`))
			})},
		{name: "ok-jsonp-package", handler: mustJSONP()},
		{name: "ok-cors-package", handler: mustCORS(cors.Config{
			Origins:        trusted,
			Credentials:    true,
			Methods:        []string{"PUT", "DELETE"},
			RequestHeaders: []string{"Content-Type", "Authorization"},
			ExposedHeaders: []string{"X-Request-Id"},
			MaxAge:         10 * time.Minute,
		})},
		{name: "cors-package-public", want: []Class{WildcardOrigin}, handler: mustCORS(cors.Config{
			Origins:        []string{"*"},
			Methods:        []string{"*"},
			RequestHeaders: []string{"*"},
		})},
	}
}

// mustCORS wraps a cacheable API in the cors package's middleware.
func mustCORS(c cors.Config) http.Handler {
	m, err := cors.New(c)
	if err != nil {
		panic(err)
	}
	return m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=600")
		w.Header().Set("X-Request-Id", "1")
		_, _ = w.Write([]byte(`{"rates":[1.08]}`))
	}))
}

func mustJSONP() http.Handler {
	j, err := jsonp.New(jsonp.Config{})
	if err != nil {
		panic(err)
	}
	return j.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"version":3}`))
	}))
}

// loopbackTransport dials 127.0.0.1 on the requested port, whatever the
// host, and trusts the httptest certificate.
func loopbackTransport(t testing.TB, cert *x509.Certificate) *http.Transport {
	pool := x509.NewCertPool()
	if cert != nil {
		pool.AddCert(cert)
	}
	var d net.Dialer
	tr := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			_, port, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			return d.DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", port))
		},
		TLSClientConfig:     &tls.Config{RootCAs: pool},
		MaxIdleConnsPerHost: 16,
	}
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

// zooURL serves h on loopback and returns the URL the scanner uses for it.
func zooURL(t testing.TB, e zooEntry) (string, *x509.Certificate) {
	host := e.host
	if host == "" {
		host = "api.example.com"
	}
	if e.plain {
		ts := httptest.NewUnstartedServer(e.handler)
		ts.Config.ErrorLog = log.New(io.Discard, "", 0)
		ts.Start()
		t.Cleanup(ts.Close)
		_, port, _ := net.SplitHostPort(ts.Listener.Addr().String())
		return "http://" + host + ":" + port + "/me", nil
	}
	ts := httptest.NewUnstartedServer(e.handler)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.StartTLS()
	t.Cleanup(ts.Close)
	_, port, _ := net.SplitHostPort(ts.Listener.Addr().String())
	return "https://" + host + ":" + port + "/me", ts.Certificate()
}

func classesOf(fs []Finding) []Class {
	var cs []Class
	for _, f := range fs {
		if !slices.Contains(cs, f.Class) {
			cs = append(cs, f.Class)
		}
	}
	slices.Sort(cs)
	return cs
}

func TestZoo(t *testing.T) {
	t.Parallel()
	for _, e := range zooEntries() {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			u, cert := zooURL(t, e)
			s, err := New(Config{Transport: loopbackTransport(t, cert), Origins: nil})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := s.Scan(t.Context(), u)
			if err != nil {
				t.Fatal(err)
			}
			if errs := rep.Errors(); len(errs) > 0 {
				t.Fatalf("target errors: %+v", errs)
			}
			want := slices.Clone(e.want)
			slices.Sort(want)
			if got := classesOf(rep.Findings); !slices.Equal(got, want) {
				var b strings.Builder
				for _, f := range rep.Findings {
					j, _ := json.Marshal(f.Evidence)
					b.WriteString("\n  " + string(f.Class) + " " + f.Severity.String() + " " + f.Origin + " " + string(j))
				}
				t.Errorf("classes = %v, want %v%s", got, want, b.String())
			}
			for _, f := range rep.Findings {
				if f.ID == "" || f.Title == "" || f.Description == "" || f.Fix == "" || len(f.Browsers) == 0 {
					t.Errorf("%s: incomplete finding %+v", f.Class, f)
				}
				if f.Evidence.Request.Method == "" || f.Evidence.Status == 0 {
					t.Errorf("%s: incomplete evidence %+v", f.Class, f.Evidence)
				}
			}
		})
	}
}

func TestRedirects(t *testing.T) {
	t.Parallel()
	reflect := corsServer(func(string) bool { return true }, true)
	evil := httptest.NewServer(reflect)
	defer evil.Close()
	_, evilPort, _ := net.SplitHostPort(evil.Listener.Addr().String())

	mux := http.NewServeMux()
	mux.HandleFunc("/away", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://evil.test:"+evilPort+"/", http.StatusFound)
	})
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/me", http.StatusMovedPermanently)
	})
	mux.Handle("/me", reflect)
	ts := httptest.NewTLSServer(mux)
	defer ts.Close()
	_, port, _ := net.SplitHostPort(ts.Listener.Addr().String())
	s, err := New(Config{Transport: loopbackTransport(t, ts.Certificate())})
	if err != nil {
		t.Fatal(err)
	}
	base := "https://api.example.com:" + port
	rep, err := s.Scan(t.Context(), base+"/away", base+"/moved")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		if strings.HasSuffix(f.URL, "/away") {
			t.Errorf("finding from a response of another site: %s %s", f.Class, f.Origin)
		}
	}
	if tg := rep.Targets[0]; tg.Dropped != tg.Requests || tg.Error != "" {
		t.Errorf("target /away: %+v, want every probe dropped", tg)
	}
	var followed bool
	for _, f := range rep.Findings {
		if f.Class == ReflectAnyOrigin && strings.HasSuffix(f.URL, "/moved") {
			followed = strings.HasSuffix(f.Evidence.FinalURL, "/me")
		}
	}
	if !followed {
		t.Errorf("same-site redirect not followed, or FinalURL missing: %+v", rep.Findings)
	}
}

func TestZooSeverities(t *testing.T) {
	t.Parallel()
	hsts := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Strict-Transport-Security", "max-age=63072000")
			h.ServeHTTP(w, r)
		})
	}
	for _, tc := range []struct {
		name    string
		handler http.Handler
		class   Class
		want    Severity
		creds   bool
	}{
		{"reflect with credentials", corsServer(func(string) bool { return true }, true), ReflectAnyOrigin, Critical, true},
		{"reflect without credentials", corsServer(func(string) bool { return true }, false), ReflectAnyOrigin, Low, false},
		{"null", corsServer(func(o string) bool { return o == "null" }, true), NullOrigin, Critical, true},
		{"http origin", corsServer(func(o string) bool { return o == "http://api.example.com" }, true), HTTPOriginTrusted, Medium, true},
		{"http origin under HSTS", hsts(corsServer(func(o string) bool { return o == "http://api.example.com" }, true)), HTTPOriginTrusted, Low, true},
		{"safari-only special char", corsServer(func(o string) bool { return strings.HasPrefix(o, "https://api.example.com!.") }, true), SpecialCharBypass, Medium, true},
		{"firefox special char", corsServer(func(o string) bool { return strings.HasPrefix(o, "https://api.example.com$.") }, true), SpecialCharBypass, High, true},
		{"third party", corsServer(func(o string) bool { return o == "https://jsfiddle.net" }, true), ThirdPartyOrigin, High, true},
		{"localhost dev origin", corsServer(func(o string) bool { return o == "http://localhost:3000" }, true), LocalhostOriginTrusted, Low, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u, cert := zooURL(t, zooEntry{handler: tc.handler})
			s, _ := New(Config{Transport: loopbackTransport(t, cert)})
			rep, err := s.Scan(t.Context(), u)
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(rep.Findings, func(f Finding) bool { return f.Class == tc.class })
			if i < 0 {
				t.Fatalf("no %s finding in %+v", tc.class, rep.Findings)
			}
			if f := rep.Findings[i]; f.Severity != tc.want || f.Credentials != tc.creds {
				t.Errorf("severity %v credentials %v, want %v %v: %s", f.Severity, f.Credentials, tc.want, tc.creds, f.Description)
			}
		})
	}
}

func TestCredentialsDecideSeverity(t *testing.T) {
	t.Parallel()
	static := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" {
			w.Header().Set("Access-Control-Allow-Origin", o)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}
		_, _ = w.Write([]byte(`{"public":true}`))
	})
	for _, tc := range []struct {
		name    string
		handler http.Handler
		cookie  string
		want    Severity
		says    string
	}{
		{"per-user data", corsServer(func(string) bool { return true }, true), "sid=1", Critical, "holds per-user data"},
		{"same data without cookies", static, "sid=1", Low, "gains little"},
		{"no cookie given", static, "", Critical, "with the victim's cookies"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u, cert := zooURL(t, zooEntry{handler: tc.handler})
			s, _ := New(Config{Transport: loopbackTransport(t, cert), Cookie: tc.cookie})
			rep, err := s.Scan(t.Context(), u)
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(rep.Findings, func(f Finding) bool { return f.Class == ReflectAnyOrigin })
			if i < 0 {
				t.Fatalf("no reflect-any-origin finding")
			}
			f := rep.Findings[i]
			if f.Severity != tc.want || !strings.Contains(f.Description, tc.says) {
				t.Errorf("severity %v, want %v; description: %s", f.Severity, tc.want, f.Description)
			}
		})
	}
}

func TestThrottledTargets(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	u, cert := zooURL(t, zooEntry{handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%2 == 0 {
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
	})})
	s, _ := New(Config{Transport: loopbackTransport(t, cert)})
	rep, err := s.Scan(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	if tg := rep.Targets[0]; tg.Throttled == 0 || tg.Throttled > tg.Requests {
		t.Errorf("target %+v", tg)
	}
	var b strings.Builder
	if err := rep.WriteText(&b, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "findings may be missing") {
		t.Errorf("no warning:\n%s", b.String())
	}
}

// TestWildcardSeverity is item 2 of issue 12: Access-Control-Allow-Origin:
// * is reported on any host, info for a public response and medium, with
// the reason, when the response looks private.
func TestWildcardSeverity(t *testing.T) {
	t.Parallel()
	star := func(extra func(w http.ResponseWriter, r *http.Request)) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Access-Control-Allow-Origin", "*")
			extra(w, r)
		})
	}
	for _, tc := range []struct {
		name    string
		handler http.Handler
		plain   bool
		host    string
		header  http.Header
		want    Severity
		reason  string
	}{
		{name: "public and cacheable", want: Info, reason: "Nothing in the response looks private",
			handler: star(func(w http.ResponseWriter, r *http.Request) { w.Header().Set("Cache-Control", "public, max-age=3600") })},
		{name: "Cache-Control private", want: Medium, reason: "Cache-Control: private",
			handler: star(func(w http.ResponseWriter, r *http.Request) { w.Header().Set("Cache-Control", "private") })},
		{name: "Cache-Control no-store", want: Medium, reason: "Cache-Control: no-store",
			handler: star(func(w http.ResponseWriter, r *http.Request) { w.Header().Set("Cache-Control", "no-store") })},
		{name: "Set-Cookie", want: Medium, reason: "Set-Cookie",
			handler: star(func(w http.ResponseWriter, r *http.Request) { w.Header().Set("Set-Cookie", "sid=1; Secure") })},
		{name: "body depends on Authorization", want: Medium, reason: "per-user data",
			header: http.Header{"Authorization": {"Bearer t"}},
			handler: star(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Authorization") != "" {
					_, _ = w.Write([]byte(`{"user":"alice"}`))
				}
			})},
		{name: "WWW-Authenticate without the header", want: Medium, reason: "WWW-Authenticate",
			header: http.Header{"Authorization": {"Bearer t"}},
			handler: star(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Authorization") == "" {
					w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
			})},
		{name: "private address", want: Medium, reason: "private network", plain: true, host: "10.0.0.7",
			handler: star(func(w http.ResponseWriter, r *http.Request) { w.Header().Set("Cache-Control", "public, max-age=3600") })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u, cert := zooURL(t, zooEntry{handler: tc.handler, plain: tc.plain, host: tc.host})
			s, err := New(Config{Transport: loopbackTransport(t, cert), Header: tc.header})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := s.Scan(t.Context(), u)
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(rep.Findings, func(f Finding) bool { return f.Class == WildcardOrigin })
			if i < 0 {
				t.Fatalf("no wildcard-origin finding in %+v", rep.Findings)
			}
			if f := rep.Findings[i]; f.Severity != tc.want || !strings.Contains(f.Description, tc.reason) {
				t.Errorf("severity %v, want %v with %q: %s", f.Severity, tc.want, tc.reason, f.Description)
			}
		})
	}
}
