package browser_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/crossorigin/crossorigin/browser"
)

// An API team tests its endpoint cross-origin in an ordinary Go test: the
// http.Client's Transport behaves like fetch() in a page of the given
// origin, so the test sees what the front end will see in Chromium.
func Example() {
	// The API under test: it lets https://app.example.com send JSON.
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Origin") == "https://app.example.com" {
			w.Header().Set("Access-Control-Allow-Origin", "https://app.example.com")
			w.Header().Set("Vary", "Origin")
		}
		if r.Method == http.MethodOptions {
			w.Header().Set("Access-Control-Allow-Methods", "PUT")
			w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"saved":true}`)
	}))
	defer api.Close()

	put := func(pageOrigin string) {
		client := &http.Client{Transport: &browser.Transport{Origin: pageOrigin}}
		req, _ := http.NewRequest("PUT", api.URL+"/items/1", strings.NewReader(`{"name":"x"}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		var ce *browser.Error
		if errors.As(err, &ce) {
			fmt.Printf("%s: blocked: %s (preflight: %v, reached the handler: %v)\n", pageOrigin, ce.Reason, ce.Preflight, ce.ReachedServer)
			fmt.Printf("  fix: %s: %s, or %s\n", ce.Fix.Header, ce.Fix.Value, ce.Fix.CORSConfig)
			return
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		defer func() { _ = resp.Body.Close() }()
		body, _ := io.ReadAll(resp.Body)
		fmt.Printf("%s: %d %s %s\n", pageOrigin, resp.StatusCode, browser.ResponseType(resp), body)
	}
	put("https://app.example.com")
	put("https://evil.example")
	// Output:
	// https://app.example.com: 200 cors {"saved":true}
	// https://evil.example: blocked: PreflightMissingAllowOriginHeader (preflight: true, reached the handler: false)
	//   fix: Access-Control-Allow-Origin: https://evil.example, or cors.Config{Origins: []string{"https://evil.example"}}
}

// IsSafelisted tells whether a request needs a preflight, and what
// Access-Control-Request-Headers will list.
func ExampleIsSafelisted() {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-Request-Id", "42")
	h.Set("Cookie", "dropped=1") // forbidden: fetch() drops it
	ok, names := browser.IsSafelisted("POST", h)
	fmt.Println(ok, names)

	h = http.Header{}
	h.Set("Content-Type", "text/plain;charset=UTF-8")
	ok, names = browser.IsSafelisted("POST", h)
	fmt.Println(ok, names)
	// Output:
	// false [content-type x-request-id]
	// true []
}

// CheckResponse is the CORS check on a response, without any I/O.
func ExampleCheckResponse() {
	h := http.Header{}
	h.Set("Access-Control-Allow-Origin", "*")
	if err := browser.CheckResponse("https://app.example.com", true, h); err != nil {
		fmt.Println(err.Reason)
		fmt.Println(err.Message)
	}
	// Output:
	// WildcardOriginNotAllowed
	// Access to fetch from origin 'https://app.example.com' has been blocked by CORS policy: The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'.
}

// CheckPreflight judges a preflight response for the request that caused
// it.
func ExampleCheckPreflight() {
	h := http.Header{}
	h.Set("Access-Control-Allow-Origin", "https://app.example.com")
	h.Set("Access-Control-Allow-Methods", "GET, POST")
	err := browser.CheckPreflight("https://app.example.com", false, "DELETE", nil, http.StatusNoContent, h)
	fmt.Println(err.Reason, "->", err.Fix.CORSConfig)
	// Output:
	// MethodDisallowedByPreflightResponse -> cors.Config{Methods: []string{"DELETE"}}
}

// ReadableHeaders is what script can read of a CORS response.
func ExampleReadableHeaders() {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-Request-Id", "42")
	h.Set("X-Internal", "secret")
	h.Set("Set-Cookie", "sid=1")
	h.Set("Access-Control-Expose-Headers", "X-Request-Id, Set-Cookie")
	r := browser.ReadableHeaders(false, h)
	fmt.Println(r.Get("Content-Type"), r.Get("X-Request-Id"), r.Get("X-Internal") == "", r.Get("Set-Cookie") == "")
	// Output:
	// application/json 42 true true
}

// A Transport's trace explains every step; OnStep sees them as they happen.
func ExampleTrace() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
	}))
	defer api.Close()
	client := &http.Client{Transport: &browser.Transport{Origin: "https://app.example.com"}}
	resp, err := client.Get(api.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = resp.Body.Close()
	for _, s := range browser.Trace(resp) {
		fmt.Println(s.Kind, s.OK, s.Rule)
	}
	// Output:
	// classify true GET with only CORS-safelisted headers: no preflight
	// request true CORS check passed: Access-Control-Allow-Origin allows https://app.example.com
}

// Check explains a blocked request: here a preflight that a middleware in
// the style of rs/cors refuses with a bare 204 for one request header. Two
// probes (a bare preflight, then the header alone) find the header.
func ExampleTransport_Check() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions {
			if h := r.Header.Get("Access-Control-Request-Headers"); h == "" || h == "content-type" {
				w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
				w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
	}))
	defer api.Close()

	t := &browser.Transport{Origin: "https://app.example.com"}
	req, _ := http.NewRequest("GET", api.URL+"/items", nil)
	req.Header.Set("X-Api-Key", "k")
	r := t.Check(req, browser.CheckOptions{})
	fmt.Println(r.Verdict, r.Reason)
	fmt.Println("cause:", r.Diagnosis.Cause, r.Diagnosis.Header)
	fmt.Printf("fix: %s: %s, or %s\n", r.Fix.Header, r.Fix.Value, r.Fix.CORSConfig)
	for _, s := range r.Trace {
		fmt.Println(s.Kind, s.Method, s.Status, s.OK)
	}
	// Output:
	// blocked PreflightMissingAllowOriginHeader
	// cause: header-not-allowed x-api-key
	// fix: Access-Control-Allow-Headers: X-Api-Key, or cors.Config{RequestHeaders: []string{"X-Api-Key"}}
	// classify  0 true
	// preflight OPTIONS 204 false
	// probe OPTIONS 204 true
}
