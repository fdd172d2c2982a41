package ginadapter_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	ginadapter "github.com/crossorigin/crossorigin/adapters/gin"
	"github.com/crossorigin/crossorigin/cors"
	"github.com/crossorigin/crossorigin/csrf"
	"github.com/crossorigin/crossorigin/jsonp"
	"github.com/gin-gonic/gin"
)

func init() { gin.SetMode(gin.TestMode) }

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

// TestCORSRealServer runs a gin engine on a loopback server with the cors
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
	r := gin.New()
	r.Use(ginadapter.CORS(m))
	r.PUT("/items/:id", func(c *gin.Context) {
		c.Header("Vary", "Accept-Encoding") // the idiom that used to drop Vary: Origin
		c.Header("X-Request-Id", "42")
		c.String(http.StatusCreated, "saved "+c.Param("id"))
	})
	srv := httptest.NewServer(r)
	defer srv.Close()

	// A preflight to a path that has only PUT: gin routes it to no
	// handler, and the middleware answers it.
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

// TestCSRFRealServer runs a gin engine with the csrf guard on a loopback
// server: a cross-site write is refused before the handler runs, a
// same-origin one and a bypassed webhook pass.
func TestCSRFRealServer(t *testing.T) {
	g, err := csrf.New(csrf.Config{Bypass: []string{"/hooks/"}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	r := gin.New()
	r.Use(ginadapter.CSRF(g))
	handler := func(c *gin.Context) { ran++; c.String(http.StatusOK, "done") }
	r.POST("/transfer", handler)
	r.POST("/hooks/:name", handler)
	srv := httptest.NewServer(r)
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

// TestWrapStatusOnly: a handler that sets only a status (c.Status) still
// gets it, with the middleware's headers.
func TestWrapStatusOnly(t *testing.T) {
	m, err := cors.New(cors.Config{Origins: []string{"https://app.example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.Use(ginadapter.CORS(m))
	r.DELETE("/x", func(c *gin.Context) { c.Status(http.StatusAccepted) })
	srv := httptest.NewServer(r)
	defer srv.Close()
	resp, _ := do(t, "DELETE", srv.URL+"/x", "Origin", "https://app.example.com")
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("status %d", resp.StatusCode)
	}
	wantHeader(t, resp, "Access-Control-Allow-Origin", "https://app.example.com")
	wantHeader(t, resp, "Vary", "Origin")
}

// TestWrapJSONP: Wrap carries over middleware that rewrites the response,
// since gin's handlers write through the middleware's writer.
func TestWrapJSONP(t *testing.T) {
	j, err := jsonp.New(jsonp.Config{})
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.GET("/weather", ginadapter.Wrap(j.Handler), func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"city": "Oslo"})
	})
	srv := httptest.NewServer(r)
	defer srv.Close()
	resp, body := do(t, "GET", srv.URL+"/weather?callback=show")
	if resp.StatusCode != http.StatusOK || body != `/**/ typeof show === 'function' && show({"city":"Oslo"});` {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}
	wantHeader(t, resp, "Content-Type", "text/javascript; charset=utf-8")
	resp, body = do(t, "GET", srv.URL+"/weather?callback=opener.document.body.click")
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("gadget: %d %q", resp.StatusCode, body)
	}
	resp, body = do(t, "GET", srv.URL+"/weather")
	if resp.StatusCode != http.StatusOK || body != `{"city":"Oslo"}` {
		t.Fatalf("plain JSON: %d %q", resp.StatusCode, body)
	}
}
