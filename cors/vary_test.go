package cors

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestStarPolicyOmitsHeadersWithoutOrigin is the regression test for
// Origins: ["*"] answering requests without Origin with neither
// Access-Control-Allow-Origin: * nor Vary: Origin. A cache that stored such
// a response (from an <img>, a no-cors fetch, a CDN) then served it to a
// CORS fetch, which failed. A "*" policy does not depend on the origin, so
// every response gets the same headers and needs no Vary.
func TestStarPolicyOmitsHeadersWithoutOrigin(t *testing.T) {
	star := Config{Origins: []string{"*"}, ExposedHeaders: []string{"X-Total"}}
	for _, hdrs := range [][]string{nil, {"Origin", evil}, {"Origin", "null"}, {"Origin", app, "Origin", evil}} {
		w, ran := do(t, star, "GET", hdrs...)
		h := w.Header()
		if !ran || h.Get(hdrAllowOrigin) != "*" || h.Get(hdrExposeHeaders) != "X-Total" {
			t.Errorf("Origin %q: handler ran %v, headers %v; want Access-Control-Allow-Origin: * and the exposed headers", hdrs, ran, h)
		}
		if slices.ContainsFunc(h["Vary"], func(v string) bool { return strings.EqualFold(v, "Origin") }) {
			t.Errorf("Origin %q: Vary = %q: nothing depends on Origin", hdrs, h["Vary"])
		}
	}
	// Whatever depends on Origin says so, also to requests without one.
	for _, c := range []Config{
		{Origins: []string{app}},
		{Origins: []string{"*"}, Credentials: false, Methods: []string{"PUT"}},
		{OriginFunc: func(*http.Request, string) bool { return true }},
	} {
		w, _ := do(t, c, "GET")
		want := []string{"Accept-Encoding", "Origin"}
		if slices.Contains(c.Origins, "*") {
			want = []string{"Accept-Encoding"}
		}
		if got := w.Header()["Vary"]; !slices.Equal(got, want) {
			t.Errorf("%+v without Origin: Vary = %q, want %q", c.Origins, got, want)
		}
	}
}

// TestVaryOriginLostToHandlerSet is the regression test for a handler's
// w.Header().Set("Vary", "Accept-Encoding"), the most common idiom,
// replacing the middleware's Vary: Origin: the echoed
// Access-Control-Allow-Origin then went out without Vary, and a shared cache
// served one origin's response to another. Whatever the handler does with
// Vary, and however it writes, Origin is in Vary on the wire.
func TestVaryOriginLostToHandlerSet(t *testing.T) {
	m, err := New(Config{Origins: []string{app}, Credentials: true})
	if err != nil {
		t.Fatal(err)
	}
	write := map[string]func(w http.ResponseWriter){
		"nothing":     func(http.ResponseWriter) {},
		"WriteHeader": func(w http.ResponseWriter) { w.WriteHeader(http.StatusTeapot) },
		"Write":       func(w http.ResponseWriter) { _, _ = w.Write([]byte("hi")) },
		"WriteString": func(w http.ResponseWriter) { _, _ = io.WriteString(w, "hi") },
		"io.Copy":     func(w http.ResponseWriter) { _, _ = io.Copy(w, strings.NewReader("hi")) },
		"ReadFrom": func(w http.ResponseWriter) {
			_, _ = w.(io.ReaderFrom).ReadFrom(io.LimitReader(strings.NewReader("hi"), 2))
		},
		"Flush":      func(w http.ResponseWriter) { w.(http.Flusher).Flush() },
		"controller": func(w http.ResponseWriter) { _ = http.NewResponseController(w).Flush() },
		"103 then 200": func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusEarlyHints)
			w.Header().Set("Vary", "Accept")
			w.WriteHeader(200)
		},
	}
	vary := []struct {
		name string
		set  func(http.Header)
		want []string
	}{
		{"Set", func(h http.Header) { h.Set("Vary", "Accept-Encoding") }, []string{"Accept-Encoding", "Origin"}},
		{"Add", func(h http.Header) { h.Add("Vary", "Accept-Encoding") }, []string{"Accept-Encoding", "Origin"}},
		{"Set two", func(h http.Header) { h["Vary"] = []string{"Accept", "Accept-Encoding"} }, []string{"Accept", "Accept-Encoding", "Origin"}},
		{"Del", func(h http.Header) { h.Del("Vary") }, []string{"Origin"}},
		{"list with Origin", func(h http.Header) { h.Set("Vary", "accept-encoding, origin") }, []string{"accept-encoding, origin"}},
		{"star", func(h http.Header) { h.Set("Vary", "*") }, []string{"*"}},
	}
	srvHandler := func(v func(http.Header), wr func(http.ResponseWriter)) http.Handler {
		return m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			v(w.Header())
			wr(w)
		}))
	}
	for wname, wr := range write {
		for _, v := range vary {
			want := v.want
			if wname == "103 then 200" {
				want = []string{"Accept", "Origin"} // the final header's Vary counts
			} else {
				// In memory (a recorder keeps the header of a 103), and
				// on the wire of a real server.
				rec := httptest.NewRecorder()
				srvHandler(v.set, wr).ServeHTTP(rec, preq("GET", app))
				if got := rec.Result().Header["Vary"]; !slices.Equal(got, want) {
					t.Errorf("%s, %s (recorder): Vary = %q, want %q", v.name, wname, got, want)
				}
			}
			srv := httptest.NewServer(srvHandler(v.set, wr))
			req, _ := http.NewRequest("GET", srv.URL, nil)
			req.Header.Set("Origin", app)
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			srv.Close()
			if got := resp.Header["Vary"]; !slices.Equal(got, want) || resp.Header.Get(hdrAllowOrigin) != app {
				t.Errorf("%s, %s (server): Vary = %q, want %q; headers %v", v.name, wname, got, want, resp.Header)
			}
		}
	}
}

// TestVaryWriterKeepsInterfaces checks that handlers behind the middleware
// still reach what net/http's ResponseWriter offers: Flusher, Hijacker,
// and http.ResponseController's deadlines and full duplex, through Unwrap.
func TestVaryWriterKeepsInterfaces(t *testing.T) {
	m, err := New(Config{Origins: []string{app}})
	if err != nil {
		t.Fatal(err)
	}
	results := make(chan string, 10)
	mux := http.NewServeMux()
	mux.HandleFunc("/flush", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Vary", "Accept-Encoding")
		_, _ = w.Write([]byte("first\n"))
		w.(http.Flusher).Flush()
		<-r.Context().Done() // the client has read the first line before the handler returns
	})
	mux.HandleFunc("/controller", func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		for name, err := range map[string]error{
			"SetReadDeadline":  rc.SetReadDeadline(time.Now().Add(time.Minute)),
			"SetWriteDeadline": rc.SetWriteDeadline(time.Now().Add(time.Minute)),
			"EnableFullDuplex": rc.EnableFullDuplex(),
		} {
			if err != nil {
				results <- name + ": " + err.Error()
			}
		}
		if err := rc.Flush(); err != nil {
			results <- "Flush: " + err.Error()
		}
	})
	mux.HandleFunc("/hijack", func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			results <- "Hijack: " + err.Error()
			return
		}
		defer func() { _ = conn.Close() }()
		_, _ = brw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nX-Hijacked: yes\r\n\r\nhijacked")
		_ = brw.Flush()
	})
	srv := httptest.NewServer(m.Handler(mux))
	defer srv.Close()
	get := func(path string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Origin", app)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}

	resp := get("/flush")
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || line != "first\n" {
		t.Errorf("flushed body = %q, %v", line, err)
	}
	if got := resp.Header["Vary"]; !slices.Equal(got, []string{"Accept-Encoding", "Origin"}) {
		t.Errorf("flushed response: Vary = %q", got)
	}
	_ = resp.Body.Close()

	resp = get("/controller")
	_ = resp.Body.Close()
	if got := resp.Header["Vary"]; !slices.Equal(got, []string{"Origin"}) {
		t.Errorf("controller response: Vary = %q", got)
	}

	resp = get("/hijack")
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if string(body) != "hijacked" || resp.Header.Get("X-Hijacked") != "yes" {
		t.Errorf("hijacked response: %q, %v", body, resp.Header)
	}
	close(results)
	for r := range results {
		t.Error(r)
	}
}

// TestVaryWriterSaysWhatItCannot checks that Flush and Hijack through a
// ResponseWriter that cannot do them report it.
func TestVaryWriterSaysWhatItCannot(t *testing.T) {
	w, _ := newVaryWriter(&benchWriter{h: http.Header{}}, preq("GET", app), false)
	if err := http.NewResponseController(w).Flush(); err == nil {
		t.Error("Flush through a writer that cannot flush succeeded")
	}
	if _, _, err := w.Hijack(); err == nil {
		t.Error("Hijack through a writer that cannot hijack succeeded")
	}
}
