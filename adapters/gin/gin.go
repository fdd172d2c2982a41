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
	"io"
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
// is aborted. Middleware that rewrites the response works too: gin's
// handlers write through its writer, so Wrap(j.Handler) of a
// *jsonp.Responder j serves JSONP from a handler that calls c.JSON.
func Wrap(mw func(http.Handler) http.Handler) gin.HandlerFunc {
	return func(c *gin.Context) {
		orig := c.Writer
		called := false
		next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			called = true
			c.Request = r
			if w == http.ResponseWriter(orig) {
				c.Next()
				return
			}
			ww := &writer{ResponseWriter: orig, w: w}
			c.Writer = ww
			c.Next()
			if ww.status != 0 {
				ww.WriteHeaderNow() // a status without a body (c.Status)
			}
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
// in gin's own. Like gin's, it holds the status back until the body or
// WriteHeaderNow: gin handlers set the status before the Content-Type
// (c.JSON does), and the middleware must see both.
type writer struct {
	gin.ResponseWriter
	w      http.ResponseWriter
	status int  // held back; 0 when none was set
	sent   bool // the header went to w
}

func (w *writer) Header() http.Header { return w.w.Header() }

func (w *writer) WriteHeader(code int) {
	if code > 0 && !w.sent {
		w.status = code
	}
}

// WriteHeaderNow sends the header, which gin calls before it writes a
// body-less response (c.Status, c.AbortWithStatus).
func (w *writer) WriteHeaderNow() {
	if w.sent {
		return
	}
	w.sent = true
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.w.WriteHeader(w.status)
}

func (w *writer) Write(p []byte) (int, error) {
	w.send()
	return w.w.Write(p)
}

func (w *writer) WriteString(s string) (int, error) {
	w.send()
	return io.WriteString(w.w, s)
}

// send sends the held-back status, if any, before the first byte.
func (w *writer) send() {
	if !w.sent && w.status != 0 {
		w.WriteHeaderNow()
	}
	w.sent = true
}

// Status returns the status set so far, sent or not.
func (w *writer) Status() int {
	if w.status != 0 {
		return w.status
	}
	return w.ResponseWriter.Status()
}

// Written reports whether the header was sent.
func (w *writer) Written() bool { return w.sent || w.ResponseWriter.Written() }

// Flush sends the header and flushes through the middleware's writer.
func (w *writer) Flush() {
	w.WriteHeaderNow()
	_ = http.NewResponseController(w.w).Flush()
}

// Unwrap returns the middleware's writer, for http.ResponseController.
func (w *writer) Unwrap() http.ResponseWriter { return w.w }
