// Package some shows Same-Origin Method Execution (issue 11, bug 9) in the
// three browser engines (headless Chromium, headless Firefox, WebKitGTK):
// a page of the API's origin that includes a JSONP script whose callback
// names one of its own buttons clicks it when the endpoint accepts any
// dotted identifier, and nothing happens behind the jsonp package, which
// answers 400.
package some

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"sync/atomic"
	"testing"

	"github.com/crossorigin/crossorigin/e2e/internal/engines"
	"github.com/crossorigin/crossorigin/e2e/internal/headless"
	"github.com/crossorigin/crossorigin/jsonp"
)

var all []*engines.Browser

func TestMain(m *testing.M) { os.Exit(engines.Run(m, &all)) }

// naiveCallback is the dotted-identifier check of frameworks that do not
// know Same-Origin Method Execution (echo's, for one).
var naiveCallback = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*$`)

const data = `{"balance":42}`

// server serves /account (a page with a button that acts), /naive (JSONP
// behind the naive check) and /jsonp (JSONP behind the jsonp package). It
// counts the 400s that /jsonp answers.
func server(t *testing.T) (url string, refused *atomic.Int32) {
	refused = new(atomic.Int32)
	j, err := jsonp.New(jsonp.Config{})
	if err != nil {
		t.Fatal(err)
	}
	api := j.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, data)
	}))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /account", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `<!doctype html><meta charset="utf-8"><title>account</title><body><button id="deleteAccount" onclick="window.deleted = true">Delete my account</button></body>`)
	})
	mux.HandleFunc("GET /naive", func(w http.ResponseWriter, r *http.Request) {
		cb := r.URL.Query().Get("callback")
		if !naiveCallback.MatchString(cb) {
			http.Error(w, "bad callback", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/javascript")
		_, _ = fmt.Fprintf(w, "/**/ typeof %s === 'function' && %s(%s);", cb, cb, data)
	})
	mux.HandleFunc("GET /jsonp", func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		api.ServeHTTP(sw, r)
		if sw.status == http.StatusBadRequest {
			refused.Add(1)
		}
	})
	return fmt.Sprintf("http://api.test:%d", headless.Serve(t, mux)), refused
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(s int) {
	if w.status == 0 {
		w.status = s
	}
	w.ResponseWriter.WriteHeader(s)
}

type result struct {
	Event   string `json:"event"`
	Deleted bool   `json:"deleted"`
}

func include(t *testing.T, p *engines.Page, src string) result {
	t.Helper()
	var res result
	p.Eval(t, fmt.Sprintf(`new Promise((resolve) => {
		const s = document.createElement("script");
		s.src = %q;
		s.onload = () => resolve({event: "load", deleted: !!window.deleted});
		s.onerror = () => resolve({event: "error", deleted: !!window.deleted});
		document.head.appendChild(s);
	})`, src), &res)
	return res
}

func TestSameOriginMethodExecution(t *testing.T) {
	url, refused := server(t)
	engines.Each(t, all, func(t *testing.T, b *engines.Browser) {
		for _, cb := range []string{"deleteAccount.click", "document.body.firstElementChild.click"} {
			t.Run(cb, func(t *testing.T) {
				// The attack works against the naive check.
				p := b.Open(t, url+"/account")
				if res := include(t, p, url+"/naive?callback="+cb); res.Event != "load" || !res.Deleted {
					t.Fatalf("naive endpoint: %+v, want the button clicked", res)
				}
				// And not against the jsonp package.
				p = b.Open(t, url+"/account")
				before := refused.Load()
				if res := include(t, p, url+"/jsonp?callback="+cb); res.Event != "error" || res.Deleted {
					t.Fatalf("jsonp endpoint: %+v, want a refused script and no click", res)
				}
				if refused.Load() != before+1 {
					t.Fatal("the jsonp endpoint did not answer 400")
				}
			})
		}
	})
}
