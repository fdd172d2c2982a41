package cors

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crossorigin/crossorigin/origin"
)

// problems returns the ConfigErrors in err as "Field Value" strings.
func problems(t *testing.T, err error) []string {
	t.Helper()
	var out []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var ce *ConfigError
		if !errors.As(e, &ce) {
			t.Fatalf("%v is not a *ConfigError", e)
		}
		if ce.Problem == "" {
			t.Errorf("%v has no problem", ce)
		}
		out = append(out, ce.Field+" "+ce.Value)
	}
	return out
}

func TestNewRejects(t *testing.T) {
	for _, tt := range []struct {
		name string
		c    Config
		want []string // "Field Value" of every problem, in order
	}{
		{"nothing allowed", Config{}, []string{"Origins "}},
		{"null", Config{Origins: []string{"null"}}, []string{"Origins null"}},
		{"trailing slash", Config{Origins: []string{"https://app.example.com/"}}, []string{"Origins https://app.example.com/"}},
		{"no scheme", Config{Origins: []string{"app.example.com"}}, []string{"Origins app.example.com"}},
		{"glob", Config{Origins: []string{"https://*example.com", "h*"}}, []string{"Origins https://*example.com", "Origins h*"}},
		{"public suffix wildcard", Config{Origins: []string{"https://*.co.uk"}}, []string{"Origins https://*.co.uk"}},
		{"star with credentials everywhere", Config{Origins: []string{"*"}, Credentials: true, Methods: []string{"*"}, RequestHeaders: []string{"*"}, ExposedHeaders: []string{"*"}},
			[]string{"Origins *", "Methods *", "RequestHeaders *", "ExposedHeaders *"}},
		{"http with credentials", Config{Origins: []string{"http://app.example.com", "http://*.example.org", "http://localhost:*", "http://127.0.0.1:8080", "http://[::1]:3000"}, Credentials: true},
			[]string{"Origins http://app.example.com", "Origins http://*.example.org"}},
		{"forbidden methods", Config{Origins: []string{"*"}, Methods: []string{"CONNECT", "trace", "Track", "BAD METHOD", ""}},
			[]string{"Methods CONNECT", "Methods trace", "Methods Track", "Methods BAD METHOD", "Methods "}},
		{"forbidden request headers", Config{Origins: []string{"*"}, RequestHeaders: []string{"Cookie", "Origin", "Sec-Fetch-Mode", "Proxy-Authorization", "X Y", "Content-Length"}},
			[]string{"RequestHeaders Cookie", "RequestHeaders Origin", "RequestHeaders Sec-Fetch-Mode", "RequestHeaders Proxy-Authorization", "RequestHeaders X Y", "RequestHeaders Content-Length"}},
		{"forbidden exposed headers", Config{Origins: []string{"*"}, ExposedHeaders: []string{"Set-Cookie", "set-cookie2", "a:b"}},
			[]string{"ExposedHeaders Set-Cookie", "ExposedHeaders set-cookie2", "ExposedHeaders a:b"}},
		{"max age too long", Config{Origins: []string{"*"}, MaxAge: 25 * time.Hour}, []string{"MaxAge 25h0m0s"}},
		{"max age fraction", Config{Origins: []string{"*"}, MaxAge: 500 * time.Millisecond}, []string{"MaxAge 500ms"}},
		{"preflight status", Config{Origins: []string{"*"}, PreflightStatus: 301}, []string{"PreflightStatus 301"}},
		{"func with star", Config{Origins: []string{"*"}, OriginFunc: func(*http.Request, string) bool { return true }}, []string{"OriginFunc "}},
		{"many at once", Config{Origins: []string{"null", "*"}, Credentials: true, Methods: []string{"TRACE"}, MaxAge: 48 * time.Hour},
			[]string{"Origins null", "Origins *", "Methods TRACE", "MaxAge 48h0m0s"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, err := New(tt.c)
			if err == nil {
				t.Fatalf("New succeeded: %+v", m.Config())
			}
			if got := problems(t, err); !slices.Equal(got, tt.want) {
				t.Errorf("problems = %q, want %q\n%v", got, tt.want, err)
			}
		})
	}
}

// TestLowerCaseMethodAccepted is the regression test for New accepting
// Methods: ["patch"] silently: browsers send "patch" as written, so a page's
// PATCH request then failed its preflight with no hint why.
func TestLowerCaseMethodAccepted(t *testing.T) {
	for _, tt := range []struct{ method, upper string }{
		{"patch", "PATCH"}, {"Patch", "PATCH"}, {"propfind", "PROPFIND"},
	} {
		_, err := New(Config{Origins: []string{app}, Methods: []string{"PUT", tt.method}})
		if err == nil {
			t.Errorf("New accepted Methods %q", tt.method)
			continue
		}
		if got := problems(t, err); !slices.Equal(got, []string{"Methods " + tt.method}) {
			t.Errorf("problems = %q", got)
		}
		msg := err.Error()
		for _, want := range []string{"case-sensitive", "(fix: write " + strconv.Quote(tt.upper)} {
			if !strings.Contains(msg, want) {
				t.Errorf("%q: error text lacks %q: %s", tt.method, want, msg)
			}
		}
	}
	// Methods that browsers upper-case themselves stay accepted in any case.
	m, err := New(Config{Origins: []string{app}, Methods: []string{"delete", "Put"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Config().Methods; !slices.Equal(got, []string{"DELETE", "PUT"}) {
		t.Errorf("Methods = %q", got)
	}
}

func TestConfigErrorText(t *testing.T) {
	_, err := New(Config{Origins: []string{"null", "https://app.example.com/"}, MaxAge: 3 * time.Hour * 24})
	msg := err.Error()
	for _, want := range []string{
		`cors: Origins "null": the null origin is never safe`, "sandboxed iframes", "(fix: ",
		`Origins "https://app.example.com/"`, "Chromium caps preflight caching at 2 hours", "use at most 2h",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error text lacks %q:\n%s", want, msg)
		}
	}
	var oe *origin.Error
	if !errors.As(err, &oe) || oe.Input != "https://app.example.com/" {
		t.Errorf("the origin package's error is not reachable with errors.As: %v", oe)
	}
}

func TestNewAccepts(t *testing.T) {
	for _, c := range []Config{
		{Origins: []string{"*"}},
		{Origins: []string{"http://app.example.com"}, Credentials: true, AllowInsecureCredentials: true},
		{Origins: []string{"http://localhost:*", "http://app.localhost:3000", "http://127.0.0.1:8080"}, Credentials: true},
		{OriginFunc: func(*http.Request, string) bool { return false }},
		{Origins: []string{"*"}, Methods: []string{"*"}, RequestHeaders: []string{"*", "Authorization"}, ExposedHeaders: []string{"*"}},
		{Origins: []string{"https://app.example.com"}, MaxAge: 24 * time.Hour, PreflightStatus: 200},
	} {
		if _, err := New(c); err != nil {
			t.Errorf("New(%+v): %v", c, err)
		}
	}
}

func TestConfigIsEffective(t *testing.T) {
	c := Config{
		Origins:        []string{"https://app.example.com", "https://app.example.com"},
		Methods:        []string{"put", "PATCH", "PUT", "PATCH"},
		RequestHeaders: []string{"Content-Type", "content-type", "X-A"},
		ExposedHeaders: []string{"X-Id", "x-id"},
	}
	m, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	got := m.Config()
	if !slices.Equal(got.Origins, []string{"https://app.example.com"}) ||
		!slices.Equal(got.Methods, []string{"PUT", "PATCH"}) ||
		!slices.Equal(got.RequestHeaders, []string{"Content-Type", "X-A"}) ||
		!slices.Equal(got.ExposedHeaders, []string{"X-Id"}) ||
		got.PreflightStatus != 204 {
		t.Errorf("Config() = %+v", got)
	}
	got.Origins[0] = "https://changed.example"
	if m.Config().Origins[0] != "https://app.example.com" {
		t.Error("Config() shares its slices")
	}
	// Reconfigure(Config()) is a no-op.
	before := m.Config()
	if err := m.Reconfigure(m.Config()); err != nil {
		t.Fatal(err)
	}
	if after := m.Config(); !slices.Equal(after.Methods, before.Methods) || !slices.Equal(after.Origins, before.Origins) {
		t.Errorf("Reconfigure(Config()) changed %+v into %+v", before, after)
	}
}

func TestReconfigure(t *testing.T) {
	m, err := New(Config{Origins: []string{app}})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Reconfigure(Config{Origins: []string{"null"}}); err == nil {
		t.Fatal("Reconfigure accepted null")
	}
	if w, _ := serveWith(m, "GET", "Origin", app); w.Header().Get(hdrAllowOrigin) != app {
		t.Error("a failed Reconfigure changed the configuration")
	}
	if err := m.Reconfigure(Config{Origins: []string{evil}}); err != nil {
		t.Fatal(err)
	}
	if w, _ := serveWith(m, "GET", "Origin", app); w.Header().Get(hdrAllowOrigin) != "" {
		t.Error("Reconfigure did not take effect")
	}
}

// TestReconfigureConcurrently checks, under -race, that requests see either
// the old or the new configuration, never a mix.
func TestReconfigureConcurrently(t *testing.T) {
	a := Config{Origins: []string{app}, Credentials: true}
	b := Config{Origins: []string{evil}, ExposedHeaders: []string{"X-B"}}
	m, err := New(a)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 200 {
			c := a
			if i%2 == 0 {
				c = b
			}
			if err := m.Reconfigure(c); err != nil {
				t.Error(err)
				return
			}
		}
	})
	for range 2 {
		wg.Go(func() {
			for range 300 {
				for _, o := range []string{app, evil} {
					w, _ := serveWith(m, "GET", "Origin", o)
					h := w.Header()
					switch h.Get(hdrAllowOrigin) {
					case app:
						if h.Get(hdrAllowCredentials) != "true" || h.Get(hdrExposeHeaders) != "" {
							t.Errorf("mixed response: %v", h)
						}
					case evil:
						if h.Get(hdrAllowCredentials) != "" || h.Get(hdrExposeHeaders) != "X-B" {
							t.Errorf("mixed response: %v", h)
						}
					}
				}
			}
		})
	}
	wg.Wait()
}
