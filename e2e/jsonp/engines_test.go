package jsonp

import (
	"net/url"
	"os"
	"testing"

	"github.com/crossorigin/crossorigin/e2e/internal/engines"
	"github.com/crossorigin/crossorigin/e2e/internal/firefox"
	"github.com/crossorigin/crossorigin/e2e/internal/webkit"
)

// TestScriptTagInFirefoxAndWebKit loads the JSONP script in Firefox and
// WebKit as TestScriptTagReceivesData and TestHostileCallbackRefused do in
// Chromium: the callback gets the data; a hostile callback is refused and
// fires the script's error event.
func TestScriptTagInFirefoxAndWebKit(t *testing.T) {
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
			a := startAPI(t, "api.test")
			p := b.Open(t, startPage(t, "app.test")+"/")
			for _, cb := range []string{"gotWeather", "app.callbacks.weather", "jQuery3600_1700000000"} {
				var res loaded
				p.Eval(t, loadJS(a.url+"/weather?callback="+cb, cb), &res)
				if res.Event != "load" || !res.Called {
					t.Fatalf("callback %s: %+v", cb, res)
				}
				wantData(t, res.Data)
				if h := a.take(); len(h) != 1 || h[0].status != 200 {
					t.Fatalf("API saw %+v", h)
				}
			}
			for _, cb := range []string{"alert", "alert(document.domain)//", "x.constructor.constructor"} {
				var res loaded
				p.Eval(t, loadJS(a.url+"/weather?callback="+url.QueryEscape(cb), "unused"), &res)
				if h := a.take(); len(h) != 1 || h[0].status != 400 {
					t.Fatalf("callback %q: API saw %+v", cb, h)
				}
				if res.Event != "error" || res.Called || res.Alerted {
					t.Fatalf("hostile callback %q: %+v", cb, res)
				}
			}
		})
	}
}
