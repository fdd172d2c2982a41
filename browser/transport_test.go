package browser

import (
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// api is a loopback server that records what it sees and answers as its
// handler says.
type api struct {
	*httptest.Server
	mu   sync.Mutex
	seen []*http.Request
}

func newAPI(t *testing.T, h http.HandlerFunc) *api {
	t.Helper()
	a := &api{}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		a.mu.Lock()
		a.seen = append(a.seen, r)
		a.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(a.Close)
	return a
}

// requests returns "METHOD /path" for each request seen, and resets.
func (a *api) requests() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, r := range a.seen {
		out = append(out, r.Method+" "+r.URL.Path)
	}
	return out
}

func (a *api) last() *http.Request {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.seen[len(a.seen)-1]
}

const page = "http://app.example"

// allowAll answers preflights for PUT and X-A from page and allows page to
// read responses.
func allowAll(maxAge string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", page)
		if r.Method == http.MethodOptions {
			w.Header().Set("Access-Control-Allow-Methods", "PUT")
			w.Header().Set("Access-Control-Allow-Headers", "X-A")
			if maxAge != "" {
				w.Header().Set("Access-Control-Max-Age", maxAge)
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("X-Secret", "s")
		w.Header().Set("Set-Cookie", "sid=2")
		_, _ = io.WriteString(w, "ok")
	}
}

func do(t *testing.T, tr *Transport, method, u string, body io.Reader, kv ...string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(kv); i += 2 {
		req.Header.Add(kv[i], kv[i+1])
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if resp != nil {
		t.Cleanup(func() { _ = resp.Body.Close() })
	}
	return resp, err
}

func asError(t *testing.T, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *browser.Error", err, err)
	}
	return e
}

func TestTransportSimpleGET(t *testing.T) {
	a := newAPI(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", page)
		w.Header().Set("Access-Control-Expose-Headers", "X-Exposed")
		w.Header().Set("X-Exposed", "1")
		w.Header().Set("X-Secret", "2")
		w.Header().Set("Set-Cookie", "a=b")
		_, _ = io.WriteString(w, "hello")
	})
	tr := &Transport{Origin: page}
	resp, err := do(t, tr, "GET", a.URL+"/r", nil, "Cookie", "forged=1", "User-Agent", "script", "X-HTTP-Method-Override", "TRACE")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if string(b) != "hello" || resp.StatusCode != 200 || ResponseType(resp) != "cors" {
		t.Fatalf("got %d %q %s", resp.StatusCode, b, ResponseType(resp))
	}
	if resp.Header.Get("X-Exposed") != "1" || resp.Header.Get("X-Secret") != "" || resp.Header.Get("Set-Cookie") != "" {
		t.Errorf("readable headers = %v", resp.Header)
	}
	got := a.last()
	if got.Header.Get("Origin") != page || got.Header.Get("Cookie") != "" || got.Header.Get("User-Agent") == "script" ||
		got.Header.Get("X-Http-Method-Override") != "" || got.Header.Get("Accept") != "*/*" || got.Header.Get("Sec-Fetch-Mode") != "cors" {
		t.Errorf("server saw %v", got.Header)
	}
	if len(a.requests()) != 1 {
		t.Errorf("requests = %v", a.requests())
	}
	steps := Trace(resp)
	if len(steps) != 2 || steps[0].Kind != StepClassify || steps[1].Kind != StepRequest || !steps[1].OK {
		t.Errorf("trace = %v", steps)
	}
	if resp.Request.URL.String() != a.URL+"/r" {
		t.Errorf("Response.Request.URL = %v", resp.Request.URL)
	}
}

func TestTransportPreflightAndCache(t *testing.T) {
	for _, tt := range []struct {
		maxAge string
		second []string // what the second identical PUT sends
	}{
		{"", []string{"PUT /p"}},
		{"600", []string{"PUT /p"}},
		{"0", []string{"OPTIONS /p", "PUT /p"}},
		{"-1", []string{"OPTIONS /p", "PUT /p"}},
		{"garbage", []string{"PUT /p"}},
	} {
		t.Run("max-age="+tt.maxAge, func(t *testing.T) {
			a := newAPI(t, allowAll(tt.maxAge))
			tr := &Transport{Origin: page}
			if _, err := do(t, tr, "PUT", a.URL+"/p", strings.NewReader("x"), "X-A", "1"); err != nil {
				t.Fatal(err)
			}
			pre := a.seen[0]
			if got := a.requests(); len(got) != 2 || got[0] != "OPTIONS /p" ||
				pre.Header.Get("Access-Control-Request-Method") != "PUT" || pre.Header.Get("Access-Control-Request-Headers") != "x-a" ||
				pre.Header.Get("Origin") != page {
				t.Fatalf("first exchange: %v %v", got, pre.Header)
			}
			a.seen = nil
			if _, err := do(t, tr, "PUT", a.URL+"/p", strings.NewReader("x"), "X-A", "1"); err != nil {
				t.Fatal(err)
			}
			if got := a.requests(); strings.Join(got, ",") != strings.Join(tt.second, ",") {
				t.Errorf("second exchange: %v, want %v", got, tt.second)
			}
		})
	}

	t.Run("keyed by URL, method, credentials", func(t *testing.T) {
		a := newAPI(t, allowAll("600"))
		tr := &Transport{Origin: page}
		_, _ = do(t, tr, "PUT", a.URL+"/p", strings.NewReader("x"))
		_, _ = do(t, tr, "PUT", a.URL+"/q", strings.NewReader("x")) // other URL: preflight
		_, _ = do(t, tr, "GET", a.URL+"/p", nil, "X-A", "1")        // covered by the entry
		_, err := do(t, tr, "DELETE", a.URL+"/p", nil)              // not covered: preflight, refused
		e := asError(t, err)
		if e.Reason != "MethodDisallowedByPreflightResponse" || e.ReachedServer || !e.Preflight {
			t.Errorf("DELETE: %+v", e)
		}
		tr.Credentials = Include
		_, err = do(t, tr, "PUT", a.URL+"/q", strings.NewReader("x")) // uncredentialed entry: preflight again
		if e := asError(t, err); e.Reason != "PreflightInvalidAllowCredentials" {
			t.Errorf("credentialed PUT: %s", e.Reason)
		}
		want := "OPTIONS /p,PUT /p,OPTIONS /q,PUT /q,GET /p,OPTIONS /p,OPTIONS /q"
		if got := strings.Join(a.requests(), ","); got != want {
			t.Errorf("requests\n got %s\nwant %s", got, want)
		}
	})
}

func TestTransportErrors(t *testing.T) {
	t.Run("actual request refused after reaching the server", func(t *testing.T) {
		a := newAPI(t, func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "done") })
		_, err := do(t, &Transport{Origin: page}, "POST", a.URL+"/w", strings.NewReader("x"), "Content-Type", "text/plain")
		e := asError(t, err)
		if e.Reason != "MissingAllowOriginHeader" || !e.ReachedServer || e.Preflight || e.URL != a.URL+"/w" {
			t.Errorf("%+v", e)
		}
		if e.Fix.Header != "Access-Control-Allow-Origin" || e.Fix.Value != page || len(e.Trace) == 0 {
			t.Errorf("fix %+v, trace %v", e.Fix, e.Trace)
		}
		want := "Access to fetch at '" + a.URL + "/w' from origin '" + page + "' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource."
		if e.Message != want {
			t.Errorf("Message = %q", e.Message)
		}
	})
	t.Run("preflight refused, nothing reached the handler", func(t *testing.T) {
		a := newAPI(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusMethodNotAllowed) })
		_, err := do(t, &Transport{Origin: page}, "PUT", a.URL+"/w", strings.NewReader("x"))
		e := asError(t, err)
		if e.Reason != "PreflightMissingAllowOriginHeader" || e.ReachedServer || !e.Preflight {
			t.Errorf("%+v", e)
		}
		if got := a.requests(); len(got) != 1 || got[0] != "OPTIONS /w" {
			t.Errorf("requests = %v", got)
		}
	})
	t.Run("refused before sending", func(t *testing.T) {
		a := newAPI(t, allowAll(""))
		for _, tc := range []struct {
			tr     *Transport
			method string
			kv     []string
		}{
			{&Transport{Origin: page}, "TRACE", nil},
			{&Transport{Origin: page}, "GET", []string{"X A", "1"}},
			{&Transport{Origin: page, Mode: ModeNoCORS}, "PUT", nil},
		} {
			_, err := do(t, tc.tr, tc.method, a.URL+"/x", nil, tc.kv...)
			if e := asError(t, err); e.Reason != "" || e.Message == "" || e.ReachedServer {
				t.Errorf("%s %v: %+v", tc.method, tc.kv, e)
			}
		}
		if got := a.requests(); len(got) != 0 {
			t.Errorf("requests = %v", got)
		}
	})
	t.Run("bad origin", func(t *testing.T) {
		for _, o := range []string{"", "https://a.example/path"} {
			if _, err := do(t, &Transport{Origin: o}, "GET", "http://127.0.0.1:1/", nil); err == nil {
				t.Errorf("Origin %q accepted", o)
			}
		}
	})
}

func TestTransportRedirects(t *testing.T) {
	other := newAPI(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
		_, _ = io.WriteString(w, "other")
	})
	a := newAPI(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", page)
		if r.Method == http.MethodOptions {
			w.Header().Set("Access-Control-Allow-Methods", "PUT")
			w.WriteHeader(204)
			return
		}
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other.URL+"/there", http.StatusFound)
		case "/303":
			http.Redirect(w, r, "/end", http.StatusSeeOther)
		case "/307":
			http.Redirect(w, r, "/end", http.StatusTemporaryRedirect)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/userinfo":
			w.Header().Set("Location", "http://u:p@"+strings.TrimPrefix(a2(r), "http://")+"/end")
			w.WriteHeader(http.StatusFound)
		default:
			_, _ = io.WriteString(w, r.Method)
		}
	})

	t.Run("cross-origin redirect taints the origin", func(t *testing.T) {
		resp, err := do(t, &Transport{Origin: page}, "GET", a.URL+"/away", nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := other.last().Header.Get("Origin"); got != "null" {
			t.Errorf("Origin after redirect = %q", got)
		}
		if resp.Request.URL.String() != other.URL+"/there" || ResponseType(resp) != "cors" {
			t.Errorf("final %v %s", resp.Request.URL, ResponseType(resp))
		}
	})
	t.Run("303 turns PUT into GET", func(t *testing.T) {
		a.seen = nil
		resp, err := do(t, &Transport{Origin: page}, "PUT", a.URL+"/303", strings.NewReader("x"), "Content-Type", "text/plain")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if string(b) != "GET" || a.last().Header.Get("Content-Type") != "" {
			t.Errorf("body %q, requests %v", b, a.requests())
		}
	})
	t.Run("307 keeps POST and body", func(t *testing.T) {
		resp, err := do(t, &Transport{Origin: page}, "POST", a.URL+"/307", strings.NewReader("payload"))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		body, _ := io.ReadAll(a.last().Body)
		if string(b) != "POST" || string(body) != "payload" {
			t.Errorf("got %q, server body %q", b, body)
		}
	})
	t.Run("20 redirects at most", func(t *testing.T) {
		a.seen = nil
		_, err := do(t, &Transport{Origin: page}, "GET", a.URL+"/loop", nil)
		if e := asError(t, err); e.NetError != "net::ERR_TOO_MANY_REDIRECTS" || e.Reason != "" {
			t.Errorf("%+v", e)
		}
		if n := len(a.requests()); n != 21 {
			t.Errorf("%d requests, want 21", n)
		}
	})
	t.Run("credentials in Location", func(t *testing.T) {
		_, err := do(t, &Transport{Origin: page}, "GET", a.URL+"/userinfo", nil)
		if e := asError(t, err); e.Reason != "RedirectContainsCredentials" {
			t.Errorf("%+v", e)
		}
	})
	t.Run("manual", func(t *testing.T) {
		resp, err := do(t, &Transport{Origin: page, Redirect: RedirectManual}, "GET", a.URL+"/away", nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 0 || ResponseType(resp) != "opaqueredirect" || len(resp.Header) != 0 {
			t.Errorf("got %d %s %v", resp.StatusCode, ResponseType(resp), resp.Header)
		}
	})
	t.Run("error", func(t *testing.T) {
		_, err := do(t, &Transport{Origin: page, Redirect: RedirectError}, "GET", a.URL+"/away", nil)
		if e := asError(t, err); e.Reason != "" || !e.ReachedServer {
			t.Errorf("%+v", e)
		}
	})
}

// a2 returns the scheme and host the request came to.
func a2(r *http.Request) string { return "http://" + r.Host }

func TestTransportModesAndCookies(t *testing.T) {
	a := newAPI(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", page)
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		w.Header().Set("Set-Cookie", "sid=2; Path=/")
		_, _ = io.WriteString(w, "secret")
	})
	u, _ := url.Parse(a.URL)
	self := "http://" + u.Host // the API's own origin: same-origin requests

	t.Run("no-cors is opaque", func(t *testing.T) {
		resp, err := do(t, &Transport{Origin: page, Mode: ModeNoCORS}, "POST", a.URL+"/n", strings.NewReader("x"),
			"X-A", "1", "Content-Type", "application/json")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 0 || len(b) != 0 || len(resp.Header) != 0 || ResponseType(resp) != "opaque" {
			t.Errorf("got %d %q %v", resp.StatusCode, b, resp.Header)
		}
		got := a.last()
		if got.Header.Get("X-A") != "" || got.Header.Get("Content-Type") != "" || got.Header.Get("Origin") != page {
			t.Errorf("server saw %v", got.Header)
		}
	})
	t.Run("same-origin is basic", func(t *testing.T) {
		resp, err := do(t, &Transport{Origin: self}, "GET", a.URL+"/s", nil, "X-A", "1")
		if err != nil {
			t.Fatal(err)
		}
		if ResponseType(resp) != "basic" || resp.Header.Get("Set-Cookie") != "" || resp.Header.Get("Access-Control-Allow-Origin") == "" {
			t.Errorf("%s %v", ResponseType(resp), resp.Header)
		}
		if got := a.last(); got.Header.Get("Origin") != "" || got.Method != "GET" {
			t.Errorf("same-origin GET sent Origin %q", got.Header.Get("Origin"))
		}
	})
	t.Run("cookies follow the credentials mode", func(t *testing.T) {
		for _, tc := range []struct {
			origin string
			mode   CredentialsMode
			sent   bool
		}{
			{self, SameOrigin, true},
			{self, Omit, false},
			{"http://127.0.0.1:1", SameOrigin, false}, // cross-origin, same site
			{"http://127.0.0.1:1", Include, true},
			{"http://127.0.0.1:1", Omit, false},
			{"null", Include, false}, // an opaque page is same-site with nothing
		} {
			jar, _ := cookiejar.New(nil)
			jar.SetCookies(u, []*http.Cookie{{Name: "sid", Value: "1", Path: "/"}})
			tr := &Transport{Origin: tc.origin, Credentials: tc.mode, Jar: jar}
			_, _ = do(t, tr, "GET", a.URL+"/c", nil)
			_, err := a.last().Cookie("sid")
			if sent := err == nil; sent != tc.sent {
				t.Errorf("%s %v: cookie sent = %v", tc.origin, tc.mode, sent)
			}
			stored := jar.Cookies(u)[0].Value == "2"
			if tc.sent != stored && tc.origin != "null" {
				t.Errorf("%s %v: cookie stored = %v", tc.origin, tc.mode, stored)
			}
		}
	})
}

func TestTransportConcurrent(t *testing.T) {
	a := newAPI(t, allowAll("600"))
	var steps int
	var mu sync.Mutex
	tr := &Transport{Origin: page, OnStep: func(Step) { mu.Lock(); steps++; mu.Unlock() }}
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			path := "/c" + string(rune('a'+i%4))
			if _, err := do(t, tr, "PUT", a.URL+path, strings.NewReader("x"), "X-A", "1"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if steps < 16*2 {
		t.Errorf("OnStep called %d times", steps)
	}
}

func TestStepString(t *testing.T) {
	s := Step{Kind: StepPreflight, Method: "OPTIONS", URL: "https://api.test/a",
		Sent:   http.Header{"Origin": {app}, "Access-Control-Request-Method": {"PUT"}},
		Status: 204, Received: http.Header{"Access-Control-Allow-Origin": {"*"}},
		Rule: "the preflight allows PUT", OK: true}
	want := `> OPTIONS https://api.test/a (preflight)
> Access-Control-Request-Method: PUT
> Origin: https://app.test
< 204 No Content
< Access-Control-Allow-Origin: *
= ok: the preflight allows PUT`
	if got := s.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	s = Step{Kind: StepRequest, Method: "GET", URL: "u", Status: 200, Rule: "r", Reason: "MissingAllowOriginHeader"}
	if got := s.String(); !strings.HasSuffix(got, "= blocked (MissingAllowOriginHeader): r") {
		t.Errorf("got %q", got)
	}
	if Trace(&http.Response{}) != nil || ResponseType(nil) != "" {
		t.Error("Trace of a foreign response")
	}
}

func TestTransportUnreachable(t *testing.T) {
	a := newAPI(t, allowAll(""))
	u := a.URL
	a.Close()
	for _, m := range []string{"GET", "PUT"} {
		_, err := do(t, &Transport{Origin: page}, m, u+"/gone", nil)
		if e := asError(t, err); !e.Unreachable || e.Reason != "" || e.ReachedServer || !strings.HasPrefix(e.Message, "TypeError: Failed to fetch") {
			t.Errorf("%s: %+v", m, e)
		}
	}
}

func TestTransportCachedWildcardAuthorization(t *testing.T) {
	a := newAPI(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", page)
		if r.Method == http.MethodOptions {
			w.Header().Set("Access-Control-Allow-Methods", "PUT")
			w.Header().Set("Access-Control-Allow-Headers", "*")
			w.Header().Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
		}
	})
	tr := &Transport{Origin: page}
	for range 2 {
		if _, err := do(t, tr, "PUT", a.URL+"/a", nil, "Authorization", "t"); err != nil {
			t.Fatal(err)
		}
	}
	// "*" covers Authorization on the fresh preflight but not in the
	// cache: Chromium preflights every time.
	want := "OPTIONS /a,PUT /a,OPTIONS /a,PUT /a"
	if got := strings.Join(a.requests(), ","); got != want {
		t.Errorf("requests %s, want %s", got, want)
	}
}

func TestModeStrings(t *testing.T) {
	got := []string{SameOrigin.String(), Omit.String(), Include.String(), ModeCORS.String(), ModeNoCORS.String(),
		ModeSameOrigin.String(), RedirectFollow.String(), RedirectError.String(), RedirectManual.String()}
	want := "same-origin omit include cors no-cors same-origin follow error manual"
	if strings.Join(got, " ") != want {
		t.Errorf("got %v", got)
	}
}

func TestTransportGzip(t *testing.T) {
	a := newAPI(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Expose-Headers", "Content-Encoding")
		if r.Header.Get("Accept-Encoding") != "gzip" {
			_, _ = io.WriteString(w, "plain")
			return
		}
		var buf strings.Builder
		zw := gzip.NewWriter(&buf)
		_, _ = io.WriteString(zw, "decoded")
		_ = zw.Close()
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
		_, _ = io.WriteString(w, buf.String())
	})
	resp, err := do(t, &Transport{Origin: page}, "GET", a.URL+"/z", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil || string(b) != "decoded" {
		t.Fatalf("body %q, %v", b, err)
	}
	// Like Chromium, script sees the encoded length and the encoding.
	if resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("Content-Length") == "" || resp.Header.Get("Content-Length") == "7" {
		t.Errorf("headers %v", resp.Header)
	}
}

func TestTransportFragment(t *testing.T) {
	a := newAPI(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", page)
		switch {
		case r.Method == http.MethodOptions:
			w.Header().Set("Access-Control-Allow-Methods", "PUT")
			w.Header().Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
		case r.URL.Path == "/r":
			http.Redirect(w, r, "/s", http.StatusFound)
		}
	})
	tr := &Transport{Origin: page}
	for _, frag := range []string{"#one", "#one", "#two"} {
		if _, err := do(t, tr, "PUT", a.URL+"/a"+frag, nil); err != nil {
			t.Fatal(err)
		}
	}
	// The fragment is part of the cache key, never of the request line.
	if got := strings.Join(a.requests(), ","); got != "OPTIONS /a,PUT /a,PUT /a,OPTIONS /a,PUT /a" {
		t.Errorf("requests %s", got)
	}
	resp, err := do(t, tr, "GET", a.URL+"/r#keep", nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Request.URL.String() != a.URL+"/s#keep" {
		t.Errorf("final URL %s, want the fragment carried over the redirect", resp.Request.URL)
	}
}

// Chromium names DisallowedByMode (in the DevTools Issues panel) when a
// same-origin-mode fetch goes to another origin; the Transport returned an
// empty Reason.
func TestTransportSameOriginModeToOtherOriginIsDisallowedByMode(t *testing.T) {
	a := newAPI(t, allowAll(""))
	_, err := do(t, &Transport{Origin: page, Mode: ModeSameOrigin}, "GET", a.URL+"/x", nil)
	e := asError(t, err)
	if e.Reason != DisallowedByMode || e.ReachedServer || e.NetError != "" || e.Fix.Advice == "" || e.URL != a.URL+"/x" {
		t.Errorf("%+v", e)
	}
	if !strings.HasPrefix(e.Message, "Fetch API cannot load "+a.URL+"/x. Request mode is \"same-origin\"") {
		t.Errorf("Message = %q", e.Message)
	}
	if len(e.Trace) != 1 || e.Trace[0].Kind != StepBlocked || e.Trace[0].Reason != DisallowedByMode {
		t.Errorf("Trace = %v", e.Trace)
	}
	if got := a.requests(); len(got) != 0 {
		t.Errorf("requests = %v", got)
	}
}

// Chromium names NoCorsRedirectModeNotFollow (in the DevTools Issues panel)
// when a no-cors fetch asks for a redirect mode other than follow; the
// Transport returned an empty Reason.
func TestTransportNoCORSWithoutRedirectFollowIsNoCorsRedirectModeNotFollow(t *testing.T) {
	a := newAPI(t, allowAll(""))
	for _, mode := range []RedirectMode{RedirectManual, RedirectError} {
		_, err := do(t, &Transport{Origin: page, Mode: ModeNoCORS, Redirect: mode}, "GET", a.URL+"/x", nil)
		e := asError(t, err)
		if e.Reason != NoCorsRedirectModeNotFollow || e.ReachedServer || e.NetError != "" || e.Fix.Advice == "" {
			t.Errorf("%v: %+v", mode, e)
		}
	}
	if got := a.requests(); len(got) != 0 {
		t.Errorf("requests = %v", got)
	}
}

// fetch() refuses a header value with a character above U+00FF (it cannot
// be a ByteString); the Transport sent it.
func TestTransportRefusesHeaderValueOutsideLatin1(t *testing.T) {
	a := newAPI(t, allowAll(""))
	_, err := do(t, &Transport{Origin: page}, "GET", a.URL+"/x", nil, "X-Name", "€uro")
	e := asError(t, err)
	if e.Reason != "" || e.ReachedServer || !strings.Contains(e.Message, "ISO-8859-1") {
		t.Errorf("%+v", e)
	}
	if got := a.requests(); len(got) != 0 {
		t.Errorf("requests = %v", got)
	}
	// U+00E9 is Latin-1: fetch() sends it (its preflight, here).
	if _, err := do(t, &Transport{Origin: page}, "GET", a.URL+"/x", nil, "X-Name", "café"); err != nil && strings.Contains(err.Error(), "ISO-8859-1") {
		t.Errorf("é refused: %v", err)
	}
	if got := a.requests(); len(got) == 0 {
		t.Error("é refused before sending")
	}
}

// Every engine blocks an https page's fetch of an http URL that is not
// loopback (mixed content); the Transport sent it.
func TestTransportBlocksMixedContent(t *testing.T) {
	a := newAPI(t, allowAll(""))
	// Any host name reaches the test server.
	base := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, strings.TrimPrefix(a.URL, "http://"))
	}}
	defer base.CloseIdleConnections()
	tr := &Transport{Origin: "https://app.example.com", Base: base}
	_, err := do(t, tr, "GET", "http://api.example.com/x", nil)
	e := asError(t, err)
	if !e.mixed || e.Reason != "" || e.ReachedServer || !strings.Contains(e.Message, "Mixed Content") {
		t.Errorf("%+v", e)
	}
	if got := a.requests(); len(got) != 0 {
		t.Errorf("requests = %v", got)
	}
	// Loopback is potentially trustworthy: no mixed content.
	if _, err := do(t, tr, "GET", "http://localhost/x", nil); err != nil && strings.Contains(err.Error(), "Mixed Content") {
		t.Errorf("localhost: %v", err)
	}
	// An http page is not mixed content either.
	if _, err := do(t, &Transport{Origin: "http://app.example.com", Base: base}, "GET", "http://api.example.com/x", nil); err != nil && strings.Contains(err.Error(), "Mixed Content") {
		t.Errorf("http page: %v", err)
	}
}
