package cors

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRefusedPreflightSaysWhy(t *testing.T) {
	c := Config{Origins: []string{app}, Methods: []string{"PUT"}, RequestHeaders: []string{"Content-Type", "X-Secret-Allowed"}}
	long := "https://" + strings.Repeat("a", 200) + ".example"
	for _, tt := range []struct {
		name string
		hdrs []string
		body string
	}{
		{"origin", []string{"Origin", evil, hdrReqMethod, "PUT"}, `cors: origin "https://evil.example.com" is not allowed`},
		{"null origin", []string{"Origin", "null", hdrReqMethod, "GET"}, `cors: origin "null" is not allowed`},
		{"two origins", []string{"Origin", app, "Origin", app, hdrReqMethod, "GET"}, `cors: more than one Origin header`},
		{"method", []string{"Origin", app, hdrReqMethod, "DELETE"}, `cors: method "DELETE" is not allowed`},
		{"method case", []string{"Origin", app, hdrReqMethod, "put"}, `cors: method "put" is not allowed`},
		{"two methods", []string{"Origin", app, hdrReqMethod, "PUT", hdrReqMethod, "PUT"}, `cors: more than one Access-Control-Request-Method header`},
		{"header", []string{"Origin", app, hdrReqMethod, "PUT", hdrReqHeaders, "content-type,x-api-key,x-other"}, `cors: request header "x-api-key" is not allowed`},
		{"header as sent", []string{"Origin", app, hdrReqMethod, "PUT", hdrReqHeaders, "Content-Type, X-Api-Key"}, `cors: request header "X-Api-Key" is not allowed`},
		{"hostile header list", []string{"Origin", app, hdrReqMethod, "PUT", hdrReqHeaders, strings.Repeat("a,", 1<<19)}, `cors: request header "a" is not allowed`},
		{"long allowed list", []string{"Origin", app, hdrReqMethod, "PUT", hdrReqHeaders, strings.Repeat("content-type,", 1<<10)}, `cors: Access-Control-Request-Headers is too long`},
		{"escaped", []string{"Origin", "https://\"é\\\x01.example", hdrReqMethod, "GET"}, `cors: origin "https://\"\xc3\xa9\\\x01.example" is not allowed`},
		{"cut", []string{"Origin", long, hdrReqMethod, "GET"}, `cors: origin "` + long[:maxQuoted] + `"... is not allowed`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w, ran := do(t, c, "OPTIONS", tt.hdrs...)
			if ran || w.Code != 403 {
				t.Fatalf("handler ran %v, status %d; want 403 from the middleware", ran, w.Code)
			}
			if got := w.Body.String(); got != tt.body+"\n" {
				t.Errorf("body = %q, want %q", got, tt.body+"\n")
			}
			if ct := w.Header().Get("Content-Type"); ct != "text/plain; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			// Nothing of what is allowed is revealed.
			for _, secret := range []string{app, "PUT", "Content-Type", "content-type", "X-Secret-Allowed", "x-secret-allowed"} {
				if strings.Contains(w.Body.String(), secret) && !strings.Contains(strings.Join(tt.hdrs, " "), secret) {
					t.Errorf("body %q reveals %q", w.Body.String(), secret)
				}
			}
			for _, name := range allCORS {
				if v := w.Header()[name]; len(v) > 0 {
					t.Errorf("%s = %q on a refused preflight", name, v)
				}
			}
		})
	}
}

// TestRefusalReasonOnTheWire checks the body as a real client reads it,
// one line, with its length.
func TestRefusalReasonOnTheWire(t *testing.T) {
	m, err := New(Config{Origins: []string{app}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m.Handler(http.NotFoundHandler()))
	defer srv.Close()
	req, _ := http.NewRequest("OPTIONS", srv.URL, nil)
	req.Header.Set("Origin", app)
	req.Header.Set(hdrReqMethod, "GET")
	req.Header.Set(hdrReqHeaders, "x-api-key")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if want := "cors: request header \"x-api-key\" is not allowed\n"; resp.StatusCode != 403 || string(body) != want || resp.ContentLength != int64(len(want)) {
		t.Errorf("got %d %q (Content-Length %d), want 403 %q", resp.StatusCode, body, resp.ContentLength, want)
	}
}

func TestOmitRefusalReason(t *testing.T) {
	for _, c := range []Config{
		{Origins: []string{app}, OmitRefusalReason: true},
		{Origins: []string{app}, PreflightPassthrough: true}, // the handler answers
	} {
		w, _ := do(t, c, "OPTIONS", "Origin", evil, hdrReqMethod, "GET")
		if w.Body.Len() != 0 || w.Header().Get("Content-Type") != "" {
			t.Errorf("%+v: body %q, Content-Type %q; want none", c, w.Body.String(), w.Header().Get("Content-Type"))
		}
	}
	w, _ := do(t, Config{Origins: []string{app}, OmitRefusalReason: true}, "OPTIONS", "Origin", evil, hdrReqMethod, "GET")
	if w.Code != 403 {
		t.Errorf("status %d, want 403", w.Code)
	}
}
