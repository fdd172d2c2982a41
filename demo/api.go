package demo

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"

	"github.com/crossorigin/crossorigin/cors"
	"github.com/crossorigin/crossorigin/csrf"
	"github.com/crossorigin/crossorigin/jsonp"
)

// maxBody bounds what the demo servers read of a request body.
const maxBody = 16 << 10

// apiServer is the API origin: a few endpoints behind the live CORS policy
// and the CSRF guard, and a few hand-written ones that make the classic
// mistakes.
type apiServer struct {
	http.Handler
	cors *cors.Middleware

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
	if len(p.Origins)+len(p.Methods)+len(p.RequestHeaders)+len(p.ExposedHeaders) > maxPolicyEntries {
		return errors.New("policy: more than 100 entries in all")
	}
	if err := a.cors.Reconfigure(p.config()); err != nil {
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

// newAPIServer returns the API. crossTarget is the URL on another origin
// that /api/redirect?to=proxy redirects to.
func newAPIServer(pageOrigin, crossTarget string, log *requestLog, logger *slog.Logger) (*apiServer, error) {
	policy := defaultPolicy(pageOrigin)
	c, err := cors.New(policy.config())
	if err != nil {
		return nil, fmt.Errorf("demo: cors: %w", err)
	}
	// The guard trusts, for writes, every origin the CORS policy lets make
	// credentialed requests, and follows the policy as it changes.
	guard, err := csrf.New(csrf.Config{
		Logger: logger,
		DenyHandler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			d, _ := csrf.DenialFromContext(r.Context())
			reason := "refused"
			if d != nil {
				reason = d.Reason
			}
			setNote(r, "csrf guard: "+reason)
			http.Error(w, "csrf guard: "+reason, http.StatusForbidden)
		}),
	})
	if err != nil {
		return nil, fmt.Errorf("demo: csrf: %w", err)
	}
	guard.TrustCORS(c)
	jp, err := jsonp.New(jsonp.Config{CredentialedCallers: []string{pageOrigin}})
	if err != nil {
		return nil, fmt.Errorf("demo: jsonp: %w", err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/api/echo", echo)
	mux.HandleFunc("/api/redirect", func(w http.ResponseWriter, r *http.Request) {
		// Only two fixed targets: an open redirect has no place here.
		q := r.URL.Query()
		to := url.URL{Path: "/api/echo"}
		if q.Get("to") == "proxy" {
			target, _ := url.Parse(crossTarget)
			to = *target
		}
		q.Del("to")
		to.RawQuery = q.Encode()
		http.Redirect(w, r, to.String(), http.StatusTemporaryRedirect)
	})
	mux.Handle("GET /api/jsonp", jp.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"message": "hello from JSONP", "cookieSent": hasSession(r)})
	})))

	root := http.NewServeMux()
	root.Handle("/api/", explained(c, c.Handler(guard.Handler(mux))))
	root.HandleFunc("/broken/wildcard-credentials", func(w http.ResponseWriter, r *http.Request) {
		// The mistake: "*" is not a wildcard for credentialed requests.
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		echo(w, r)
	})
	root.Handle("/broken/auth-before-cors", authFirst(explained(c, c.Handler(http.HandlerFunc(echo)))))
	return &apiServer{Handler: log.logged("api", root), cors: c, policy: policy}, nil
}

// explained notes, for the request log, why the CORS middleware does not
// allow a cross-origin request: the server's side of the story, which the
// diagram shows next to the browser's.
func explained(m *cors.Middleware, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Origin") != "" {
			if d := m.Explain(r); !d.Allowed {
				setNote(r, "cors: "+d.Reason)
			}
		}
		h.ServeHTTP(w, r)
	})
}

// authFirst makes the mistake of checking credentials before CORS: a
// preflight never carries credentials, so it gets 401 without CORS headers.
func authFirst(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !hasSession(r) {
			setNote(r, "auth ran before CORS: no cookie, so 401")
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// echo answers with what it received, so the page can show what the
// server saw even when the browser hides the response.
func echo(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	w.Header().Set("X-Request-Id", newID())
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{
		"method":     r.Method,
		"path":       r.URL.Path,
		"origin":     r.Header.Get("Origin"),
		"cookieSent": hasSession(r),
		"xDemo":      r.Header.Get("X-Demo"),
		"body":       string(body),
	})
}

// sessionCookie is the cookie the page origin sets; cookies ignore ports,
// so the browser sends it to the API origin on credentialed requests.
const sessionCookie = "demo_session"

func hasSession(r *http.Request) bool {
	_, err := r.Cookie(sessionCookie)
	return err == nil
}

func newID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
