package demo

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
)

// Policy is the API's CORS policy as the page edits it.
type Policy struct {
	Origins        []string `json:"origins"`
	Credentials    bool     `json:"credentials"`
	Methods        []string `json:"methods"`
	RequestHeaders []string `json:"requestHeaders"`
	ExposedHeaders []string `json:"exposedHeaders"`
	MaxAge         int      `json:"maxAge"` // seconds; 0 omits the header, negative sends 0
}

// check lists every problem of p, as the cors package would.
func (p Policy) check() error {
	var errs []error
	if len(p.Origins) == 0 {
		errs = append(errs, errors.New("origins: empty; list the origins that may read responses, e.g. http://localhost:3000"))
	}
	for _, o := range p.Origins {
		if o == "*" && p.Credentials {
			errs = append(errs, errors.New(`origins: "*" with credentials: browsers reject this combination; list the origins instead`))
		}
	}
	if len(p.Origins)+len(p.Methods)+len(p.RequestHeaders)+len(p.ExposedHeaders) > 100 {
		errs = append(errs, errors.New("policy: more than 100 entries"))
	}
	return errors.Join(errs...)
}

// standinCORS applies a Policy. It stands in for the cors package until
// that lands; it follows the same rules in the common cases.
type standinCORS struct {
	p atomic.Pointer[Policy]
}

func newStandinCORS(p Policy) (*standinCORS, error) {
	c := &standinCORS{}
	return c, c.Reconfigure(p)
}

func (c *standinCORS) Reconfigure(p Policy) error {
	if err := p.check(); err != nil {
		return err
	}
	c.p.Store(&p)
	return nil
}

// AllowsCredentialedOrigin reports whether the policy lets the page at
// origin read responses to credentialed requests (csrf.CORSPolicy).
func (c *standinCORS) AllowsCredentialedOrigin(origin string) bool {
	p := c.p.Load()
	return p.Credentials && slices.Contains(p.Origins, origin)
}

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(e string) bool { return e == "*" || strings.EqualFold(e, s) })
}

func (c *standinCORS) Handler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := c.p.Load()
		origin := r.Header.Get("Origin")
		preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
		hdr := w.Header()
		hdr.Add("Vary", "Origin")
		if origin == "" {
			h.ServeHTTP(w, r)
			return
		}
		any := slices.Contains(p.Origins, "*")
		allowed := any || slices.Contains(p.Origins, origin)
		if !allowed {
			if preflight {
				w.WriteHeader(http.StatusForbidden)
				return
			}
			h.ServeHTTP(w, r)
			return
		}
		if any && !p.Credentials {
			hdr.Set("Access-Control-Allow-Origin", "*")
		} else {
			hdr.Set("Access-Control-Allow-Origin", origin)
		}
		if p.Credentials {
			hdr.Set("Access-Control-Allow-Credentials", "true")
		}
		if !preflight {
			if len(p.ExposedHeaders) > 0 {
				hdr.Set("Access-Control-Expose-Headers", strings.Join(p.ExposedHeaders, ", "))
			}
			h.ServeHTTP(w, r)
			return
		}
		method := r.Header.Get("Access-Control-Request-Method")
		switch method {
		case "GET", "HEAD", "POST":
		default:
			if !slices.Contains(p.Methods, method) && !(slices.Contains(p.Methods, "*") && !p.Credentials) {
				w.WriteHeader(http.StatusNoContent)
				return
			}
			hdr.Set("Access-Control-Allow-Methods", method)
		}
		if reqH := r.Header.Get("Access-Control-Request-Headers"); reqH != "" {
			for n := range strings.SplitSeq(reqH, ",") {
				if !containsFold(p.RequestHeaders, strings.TrimSpace(n)) {
					w.WriteHeader(http.StatusNoContent)
					return
				}
			}
			hdr.Set("Access-Control-Allow-Headers", reqH)
		}
		switch {
		case p.MaxAge > 0:
			hdr.Set("Access-Control-Max-Age", strconv.Itoa(p.MaxAge))
		case p.MaxAge < 0:
			hdr.Set("Access-Control-Max-Age", "0")
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
