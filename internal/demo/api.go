package demo

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sync"
)

// maxBody bounds what the demo servers read of a request body.
const maxBody = 16 << 10

// apiServer is the API origin: a few endpoints behind the live CORS policy,
// and a few hand-written ones that make the classic mistakes.
type apiServer struct {
	http.Handler
	cors *standinCORS

	mu     sync.Mutex
	policy Policy
}

// Policy returns the policy the API applies now.
func (a *apiServer) Policy() Policy {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.policy
}

// Reconfigure applies p from the next request on, or lists every problem
// of p and keeps the current policy.
func (a *apiServer) Reconfigure(p Policy) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.cors.Reconfigure(p); err != nil {
		return err
	}
	a.policy = p
	return nil
}

// defaultPolicy lets the page origin read everything the scenarios use.
func defaultPolicy(pageOrigin string) Policy {
	return Policy{
		Origins:        []string{pageOrigin},
		Credentials:    true,
		Methods:        []string{"PUT", "PATCH", "DELETE"},
		RequestHeaders: []string{"Content-Type", "X-Demo"},
		ExposedHeaders: []string{"X-Request-Id"},
	}
}

func newAPIServer(pageOrigin string, log *requestLog) *apiServer {
	policy := defaultPolicy(pageOrigin)
	c, err := newStandinCORS(policy)
	if err != nil {
		panic(err) // the default policy is valid
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/echo", echo)
	mux.HandleFunc("/api/redirect", func(w http.ResponseWriter, r *http.Request) {
		u := url.URL{Path: "/api/echo", RawQuery: r.URL.RawQuery}
		http.Redirect(w, r, u.String(), http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/api/jsonp", jsonpStandin)

	root := http.NewServeMux()
	root.Handle("/api/", c.Handler(mux))
	root.HandleFunc("/broken/wildcard-credentials", func(w http.ResponseWriter, r *http.Request) {
		// The mistake: "*" is not a wildcard for credentialed requests.
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		echo(w, r)
	})
	root.HandleFunc("/broken/auth-before-cors", func(w http.ResponseWriter, r *http.Request) {
		// The mistake: authentication runs before CORS, and a preflight
		// never carries credentials, so it gets 401 without CORS headers.
		if r.Method == http.MethodOptions {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		c.Handler(http.HandlerFunc(echo)).ServeHTTP(w, r)
	})
	return &apiServer{Handler: log.logged("api", root), cors: c, policy: policy}
}

// echo answers with what it received, so the page can show what the
// server saw even when the browser hides the response.
func echo(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	_, cookieErr := r.Cookie(sessionCookie)
	w.Header().Set("X-Request-Id", newID())
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"method":     r.Method,
		"path":       r.URL.Path,
		"origin":     r.Header.Get("Origin"),
		"cookieSent": cookieErr == nil,
		"xDemo":      r.Header.Get("X-Demo"),
		"body":       string(body),
	})
}

// sessionCookie is the cookie the page origin sets; cookies ignore ports,
// so the browser sends it to the API origin on credentialed requests.
const sessionCookie = "demo_session"

var callbackRE = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]{0,63}(\.[A-Za-z_$][A-Za-z0-9_$]{0,63}){0,3}$`)

// jsonpStandin stands in for the jsonp package until it lands.
func jsonpStandin(w http.ResponseWriter, r *http.Request) {
	cb := r.URL.Query().Get("callback")
	if !callbackRE.MatchString(cb) {
		http.Error(w, "bad callback", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	io.WriteString(w, "/**/"+cb+`({"message":"hello from JSONP"});`)
}

func newID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
