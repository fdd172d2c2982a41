package cors_test

import (
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
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

// OriginFunc decides about origins known only at run time, such as
// tenants' custom domains. Compare whole origins, never prefixes or
// suffixes.
func ExampleConfig_originFunc() {
	tenants := map[string]bool{"https://shop.customer.example": true} // loaded from a database
	m, err := cors.New(cors.Config{
		Origins:     []string{"https://app.example.com"},
		Credentials: true,
		OriginFunc:  func(origin string) bool { return tenants[origin] },
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.AllowsCredentialedOrigin("https://shop.customer.example"))
	fmt.Println(m.AllowsCredentialedOrigin("https://shop.customer.example.evil.example"))
	// Output:
	// true
	// false
}
