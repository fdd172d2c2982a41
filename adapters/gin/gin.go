// Package ginadapter runs the crossorigin middleware (package cors, package
// csrf, or any net/http middleware) in a gin engine.
//
// It is a module of its own, github.com/crossorigin/crossorigin/adapters/gin,
// so that users of net/http never download gin:
//
//	import ginadapter "github.com/crossorigin/crossorigin/adapters/gin"
//
//	m, err := cors.New(cors.Config{Origins: []string{"https://app.example.com"}})
//	...
//	r := gin.New()
//	r.Use(ginadapter.CORS(m))
//
// Use it with Engine.Use, not on a route group: gin runs global middleware
// for requests that match no route too, which is what a preflight (an
// OPTIONS request to a path that has only, say, PUT) usually is.
package ginadapter

import (
	"net/http"

	"github.com/crossorigin/crossorigin/cors"
	"github.com/crossorigin/crossorigin/csrf"
	"github.com/gin-gonic/gin"
)

// CORS returns gin middleware that applies the CORS middleware m: it
// answers preflights itself and adds the CORS headers to every other
// response, keeping Vary: Origin whatever the handlers do with Vary.
func CORS(m *cors.Middleware) gin.HandlerFunc { return Wrap(m.Handler) }

// CSRF returns gin middleware that refuses the requests the guard g
// refuses, with g's deny handler or 403, and aborts the chain for them.
func CSRF(g *csrf.Guard) gin.HandlerFunc { return Wrap(g.Handler) }

// Wrap turns net/http middleware into gin middleware. The rest of the
// chain runs where mw calls the next handler, with the request and the
// ResponseWriter mw passes to it: headers and body that gin's handlers
// write go through mw's writer, as they would in net/http. When mw does
// not call the next handler (it answered the request itself), the chain
// is aborted.
func Wrap(mw func(http.Handler) http.Handler) gin.HandlerFunc {
	return func(c *gin.Context) {
		orig := c.Writer
		called := false
		next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			called = true
			c.Request = r
			if w != http.ResponseWriter(orig) {
				c.Writer = &writer{ResponseWriter: orig, w: w}
			}
			c.Next()
		})
		mw(next).ServeHTTP(orig, c.Request)
		c.Writer = orig
		if !called {
			c.Abort()
		}
	}
}

// writer is gin's ResponseWriter with the header, the status and the body
// sent through the writer that net/http middleware passed on, which ends
// in gin's own: gin's bookkeeping (Status, Size, Written) stays right.
type writer struct {
	gin.ResponseWriter
	w http.ResponseWriter
}

func (w *writer) Header() http.Header { return w.w.Header() }

func (w *writer) WriteHeader(code int) { w.w.WriteHeader(code) }

func (w *writer) Write(p []byte) (int, error) { return w.w.Write(p) }

func (w *writer) WriteString(s string) (int, error) { return w.w.Write([]byte(s)) }

// WriteHeaderNow sends the header through the middleware's writer, which
// gin calls before it writes a body-less response (c.Status, c.AbortWithStatus).
func (w *writer) WriteHeaderNow() {
	if !w.ResponseWriter.Written() {
		w.w.WriteHeader(w.ResponseWriter.Status())
	}
}

// Flush flushes through the middleware's writer, so that it can finish
// its headers first.
func (w *writer) Flush() { _ = http.NewResponseController(w.w).Flush() }

// Unwrap returns the middleware's writer, for http.ResponseController.
func (w *writer) Unwrap() http.ResponseWriter { return w.w }
