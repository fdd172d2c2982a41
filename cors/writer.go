package cors

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
)

// A varyWriter is the ResponseWriter that handlers of actual requests (and
// of requests without Origin) see. It makes sure that Vary names Origin
// when the response's header goes out, whatever the handler did with Vary
// before: the most common idiom, w.Header().Set("Vary", "Accept-Encoding"),
// replaces the whole header, and a shared cache would then serve one
// origin's Access-Control-Allow-Origin to another.
//
// Vary is added at the first WriteHeader (other than 1xx), Write,
// WriteString, ReadFrom or Flush, or when the handler returns without
// writing: as late as possible, so that nothing the handler does can undo
// it. Other interfaces of the underlying ResponseWriter are reached with
// http.ResponseController, through Unwrap.
//
// Wrappers come from a slab (see slab.go): each is handed to one request
// only, and carries the slot of its Vary value, so that a request costs,
// amortized, no allocation.
type varyWriter struct {
	rw      http.ResponseWriter
	written bool // the header went out with Vary: Origin
	hint    byte // the request's stripe, for strs

	// vary is the slot of Vary: Origin. The values of allowed requests
	// come from strs, so that others do not pay for their room.
	vary [1]string
}

// A roomyWriter is a varyWriter with room for the values of an allowed
// request's Access-Control-Allow-Credentials and -Expose-Headers, so that
// such a request carves once.
type roomyWriter struct {
	varyWriter
	vals [2]string
}

// newVaryWriter returns a fresh varyWriter around w and, if roomy, two
// fresh slots for header values (see roomyWriter).
func newVaryWriter(w http.ResponseWriter, r *http.Request, roomy bool) (*varyWriter, []string) {
	hint := hintOf(r)
	var vw *varyWriter
	var vals []string
	if roomy {
		rw := &roomyWriters.carve(hint, 1)[0]
		vw, vals = &rw.varyWriter, rw.vals[:]
	} else {
		vw = &writers.carve(hint, 1)[0]
	}
	vw.rw, vw.hint = w, hint
	return vw, vals
}

// Unwrap returns the underlying ResponseWriter, for
// http.ResponseController.
func (w *varyWriter) Unwrap() http.ResponseWriter { return w.rw }

// Header returns the underlying ResponseWriter's header map.
func (w *varyWriter) Header() http.Header { return w.rw.Header() }

// WriteHeader adds Vary: Origin and writes the header. Informational (1xx)
// headers do not count: the final header may still change Vary.
func (w *varyWriter) WriteHeader(code int) {
	if !w.written {
		w.addVary()
		w.written = code >= 200
	}
	w.rw.WriteHeader(code)
}

// Write adds Vary: Origin before the first byte of the body.
func (w *varyWriter) Write(p []byte) (int, error) {
	if !w.written {
		w.finish()
	}
	return w.rw.Write(p)
}

// WriteString is Write for strings, without a copy when the underlying
// ResponseWriter has WriteString too (net/http's does).
func (w *varyWriter) WriteString(s string) (int, error) {
	if !w.written {
		w.finish()
	}
	return io.WriteString(w.rw, s)
}

// ReadFrom keeps the underlying ResponseWriter's ReadFrom (net/http's uses
// sendfile for files), for io.Copy.
func (w *varyWriter) ReadFrom(src io.Reader) (int64, error) {
	if !w.written {
		w.finish()
	}
	if rf, ok := w.rw.(io.ReaderFrom); ok {
		return rf.ReadFrom(src)
	}
	return io.Copy(writerOnly{w.rw}, src)
}

// writerOnly hides every method but Write, so that io.Copy does not come
// back to ReadFrom.
type writerOnly struct{ io.Writer }

// Flush adds Vary: Origin and flushes, if the underlying ResponseWriter
// can.
func (w *varyWriter) Flush() { _ = w.FlushError() }

// FlushError is Flush for http.ResponseController: it reports
// http.ErrNotSupported if the underlying ResponseWriter cannot flush.
func (w *varyWriter) FlushError() error {
	if !w.written {
		w.finish()
	}
	return http.NewResponseController(w.rw).Flush()
}

// Hijack hands over the connection, if the underlying ResponseWriter can.
func (w *varyWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(w.rw).Hijack()
}

// finish adds Vary: Origin, once.
func (w *varyWriter) finish() {
	w.addVary()
	w.written = true
}

// addVary adds Origin to Vary unless it lists Origin or "*" already. It
// never writes into a slice that the header held: that slice may be shared
// (an outer middleware's, or a handler's package-level one).
func (w *varyWriter) addVary() {
	hdr := w.rw.Header()
	var old []string
	if len(hdr) > 0 { // before anyone set a header, there is no Vary to look up
		old = hdr[hdrVary]
	}
	switch {
	case len(old) == 0:
		w.vary[0] = hdrOrigin
		hdr[hdrVary] = w.vary[:]
	case varyCovers(old):
	case len(old) == 1: // a handler's Set("Vary", ...): two fresh slots
		buf := strs.carve(w.hint, 2)
		buf[0], buf[1] = old[0], hdrOrigin
		hdr[hdrVary] = buf
	default:
		hdr[hdrVary] = append(old[:len(old):len(old)], hdrOrigin)
	}
}

// varyCovers reports whether the Vary field lines vs name Origin or are
// "*", compared case-insensitively as RFC 9110 asks.
func varyCovers(vs []string) bool {
	for _, v := range vs {
		for v != "" {
			i := 0
			for i < len(v) && v[i] != ',' {
				i++
			}
			if e := trimOWS(v[:i]); e == "*" || strings.EqualFold(e, hdrOrigin) {
				return true
			}
			if i < len(v) {
				i++
			}
			v = v[i:]
		}
	}
	return false
}

// trimOWS trims spaces and tabs from both ends of s.
func trimOWS(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}
