package cors

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

func TestExplain(t *testing.T) {
	m, err := New(Config{
		Origins: []string{app}, Credentials: true, Methods: []string{"PUT"},
		RequestHeaders: []string{"Content-Type"}, ExposedHeaders: []string{"X-Id"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		r       *http.Request
		kind    Kind
		allowed bool
		handler bool
		status  int
		reason  []string // substrings
		acao    string
	}{
		{"no origin", preq("GET", ""), NotCORS, false, true, 0, []string{"CORS does not apply"}, ""},
		{"allowed actual", preq("GET", app), Actual, true, true, 0, []string{`origin "https://app.example.com" is allowed`}, app},
		{"disallowed actual", preq("GET", evil), Actual, false, true, 0, []string{"not allowed by Origins", "still reaches the handler"}, ""},
		{"non-canonical", preq("GET", "https://APP.example.com"), Actual, false, true, 0, []string{`not in the form browsers send: "https://app.example.com"`}, ""},
		{"allowed preflight", preq("OPTIONS", app, hdrReqMethod, "PUT", hdrReqHeaders, "content-type"), Preflight, true, false, 204, []string{"requested method and headers"}, app},
		{"bad method", preq("OPTIONS", app, hdrReqMethod, "put"), Preflight, false, false, 403, []string{`method "put" is not allowed`, "case-sensitively"}, ""},
		{"bad header", preq("OPTIONS", app, hdrReqMethod, "PUT", hdrReqHeaders, "content-type,x-secret"), Preflight, false, false, 403, []string{`["x-secret"]`}, ""},
		{"hostile header list", preq("OPTIONS", app, hdrReqMethod, "PUT", hdrReqHeaders, strings.Repeat("a,", 4096)), Preflight, false, false, 403, []string{"too long"}, ""},
		{"PNA off", preq("OPTIONS", app, hdrReqMethod, "PUT", hdrReqPrivateNetwork, "true"), Preflight, true, false, 204, []string{"PrivateNetwork is off"}, app},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := m.Explain(tt.r)
			if d.Kind != tt.kind || d.Allowed != tt.allowed || d.Handler != tt.handler || d.Status != tt.status {
				t.Errorf("Explain = %+v", d)
			}
			for _, s := range tt.reason {
				if !strings.Contains(d.Reason, s) {
					t.Errorf("Reason %q lacks %q", d.Reason, s)
				}
			}
			if got := d.Headers.Get(hdrAllowOrigin); got != tt.acao {
				t.Errorf("Headers[ACAO] = %q, want %q", got, tt.acao)
			}
		})
	}
	var zero Middleware
	if d := zero.Explain(preq("GET", app)); !d.Handler || d.Allowed || d.Kind != Actual {
		t.Errorf("zero Middleware: %+v", d)
	}
	if Kind(7).String() != "Kind(7)" || Preflight.String() != "preflight" {
		t.Error("Kind.String")
	}
}

func TestLogger(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	m, err := New(Config{Origins: []string{app}, Logger: l})
	if err != nil {
		t.Fatal(err)
	}
	serveWith(m, "OPTIONS", "Origin", evil, hdrReqMethod, "PUT")
	got := buf.String()
	for _, want := range []string{"kind=preflight", "origin=https://evil.example.com", "allowed=false", `reason="origin not allowed"`} {
		if !strings.Contains(got, want) {
			t.Errorf("log %q lacks %q", got, want)
		}
	}
	// Above debug level, nothing is logged.
	buf.Reset()
	quiet := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if err := m.Reconfigure(Config{Origins: []string{app}, Logger: quiet}); err != nil {
		t.Fatal(err)
	}
	serveWith(m, "GET", "Origin", app)
	if buf.Len() != 0 {
		t.Errorf("logged above debug level: %s", buf.String())
	}
}

// TestLoggerOffAllocatesNothing checks that a logger above debug level is
// free: it is consulted once and nothing is built.
func TestLoggerOffAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under -race")
	}
	l := slog.New(slog.NewTextHandler(&bytes.Buffer{}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	m, _ := New(Config{Origins: []string{app}, Logger: l})
	h := m.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	r := preq("GET", app).WithContext(context.Background())
	w := &benchWriter{h: http.Header{}}
	if n := testing.AllocsPerRun(100, func() { clear(w.h); h.ServeHTTP(w, r) }); n != 0 {
		t.Errorf("%v allocs with a quiet logger", n)
	}
}
