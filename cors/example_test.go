package cors_test

import (
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/crossorigin/crossorigin/cors"
)

// CORS is enforced by browsers, not by servers: a request from an origin
// that is not allowed still reaches the handler. The middleware only
// withholds the headers, so the browser hides the response from the page.
func Example() {
	m, err := cors.New(cors.Config{Origins: []string{"https://app.example.com"}})
	if err != nil {
		log.Fatal(err)
	}
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("handler ran for", r.Header.Get("Origin"))
	}))
	for _, origin := range []string{"https://app.example.com", "https://evil.example"} {
		r := httptest.NewRequest("POST", "https://api.example.com/orders", nil)
		r.Header.Set("Origin", origin)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Printf("Access-Control-Allow-Origin: %q\n", w.Header().Get("Access-Control-Allow-Origin"))
	}
	// Output:
	// handler ran for https://app.example.com
	// Access-Control-Allow-Origin: "https://app.example.com"
	// handler ran for https://evil.example
	// Access-Control-Allow-Origin: ""
}

func ExampleNew() {
	m, err := cors.New(cors.Config{
		Origins:        []string{"https://app.example.com", "https://*.example.com", "http://localhost:*"},
		Credentials:    true,
		Methods:        []string{"PUT", "DELETE"},
		RequestHeaders: []string{"Content-Type", "Authorization"},
		ExposedHeaders: []string{"X-Request-Id"},
		MaxAge:         10 * time.Minute,
	})
	if err != nil {
		log.Fatal(err)
	}
	h := m.Handler(http.NotFoundHandler())

	// A preflight, as Chromium sends it before a PUT with a JSON body.
	r := httptest.NewRequest("OPTIONS", "https://api.example.com/items/1", nil)
	r.Header.Set("Origin", "https://admin.example.com")
	r.Header.Set("Access-Control-Request-Method", "PUT")
	r.Header.Set("Access-Control-Request-Headers", "content-type")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Println(w.Code)
	for _, k := range []string{"Origin", "Credentials", "Methods", "Headers"} {
		fmt.Printf("Access-Control-Allow-%s: %s\n", k, w.Header().Get("Access-Control-Allow-"+k))
	}
	fmt.Println("Access-Control-Max-Age:", w.Header().Get("Access-Control-Max-Age"))
	// Output:
	// 204
	// Access-Control-Allow-Origin: https://admin.example.com
	// Access-Control-Allow-Credentials: true
	// Access-Control-Allow-Methods: PUT, DELETE
	// Access-Control-Allow-Headers: Content-Type, Authorization
	// Access-Control-Max-Age: 600
}

// New lists every problem of a configuration at once, each with a fix.
func ExampleNew_errors() {
	_, err := cors.New(cors.Config{
		Origins:     []string{"*", "https://app.example.com/"},
		Credentials: true,
		MaxAge:      48 * time.Hour,
	})
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var ce *cors.ConfigError
		if errors.As(e, &ce) {
			fmt.Printf("%s %q: %s\n", ce.Field, ce.Value, ce.Fix)
		}
	}
	// Output:
	// Origins "*": list the origins that may send credentials
	// Origins "https://app.example.com/": an origin has no path: write https://app.example.com
	// MaxAge "48h0m0s": use at most 2h
}

func ExampleMiddleware_Handler() {
	m, err := cors.New(cors.Config{Origins: []string{"*"}, ExposedHeaders: []string{"X-Total"}})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Total", "42")
	})
	h := m.Handler(mux) // wrap the whole mux, so that preflights never meet method patterns

	r := httptest.NewRequest("GET", "https://api.example.com/items", nil)
	r.Header.Set("Origin", "https://anyone.example")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Println(w.Header().Get("Access-Control-Allow-Origin"), w.Header().Get("Access-Control-Expose-Headers"))
	// Output: * X-Total
}

func ExampleMiddleware_Reconfigure() {
	m, err := cors.New(cors.Config{Origins: []string{"https://app.example.com"}})
	if err != nil {
		log.Fatal(err)
	}
	// A bad configuration is refused and the current one stays.
	err = m.Reconfigure(cors.Config{Origins: []string{"null"}})
	fmt.Println(err != nil, m.Config().Origins)

	c := m.Config()
	c.Origins = append(c.Origins, "https://beta.example.com")
	if err := m.Reconfigure(c); err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Config().Origins)
	// Output:
	// true [https://app.example.com]
	// [https://app.example.com https://beta.example.com]
}

func ExampleMiddleware_Config() {
	m, err := cors.New(cors.Config{Origins: []string{"https://app.example.com"}, Methods: []string{"put", "PATCH"}})
	if err != nil {
		log.Fatal(err)
	}
	c := m.Config()
	fmt.Println(c.Methods, c.PreflightStatus) // browsers upper-case put, never PATCH
	// Output: [PUT PATCH] 204
}

func ExampleMiddleware_Explain() {
	m, err := cors.New(cors.Config{Origins: []string{"https://app.example.com"}, Methods: []string{"PUT"}})
	if err != nil {
		log.Fatal(err)
	}
	r := httptest.NewRequest("OPTIONS", "https://api.example.com/items/1", nil)
	r.Header.Set("Origin", "https://app.example.com")
	r.Header.Set("Access-Control-Request-Method", "DELETE")
	d := m.Explain(r)
	fmt.Println(d.Kind, d.Allowed, d.Status)
	fmt.Println(d.Reason)
	// Output:
	// preflight false 403
	// method "DELETE" is not allowed by Methods ["PUT"] (compared case-sensitively; GET, HEAD and POST are always allowed)
}

func ExampleMiddleware_AllowsCredentialedOrigin() {
	m, err := cors.New(cors.Config{Origins: []string{"https://app.example.com"}, Credentials: true})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.AllowsCredentialedOrigin("https://app.example.com"))
	fmt.Println(m.AllowsCredentialedOrigin("https://evil.example"))
	// Output:
	// true
	// false
}

// OriginFunc decides by the request: on a multi-tenant server, each
// tenant's own origin may call that tenant's host only. Compare whole
// origins, never prefixes or suffixes. Every answer says Vary: Origin; the
// host is part of every cache's key already.
func ExampleConfig_originFunc() {
	tenantOrigin := map[string]string{ // API host -> the tenant's page origin, loaded from a database
		"shop.api.example.com": "https://shop.customer.example",
		"blog.api.example.com": "https://blog.other.example",
	}
	m, err := cors.New(cors.Config{
		Origins:     []string{"https://app.example.com"}, // our own app may call every tenant
		Credentials: true,
		OriginFunc: func(r *http.Request, origin string) bool {
			return tenantOrigin[r.Host] == origin
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for _, call := range []struct{ url, origin string }{
		{"https://shop.api.example.com/orders", "https://shop.customer.example"},
		{"https://blog.api.example.com/orders", "https://shop.customer.example"}, // another tenant's host
		{"https://blog.api.example.com/posts", "https://app.example.com"},
	} {
		r := httptest.NewRequest("GET", call.url, nil)
		r.Header.Set("Origin", call.origin)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Printf("%s from %s: %q, Vary: %s\n", r.Host, call.origin, w.Header().Get("Access-Control-Allow-Origin"), w.Header().Get("Vary"))
	}
	// Output:
	// shop.api.example.com from https://shop.customer.example: "https://shop.customer.example", Vary: Origin
	// blog.api.example.com from https://shop.customer.example: "", Vary: Origin
	// blog.api.example.com from https://app.example.com: "https://app.example.com", Vary: Origin
}

// Tenants added at run time: Reconfigure swaps the whole configuration
// atomically, so requests in flight finish under the old one and the next
// ones see the new tenant. Start from Config, which returns a copy of the
// effective configuration, and change only Origins.
func ExampleMiddleware_Reconfigure_addTenant() {
	m, err := cors.New(cors.Config{
		Origins:     []string{"https://app.example.com"},
		Credentials: true,
		Methods:     []string{"PUT", "DELETE"},
	})
	if err != nil {
		log.Fatal(err)
	}
	var mu sync.Mutex // serializes tenant changes: each starts from the current Config
	addTenant := func(origin string) error {
		mu.Lock()
		defer mu.Unlock()
		c := m.Config()
		c.Origins = append(c.Origins, origin)
		return m.Reconfigure(c) // a bad origin is refused; the tenants so far stay
	}

	if err := addTenant("https://shop.customer.example"); err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.AllowsCredentialedOrigin("https://shop.customer.example"))
	fmt.Println(addTenant("http://insecure.customer.example"))
	fmt.Println(m.Config().Origins, m.Config().Methods)
	// Output:
	// true
	// cors: Origins "http://insecure.customer.example": a plain-http origin with Credentials: anyone on the network path can inject script into that origin's pages and read credentialed responses (fix: use https, or set AllowInsecureCredentials if you accept the risk)
	// [https://app.example.com https://shop.customer.example] [PUT DELETE]
}
