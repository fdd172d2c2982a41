package csrf_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"github.com/crossorigin/crossorigin/csrf"
)

func ExampleNew() {
	g, err := csrf.New(csrf.Config{
		TrustedOrigins: []string{"https://admin.example.com"},
		Bypass:         []string{"POST /webhook"},
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /transfer", func(w http.ResponseWriter, r *http.Request) { _, _ = fmt.Fprint(w, "done") })
	h := g.Handler(mux)

	for _, from := range []string{"same-origin", "cross-site"} {
		r := httptest.NewRequest("POST", "https://bank.example.com/transfer", nil)
		r.Header.Set("Sec-Fetch-Site", from)
		r.Header.Set("Origin", "https://evil.example")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(from, w.Code)
	}
	// Output:
	// same-origin 200
	// cross-site 403
}

func ExampleNew_errors() {
	_, err := csrf.New(csrf.Config{
		TrustedOrigins: []string{"https://*.example.com", "null"},
		Bypass:         []string{"GET /api/{id}"},
	})
	fmt.Println(err)
	// Output:
	// csrf: TrustedOrigins "https://*.example.com": wildcards are not allowed: they would trust subdomains an attacker may take over (fix: list each origin exactly, or set AllowSameSite to trust your own site)
	// csrf: TrustedOrigins "null": null is the origin of sandboxed frames, data: URLs and redirected requests, which any site can produce (fix: remove it)
	// csrf: Bypass "GET /api/{id}": GET requests are never checked, so the bypass has no effect (fix: remove it, or name the unsafe method it is for)
}

func ExampleGuard_Check() {
	g, _ := csrf.New(csrf.Config{})
	// An old browser (no Sec-Fetch-Site) posting from another site.
	r := httptest.NewRequest("POST", "http://app.example.com/comment", nil)
	r.Header.Set("Origin", "https://evil.example")
	err := g.Check(r)
	fmt.Println(err)
	if d, ok := err.(*csrf.Denial); ok {
		fmt.Println(d.Rule)
	}
	// Output:
	// csrf: The Origin "https://evil.example" is neither this app's own origin (http(s)://app.example.com) nor a trusted one; add it to TrustedOrigins to trust its pages.
	// origin
}

func ExampleDenialFromContext() {
	g, _ := csrf.New(csrf.Config{
		Logger: slog.New(slog.DiscardHandler),
		DenyHandler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			d, _ := csrf.DenialFromContext(r.Context())
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			_, _ = fmt.Fprintf(w, `{"error":"csrf","rule":%q}`, d.Rule)
		}),
	})
	r := httptest.NewRequest("POST", "/api/items", nil)
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	w := httptest.NewRecorder()
	g.Handler(http.NotFoundHandler()).ServeHTTP(w, r)
	fmt.Println(w.Code, w.Body)
	// Output:
	// 403 {"error":"csrf","rule":"sec-fetch-site"}
}

func ExampleConfig_reportOnly() {
	// Roll out in report-only mode: nothing is refused, and every request
	// that would be is logged with its reason.
	logger := slog.New(slog.NewTextHandler(printer{}, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	g, _ := csrf.New(csrf.Config{ReportOnly: true, Logger: logger})
	r := httptest.NewRequest("POST", "/form", nil)
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	r.Header.Set("Origin", "https://evil.example")
	w := httptest.NewRecorder()
	g.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})).ServeHTTP(w, r)
	fmt.Println(w.Code)
	// Output:
	// level=WARN msg="csrf: request would be denied (report-only)" rule=sec-fetch-site reason="The request comes from another site (Sec-Fetch-Site: cross-site), and its Origin \"https://evil.example\" is not trusted; add it to TrustedOrigins to trust its pages." method=POST path=/form origin=https://evil.example sec_fetch_site=cross-site
	// 200
}

type printer struct{}

func (printer) Write(p []byte) (int, error) { fmt.Print(string(p)); return len(p), nil }

// allowList stands in for *cors.Middleware, which implements
// csrf.CORSPolicy.
type allowList map[string]bool

func (a allowList) AllowsCredentialedOrigin(o string) bool { return a[o] }

func ExampleGuard_TrustCORS() {
	g, _ := csrf.New(csrf.Config{Logger: slog.New(slog.DiscardHandler)})
	// With the cors package: g.TrustCORS(corsMiddleware)
	g.TrustCORS(allowList{"https://spa.example": true})

	r := httptest.NewRequest("POST", "https://api.example/items", nil)
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	r.Header.Set("Origin", "https://spa.example")
	fmt.Println(g.Check(r))
	// Output:
	// <nil>
}

func ExampleCheckWebSocketOrigin() {
	r := httptest.NewRequest("GET", "http://chat.example/ws", nil)
	r.Header.Set("Connection", "Upgrade")
	r.Header.Set("Upgrade", "websocket")
	r.Header.Set("Origin", "https://evil.example")
	fmt.Println(csrf.CheckWebSocketOrigin(r, "https://app.example"))
	r.Header.Set("Origin", "https://app.example")
	fmt.Println(csrf.CheckWebSocketOrigin(r, "https://app.example"))
	// Output:
	// csrf: The Origin "https://evil.example" is neither this app's own origin (http(s)://chat.example) nor a trusted one; add it to TrustedOrigins to trust its pages.
	// <nil>
}

func ExampleGuard_CheckWebSocket() {
	g, _ := csrf.New(csrf.Config{PublicOrigins: []string{"https://chat.example"}})
	ws := func(w http.ResponseWriter, r *http.Request) {
		if err := g.CheckWebSocket(r); err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		// upgrade the connection here
	}
	r := httptest.NewRequest("GET", "/ws", nil)
	r.Header.Set("Origin", "http://chat.example")
	w := httptest.NewRecorder()
	ws(w, r)
	fmt.Print(w.Code, " ", w.Body)
	// Output:
	// 403 csrf: The Origin "http://chat.example" is neither this app's own origin (https://chat.example) nor a trusted one; add it to TrustedOrigins to trust its pages.
}

func ExampleConfig_bypass() {
	// Bypass patterns are ServeMux patterns, as in net/http's
	// CrossOriginProtection.AddInsecureBypassPattern.
	g, err := csrf.New(csrf.Config{Bypass: []string{"/hooks/", "POST /api/{id}/webhook"}})
	if err != nil {
		panic(err)
	}
	for _, target := range []string{"/hooks/stripe", "/hooks", "/api/42/webhook", "/api/42/delete"} {
		r := httptest.NewRequest("POST", target, nil)
		r.Header.Set("Sec-Fetch-Site", "cross-site")
		fmt.Println(target, g.Check(r) == nil)
	}
	// Output:
	// /hooks/stripe true
	// /hooks false
	// /api/42/webhook true
	// /api/42/delete false
}
