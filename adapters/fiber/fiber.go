// Package fiberadapter runs the crossorigin middleware (package cors and
// package csrf) in a Fiber v3 app.
//
// It is a module of its own, github.com/crossorigin/crossorigin/adapters/fiber,
// so that users of net/http never download Fiber. It is written for
// github.com/gofiber/fiber/v3 (Fiber v2 is deprecated in favour of v3):
//
//	import fiberadapter "github.com/crossorigin/crossorigin/adapters/fiber"
//
//	m, err := cors.New(cors.Config{Origins: []string{"https://app.example.com"}})
//	...
//	app := fiber.New()
//	app.Use(fiberadapter.CORS(m))
//
// Fiber is not net/http: it is built on fasthttp, and its handlers never
// see an http.ResponseWriter. So the adapter does not pretend: it converts
// the request with Fiber's own adaptor package, runs the net/http
// middleware against a ResponseWriter that only records, and then either
// sends what the middleware answered (a preflight, a refusal) or copies
// the middleware's headers to Fiber's response and runs the rest of the
// chain. What that costs:
//
//   - The middleware sees the request, never the handler's response: the
//     headers it sets are the ones it sets before calling the next handler.
//     package cors and package csrf work that way; middleware that needs to
//     watch or change the response (package jsonp, compression) does not
//     work through this adapter.
//   - A Fiber handler that replaces Vary (c.Set("Vary", ...)) would drop
//     the Vary: Origin that cors needs for caches to stay correct, so the
//     adapter adds the middleware's Vary values back after the chain ran.
//   - Each request is converted to an *http.Request, which allocates;
//     its header is copied out of fasthttp's buffers with every value of
//     a repeated header kept (fasthttp's adaptor keeps only the last, and
//     a guard must see two Origin headers).
package fiberadapter

import (
	"net/http"
	"strings"

	"github.com/crossorigin/crossorigin/cors"
	"github.com/crossorigin/crossorigin/csrf"
	"github.com/gofiber/fiber/v3"
	"github.com/gofiber/fiber/v3/middleware/adaptor"
)

// CORS returns Fiber middleware that applies the CORS middleware m: it
// answers preflights itself and adds the CORS headers to every other
// response, keeping Vary: Origin whatever the handlers do with Vary.
func CORS(m *cors.Middleware) fiber.Handler { return Wrap(m.Handler) }

// CSRF returns Fiber middleware that refuses the requests the guard g
// refuses, with g's deny handler or 403, before any handler runs. In
// ReportOnly mode the handlers find the Denial with Denial.
func CSRF(g *csrf.Guard) fiber.Handler {
	return wrap(g.Handler, func(c fiber.Ctx, r *http.Request) {
		if d, ok := csrf.DenialFromContext(r.Context()); ok {
			c.Locals(denialKey{}, d)
		}
	})
}

type denialKey struct{}

// Denial returns the csrf Denial of a request that CSRF let through in
// ReportOnly mode.
func Denial(c fiber.Ctx) (*csrf.Denial, bool) {
	d, ok := c.Locals(denialKey{}).(*csrf.Denial)
	return d, ok
}

// Wrap turns net/http middleware that decides on the request and sets
// response headers before calling the next handler (as package cors and
// package csrf do) into Fiber middleware. See the package documentation
// for what it can and cannot carry over.
func Wrap(mw func(http.Handler) http.Handler) fiber.Handler {
	return wrap(mw, nil)
}

func wrap(mw func(http.Handler) http.Handler, passed func(fiber.Ctx, *http.Request)) fiber.Handler {
	return func(c fiber.Ctx) error {
		r, err := adaptor.ConvertRequest(c, true)
		if err != nil {
			return err
		}
		r.Header = requestHeader(c)
		rec := &recorder{header: make(http.Header)}
		var next *http.Request
		mw(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			next = r
		})).ServeHTTP(rec, r)
		copyHeader(&c.Response().Header, rec.header)
		if next == nil {
			// The middleware answered the request itself.
			c.Status(rec.statusOr200())
			return c.Send(rec.body)
		}
		if passed != nil {
			passed(c, next)
		}
		err = c.Next()
		keepVary(&c.Response().Header, rec.header.Values("Vary"))
		return err
	}
}

// requestHeader returns the request's header as net/http would: every
// value of a repeated header (fasthttp's adaptor keeps only the last, and
// a guard must see that a request has two Origin headers), copied out of
// fasthttp's buffers, which it reuses after the request (a Denial may be
// logged later), and without Host, which is r.Host.
func requestHeader(c fiber.Ctx) http.Header {
	h := make(http.Header)
	for k, v := range c.Request().Header.All() {
		key := http.CanonicalHeaderKey(string(k))
		if key == "Host" || key == "Transfer-Encoding" {
			continue
		}
		h[key] = append(h[key], string(v))
	}
	return h
}

// recorder is the ResponseWriter the middleware writes to.
type recorder struct {
	header http.Header
	status int
	body   []byte
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 && code >= 200 {
		r.status = code
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.body = append(r.body, p...)
	return len(p), nil
}

func (r *recorder) statusOr200() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}

// headerSetter is what copyHeader and keepVary need of fasthttp's
// ResponseHeader.
type headerSetter interface {
	Set(key, value string)
	Add(key, value string)
	Peek(key string) []byte
}

// copyHeader copies the middleware's headers to Fiber's response: the
// first value of each replaces what is there, the others are added.
func copyHeader(dst headerSetter, src http.Header) {
	for k, vs := range src {
		for i, v := range vs {
			if i == 0 {
				dst.Set(k, v)
			} else {
				dst.Add(k, v)
			}
		}
	}
}

// keepVary adds back the Vary values the middleware set that the response
// no longer lists, after a handler replaced or removed Vary.
func keepVary(dst headerSetter, want []string) {
	if len(want) == 0 {
		return
	}
	have := strings.ToLower(string(dst.Peek("Vary")))
	var missing []string
	for _, v := range want {
		for _, tok := range strings.Split(v, ",") {
			tok = strings.TrimSpace(tok)
			if tok != "" && !hasToken(have, strings.ToLower(tok)) {
				missing = append(missing, tok)
			}
		}
	}
	if len(missing) == 0 {
		return
	}
	if have == "" {
		dst.Set("Vary", strings.Join(missing, ", "))
		return
	}
	dst.Set("Vary", string(dst.Peek("Vary"))+", "+strings.Join(missing, ", "))
}

// hasToken reports whether the comma-separated list (lower case) holds
// tok, or "*".
func hasToken(list, tok string) bool {
	for _, t := range strings.Split(list, ",") {
		if t = strings.TrimSpace(t); t == tok || t == "*" {
			return true
		}
	}
	return false
}
