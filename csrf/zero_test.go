package csrf

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestZeroGuard is the regression test of issue 11's zero values:
// (&Guard{}).Handler(h) panicked with a nil pointer on the first denied
// request (no logger). The zero Guard now behaves as New(Config{}) does,
// logging to slog.Default().
func TestZeroGuard(t *testing.T) {
	var buf bytes.Buffer
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))

	var zero Guard
	made, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })
	for _, r := range []req{
		{header: hdr("Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")},
		{header: hdr("Sec-Fetch-Site", "same-origin")},
		{header: hdr("Origin", "https://evil.example")},
		{header: hdr("Origin", "https://app.example.com")},
		{},
		{method: "GET", header: hdr("Sec-Fetch-Site", "cross-site")},
	} {
		got, want := httptest.NewRecorder(), httptest.NewRecorder()
		zero.Handler(ok).ServeHTTP(got, r.build())
		made.Handler(ok).ServeHTTP(want, r.build())
		if got.Code != want.Code || got.Body.String() != want.Body.String() {
			t.Errorf("%+v: zero Guard %d %q, New(Config{}) %d %q", r, got.Code, got.Body, want.Code, want.Body)
		}
		if (zero.Check(r.build()) == nil) != (made.Check(r.build()) == nil) {
			t.Errorf("%+v: Check differs", r)
		}
	}
	if !strings.Contains(buf.String(), "csrf: request denied") {
		t.Errorf("the zero Guard did not log to slog.Default(): %q", buf.String())
	}
	if err := zero.CheckWebSocket(req{method: "GET", header: hdr("Origin", "https://evil.example")}.build()); err == nil {
		t.Error("zero Guard: cross-origin WebSocket passed")
	}
	zero.TrustCORS(nil)
}

func TestNilGuardPanicsClearly(t *testing.T) {
	var nilGuard *Guard
	for name, f := range map[string]func(){
		"Handler on nil":   func() { nilGuard.Handler(http.NotFoundHandler()) },
		"nil handler":      func() { (&Guard{}).Handler(nil) },
		"Check on nil":     func() { _ = nilGuard.Check(req{}.build()) },
		"TrustCORS on nil": func() { nilGuard.TrustCORS(nil) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				msg, _ := recover().(string)
				if !strings.HasPrefix(msg, "csrf: ") {
					t.Fatalf("panic %q, want a csrf: message", msg)
				}
			}()
			f()
		})
	}
}
