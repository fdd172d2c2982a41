package csrf

import (
	"os"
	"testing"

	"github.com/crossorigin/crossorigin/csrf"
	"github.com/crossorigin/crossorigin/e2e/internal/engines"
	"github.com/crossorigin/crossorigin/e2e/internal/firefox"
	"github.com/crossorigin/crossorigin/e2e/internal/webkit"
)

// TestFetchesInFirefoxAndWebKit runs TestCrossSiteNoCORSFetchRefused and
// TestSameOriginFetchPasses (on the plain-HTTP hosts, where the guard
// decides by Origin) in Firefox and WebKit: another site's no-cors POST
// is refused, the app's own fetch passes.
func TestFetchesInFirefoxAndWebKit(t *testing.T) {
	for _, tc := range []struct {
		name string
		path func() (string, error)
	}{{engines.Firefox, firefox.Path}, {engines.WebKit, webkit.Path}} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.path(); err != nil && os.Getenv("CI") == "" && os.Getenv("CROSSORIGIN_SKIP_BROWSER") == "1" {
				t.Skip(err)
			}
			b, err := engines.Start(tc.name)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			w := newWorld(t, modes[0])

			evil := b.Open(t, w.evilURL+"/")
			var res fetchResult
			evil.Eval(t, fetchJS(w.appURL+"/transfer", `{method: "POST", mode: "no-cors", credentials: "include", body: "to=mallory&amount=1000", headers: {"Content-Type": "application/x-www-form-urlencoded"}}`), &res)
			if res.Type != "opaque" {
				t.Errorf("no-cors fetch: %+v", res)
			}
			refused(t, w, one(t, w), csrf.RuleOrigin)

			app := b.Open(t, w.appURL+"/")
			app.Eval(t, fetchJS("/transfer", `{method: "POST", body: "to=bob&amount=5", headers: {"Content-Type": "application/x-www-form-urlencoded"}}`), &res)
			if res.Status != 200 || res.Body != "transferred" {
				t.Fatalf("same-origin fetch: %+v", res)
			}
			if s := one(t, w); !s.ran {
				t.Fatal("the handler did not run")
			}
		})
	}
}
