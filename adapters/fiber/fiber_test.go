package fiberadapter_test

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"

	fiberadapter "github.com/crossorigin/crossorigin/adapters/fiber"
	"github.com/crossorigin/crossorigin/cors"
	"github.com/crossorigin/crossorigin/csrf"
	"github.com/gofiber/fiber/v3"
)

// do sends one request to the real server and returns the response and
// its body.
func do(t *testing.T, method, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func wantHeader(t *testing.T, resp *http.Response, name, want string) {
	t.Helper()
	if got := strings.Join(resp.Header.Values(name), ", "); got != want {
		t.Errorf("%s = %q, want %q", name, got, want)
	}
}

// TestCORSRealServer runs a Fiber app on fasthttp on a loopback server with the cors
// middleware, and sends a real preflight and actual requests.
func TestCORSRealServer(t *testing.T) {
	m, err := cors.New(cors.Config{
		Origins:        []string{"https://app.example.com"},
		Credentials:    true,
		Methods:        []string{"PUT"},
		RequestHeaders: []string{"Content-Type"},
		ExposedHeaders: []string{"X-Request-Id"},
	})
	if err != nil {
		t.Fatal(err)
	}
	app := fiber.New()
	app.Use(fiberadapter.CORS(m))
	app.Put("/items/:id", func(c fiber.Ctx) error {
		c.Set("Vary", "Accept-Encoding") // replaces the middleware's Vary: Origin
		c.Set("X-Request-Id", "42")
		return c.Status(http.StatusCreated).SendString("saved " + c.Params("id"))
	})
	srv := startFiber(t, app)
	defer srv.Close()

	// A preflight to a path that has only PUT: the middleware answers it.
	resp, body := do(t, "OPTIONS", srv.URL+"/items/7",
		"Origin", "https://app.example.com",
		"Access-Control-Request-Method", "PUT",
		"Access-Control-Request-Headers", "content-type")
	if resp.StatusCode != http.StatusNoContent || body != "" {
		t.Fatalf("preflight: %d %q", resp.StatusCode, body)
	}
	wantHeader(t, resp, "Access-Control-Allow-Origin", "https://app.example.com")
	wantHeader(t, resp, "Access-Control-Allow-Credentials", "true")
	wantHeader(t, resp, "Access-Control-Allow-Methods", "PUT")
	wantHeader(t, resp, "Access-Control-Allow-Headers", "Content-Type")

	// The actual request reaches the gin handler.
	resp, body = do(t, "PUT", srv.URL+"/items/7", "Origin", "https://app.example.com")
	if resp.StatusCode != http.StatusCreated || body != "saved 7" {
		t.Fatalf("actual: %d %q", resp.StatusCode, body)
	}
	wantHeader(t, resp, "Access-Control-Allow-Origin", "https://app.example.com")
	wantHeader(t, resp, "Access-Control-Allow-Credentials", "true")
	wantHeader(t, resp, "Access-Control-Expose-Headers", "X-Request-Id")
	wantHeader(t, resp, "Vary", "Accept-Encoding, Origin")

	// Another origin gets the handler's response without CORS headers.
	resp, body = do(t, "PUT", srv.URL+"/items/7", "Origin", "https://evil.example")
	if resp.StatusCode != http.StatusCreated || body != "saved 7" {
		t.Fatalf("disallowed origin: %d %q", resp.StatusCode, body)
	}
	wantHeader(t, resp, "Access-Control-Allow-Origin", "")

	// A refused preflight is answered by the middleware too.
	resp, _ = do(t, "OPTIONS", srv.URL+"/items/7", "Origin", "https://evil.example", "Access-Control-Request-Method", "PUT")
	wantHeader(t, resp, "Access-Control-Allow-Origin", "")
	if resp.StatusCode < 200 || resp.StatusCode > 299 && resp.StatusCode != http.StatusForbidden {
		t.Fatalf("refused preflight: %d", resp.StatusCode)
	}
}

// TestCSRFRealServer runs a Fiber app with the csrf guard on a loopback
// server: a cross-site write is refused before the handler runs, a
// same-origin one and a bypassed webhook pass.
func TestCSRFRealServer(t *testing.T) {
	g, err := csrf.New(csrf.Config{Bypass: []string{"/hooks/"}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	app := fiber.New()
	app.Use(fiberadapter.CSRF(g))
	handler := func(c fiber.Ctx) error { ran++; return c.SendString("done") }
	app.Post("/transfer", handler)
	app.Post("/hooks/:name", handler)
	srv := startFiber(t, app)
	defer srv.Close()

	resp, body := do(t, "POST", srv.URL+"/transfer", "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "another site") || ran != 0 {
		t.Fatalf("cross-site: %d %q, handler ran %d times", resp.StatusCode, body, ran)
	}
	resp, body = do(t, "POST", srv.URL+"/transfer", "Sec-Fetch-Site", "same-origin")
	if resp.StatusCode != http.StatusOK || body != "done" || ran != 1 {
		t.Fatalf("same-origin: %d %q", resp.StatusCode, body)
	}
	resp, body = do(t, "POST", srv.URL+"/hooks/stripe", "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
	if resp.StatusCode != http.StatusOK || body != "done" || ran != 2 {
		t.Fatalf("bypassed: %d %q", resp.StatusCode, body)
	}
}

// TestNoContentAndErrors: a handler that sends only a status, and one
// that returns an error for echo's error handler, keep the CORS headers.
func TestWrapStatusOnly(t *testing.T) {
	m, err := cors.New(cors.Config{Origins: []string{"https://app.example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	app := fiber.New()
	app.Use(fiberadapter.CORS(m))
	app.Delete("/x", func(c fiber.Ctx) error { return c.SendStatus(http.StatusAccepted) })
	app.Delete("/fail", func(c fiber.Ctx) error { return fiber.NewError(http.StatusConflict, "busy") })
	srv := startFiber(t, app)
	defer srv.Close()
	for path, status := range map[string]int{"/x": http.StatusAccepted, "/fail": http.StatusConflict, "/none": http.StatusNotFound} {
		resp, _ := do(t, "DELETE", srv.URL+path, "Origin", "https://app.example.com")
		if resp.StatusCode != status {
			t.Fatalf("%s: status %d, want %d", path, resp.StatusCode, status)
		}
		wantHeader(t, resp, "Access-Control-Allow-Origin", "https://app.example.com")
		wantHeader(t, resp, "Vary", "Origin")
	}
}

// fiberServer is a Fiber app serving a loopback listener.
type fiberServer struct {
	URL string
	app *fiber.App
}

func (s *fiberServer) Close() { _ = s.app.Shutdown() }

func startFiber(t *testing.T, app *fiber.App) *fiberServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln, fiber.ListenConfig{DisableStartupMessage: true}) }()
	s := &fiberServer{URL: "http://" + ln.Addr().String(), app: app}
	t.Cleanup(s.Close)
	return s
}

// TestCSRFReportOnly: in ReportOnly mode the handler runs and finds the
// Denial with fiberadapter.Denial.
func TestCSRFReportOnly(t *testing.T) {
	g, err := csrf.New(csrf.Config{ReportOnly: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	app := fiber.New()
	app.Use(fiberadapter.CSRF(g))
	app.Post("/form", func(c fiber.Ctx) error {
		d, ok := fiberadapter.Denial(c)
		if !ok {
			return c.SendString("no denial")
		}
		return c.SendString("would deny: " + d.Rule.String())
	})
	srv := startFiber(t, app)
	resp, body := do(t, "POST", srv.URL+"/form", "Sec-Fetch-Site", "cross-site")
	if resp.StatusCode != http.StatusOK || body != "would deny: sec-fetch-site" {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}
	resp, body = do(t, "POST", srv.URL+"/form", "Sec-Fetch-Site", "same-origin")
	if resp.StatusCode != http.StatusOK || body != "no denial" {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}
}

// TestCSRFHostileHeaders: what fasthttp receives reaches the guard whole,
// so two Origin headers, which no browser sends, are refused.
func TestCSRFHostileHeaders(t *testing.T) {
	g, err := csrf.New(csrf.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	app := fiber.New()
	app.Use(fiberadapter.CSRF(g))
	app.Post("/transfer", func(c fiber.Ctx) error { return c.SendString("done") })
	srv := startFiber(t, app)
	// fasthttp's own adaptor keeps the last value only: in this order the
	// request would pass as same-origin.
	resp, body := do(t, "POST", srv.URL+"/transfer", "Origin", "https://evil.example", "Origin", srv.URL)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "several Origin") {
		t.Fatalf("two Origins: %d %q", resp.StatusCode, body)
	}
	resp, body = do(t, "POST", srv.URL+"/transfer", "Sec-Fetch-Site", "cross-site", "Sec-Fetch-Site", "same-origin")
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "several Origin") {
		t.Fatalf("two Sec-Fetch-Site: %d %q", resp.StatusCode, body)
	}
	// The Origin fallback compares with the Host fasthttp received.
	resp, body = do(t, "POST", srv.URL+"/transfer", "Origin", srv.URL)
	if resp.StatusCode != http.StatusOK || body != "done" {
		t.Fatalf("same origin: %d %q", resp.StatusCode, body)
	}
	resp, _ = do(t, "POST", srv.URL+"/transfer", "Origin", "https://evil.example")
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("other origin: %d", resp.StatusCode)
	}
}
