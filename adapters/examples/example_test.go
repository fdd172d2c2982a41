package examples_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"github.com/crossorigin/crossorigin/cors"
	"github.com/crossorigin/crossorigin/csrf"
	"github.com/go-chi/chi/v5"
	"github.com/gorilla/mux"
)

// send serves one request and prints what a browser would look at.
func send(h http.Handler, method, target string, header ...string) {
	r := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Printf("%s %s: %d allow-origin=%q", method, target, w.Code, w.Header().Get("Access-Control-Allow-Origin"))
	if method != "OPTIONS" {
		fmt.Printf(" vary=%q", w.Header().Values("Vary"))
	}
	fmt.Println()
}

func policy() (*cors.Middleware, *csrf.Guard) {
	m, err := cors.New(cors.Config{
		Origins:     []string{"https://app.example.com"},
		Credentials: true,
		Methods:     []string{"PUT"},
	})
	if err != nil {
		panic(err)
	}
	g, err := csrf.New(csrf.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		panic(err)
	}
	// Pages that CORS lets read with credentials may write too.
	g.TrustCORS(m)
	return m, g
}

// chi's Use runs middleware before routing, for every request, so a
// preflight to a route that has only PUT reaches the cors middleware.
func Example_chi() {
	m, g := policy()
	r := chi.NewRouter()
	r.Use(m.Handler, g.Handler)
	r.Put("/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		_, _ = fmt.Fprintln(w, "saved", chi.URLParam(r, "id"))
	})

	send(r, "OPTIONS", "/items/7", "Origin", "https://app.example.com", "Access-Control-Request-Method", "PUT")
	send(r, "PUT", "/items/7", "Origin", "https://app.example.com", "Sec-Fetch-Site", "cross-site")
	send(r, "PUT", "/items/7", "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
	// Output:
	// OPTIONS /items/7: 204 allow-origin="https://app.example.com"
	// PUT /items/7: 200 allow-origin="https://app.example.com" vary=["Origin"]
	// PUT /items/7: 403 allow-origin="" vary=["Origin"]
}

// gorilla/mux runs Router.Use middleware only for requests that match a
// route, and a preflight to a route that has only PUT matches none (the
// router answers 405 itself). So wrap the whole router instead.
func Example_gorillaMux() {
	m, g := policy()
	r := mux.NewRouter()
	r.HandleFunc("/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		_, _ = fmt.Fprintln(w, "saved", mux.Vars(r)["id"])
	}).Methods("PUT")
	h := m.Handler(g.Handler(r)) // not r.Use(m.Handler)

	send(h, "OPTIONS", "/items/7", "Origin", "https://app.example.com", "Access-Control-Request-Method", "PUT")
	send(h, "PUT", "/items/7", "Origin", "https://app.example.com", "Sec-Fetch-Site", "cross-site")
	send(h, "PUT", "/items/7", "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")

	// What goes wrong with r.Use: the preflight never reaches the middleware.
	wrong := mux.NewRouter()
	wrong.HandleFunc("/items/{id}", func(http.ResponseWriter, *http.Request) {}).Methods("PUT")
	wrong.Use(m.Handler)
	send(wrong, "OPTIONS", "/items/7", "Origin", "https://app.example.com", "Access-Control-Request-Method", "PUT")
	// Output:
	// OPTIONS /items/7: 204 allow-origin="https://app.example.com"
	// PUT /items/7: 200 allow-origin="https://app.example.com" vary=["Origin"]
	// PUT /items/7: 403 allow-origin="" vary=["Origin"]
	// OPTIONS /items/7: 405 allow-origin=""
}
