package browser

import (
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseEngine(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Engine
	}{
		{"chromium", Chromium}, {"Chrome", Chromium}, {"firefox", Firefox}, {" Gecko ", Firefox},
		{"webkit", WebKit}, {"Safari", WebKit},
	} {
		got, err := ParseEngine(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseEngine(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	if _, err := ParseEngine("trident"); err == nil || !strings.Contains(err.Error(), "chromium, firefox or webkit") {
		t.Errorf("ParseEngine(trident) error = %v, want one naming the engines", err)
	}
	for _, e := range Engines() {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		var back Engine
		if err := json.Unmarshal(b, &back); err != nil || back != e {
			t.Errorf("%v: JSON %s came back as %v, %v", e, b, back, err)
		}
	}
	if _, err := Engine(7).MarshalText(); err == nil {
		t.Error("Engine(7).MarshalText: no error")
	}
}

// clock is a fake clock for the preflight cache.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// preflights counts the preflights among the requests seen.
func preflights(reqs []string) int {
	n := 0
	for _, r := range reqs {
		if strings.HasPrefix(r, "OPTIONS ") {
			n++
		}
	}
	return n
}

// TestEngineMaxAgeCaps shows each engine's cap on Access-Control-Max-Age
// with a fake clock: 86400 seconds are 2 hours in Chromium, 24 hours in
// Firefox and 10 minutes in WebKit.
func TestEngineMaxAgeCaps(t *testing.T) {
	for _, tc := range []struct {
		e   Engine
		cap time.Duration
	}{
		{Chromium, 2 * time.Hour},
		{Firefox, 24 * time.Hour},
		{WebKit, 10 * time.Minute},
	} {
		t.Run(tc.e.String(), func(t *testing.T) {
			if got := tc.e.MaxAgeCap(); got != tc.cap {
				t.Errorf("MaxAgeCap = %v, want %v", got, tc.cap)
			}
			a := newAPI(t, allowAll("86400"))
			c := &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
			tr := &Transport{Origin: page, Engine: tc.e, Now: c.Now}
			put := func() {
				t.Helper()
				if _, err := do(t, tr, "PUT", a.URL+"/p", strings.NewReader("x")); err != nil {
					t.Fatal(err)
				}
			}
			put()
			c.advance(tc.cap - time.Second)
			put()
			if n := preflights(a.requests()); n != 1 {
				t.Errorf("%d preflights within %v, want 1 (cached)", n, tc.cap)
			}
			c.advance(2 * time.Second)
			put()
			if n := preflights(a.requests()); n != 2 {
				t.Errorf("%d preflights after %v, want 2 (expired)", n, tc.cap)
			}
		})
	}
}

// TestEngineMaxAgeParse checks how long each engine caches a preflight for
// the Access-Control-Max-Age values where they differ.
func TestEngineMaxAgeParse(t *testing.T) {
	s := func(v string) *string { return &v }
	for _, tc := range []struct {
		v                         *string
		chromium, firefox, webkit time.Duration
	}{
		{nil, 5 * time.Second, 5 * time.Second, 5 * time.Second},
		{s(" "), 5 * time.Second, 5 * time.Second, 5 * time.Second},
		{s("600"), 600 * time.Second, 600 * time.Second, 600 * time.Second},
		{s("86400"), 2 * time.Hour, 24 * time.Hour, 10 * time.Minute},
		{s("99999999999999999999"), 5 * time.Second, 24 * time.Hour, 5 * time.Second},
		{s("abc"), 5 * time.Second, 0, 5 * time.Second},
		{s("1.5"), 5 * time.Second, 0, 5 * time.Second},
		{s("+600"), 600 * time.Second, 0, 600 * time.Second},
		{s("600, 600"), 5 * time.Second, 0, 5 * time.Second},
		{s("-1"), 0, 0, 0},
		{s("0"), 0, 0, 0},
	} {
		for e, want := range map[Engine]time.Duration{Chromium: tc.chromium, Firefox: tc.firefox, WebKit: tc.webkit} {
			if got := e.parseMaxAge(tc.v); got != want {
				v := "absent"
				if tc.v != nil {
					v = *tc.v
				}
				t.Errorf("%v: Max-Age %q caches %v, want %v", e, v, got, want)
			}
		}
	}
}

// TestEngineFirefoxNoCacheForGarbageMaxAge is the Transport side of
// case cache-garbage: Firefox preflights again, the others use the cache.
func TestEngineFirefoxNoCacheForGarbageMaxAge(t *testing.T) {
	for e, want := range map[Engine]int{Chromium: 1, Firefox: 2, WebKit: 1} {
		a := newAPI(t, allowAll("abc"))
		tr := &Transport{Origin: page, Engine: e}
		for range 2 {
			if _, err := do(t, tr, "PUT", a.URL+"/p", strings.NewReader("x")); err != nil {
				t.Fatal(err)
			}
		}
		if n := preflights(a.requests()); n != want {
			t.Errorf("%v: %d preflights, want %d", e, n, want)
		}
	}
}

func TestEngineIsSafelisted(t *testing.T) {
	for _, tc := range []struct {
		name                      string
		h                         http.Header
		chromium, firefox, webkit []string // unsafe names; nil means safelisted
	}{
		{"client hint", http.Header{"Dpr": {"2"}}, nil, []string{"dpr"}, []string{"dpr"}},
		{"intervention", http.Header{"Intervention": {"x"}}, nil, []string{"intervention"}, []string{"intervention"}},
		{"user agent", http.Header{"User-Agent": {"x"}}, nil, []string{"user-agent"}, []string{"user-agent"}},
		{"range upper case", http.Header{"Range": {"BYTES=0-1"}}, []string{"range"}, []string{"range"}, nil},
		{"repeated accept", http.Header{"Accept": {strings.Repeat("a", 100), strings.Repeat("a", 100)}}, []string{"accept"}, nil, []string{"accept"}},
		{"repeated custom", http.Header{"X-A": {"1", "2"}}, []string{"x-a"}, []string{"x-a", "x-a"}, []string{"x-a"}},
		{"plain", http.Header{"Accept": {"text/plain"}}, nil, nil, nil},
	} {
		for e, want := range map[Engine][]string{Chromium: tc.chromium, Firefox: tc.firefox, WebKit: tc.webkit} {
			ok, got := e.IsSafelisted("GET", tc.h)
			if ok != (want == nil) || !reflect.DeepEqual(got, want) {
				t.Errorf("%s: %v.IsSafelisted = %v, %q; want %q", tc.name, e, ok, got, want)
			}
		}
	}
	// The package function is Chromium's.
	if ok, _ := IsSafelisted("GET", http.Header{"Dpr": {"2"}}); !ok {
		t.Error("IsSafelisted: DPR needs a preflight; Chromium safelists it")
	}
}

func TestEngineErrorNames(t *testing.T) {
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			out.Add(kv[i], kv[i+1])
		}
		return out
	}
	const acao = "Access-Control-Allow-Origin"
	for _, tc := range []struct {
		name      string
		h         http.Header
		status    int
		reason    Reason
		key, text string
	}{
		{"missing", h(), 500, MissingAllowOriginHeader, "CORSMissingAllowOrigin2", "(Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 500."},
		{"mismatch", h(acao, "http://other.example"), 200, AllowOriginMismatch, "CORSAllowOriginNotMatchingOrigin", "does not match ‘http://other.example’"},
		{"list", h(acao, page+", "+page), 200, MultipleAllowOriginValues, "CORSAllowOriginNotMatchingOrigin", "does not match ‘http://app.example, http://app.example’"},
		{"repeated", h(acao, page, acao, page), 200, MultipleAllowOriginValues, "CORSMultipleAllowOriginNotAllowed", "Multiple CORS header"},
		{"wildcard", h(acao, "*"), 200, WildcardOriginNotAllowed, "CORSNotSupportingCredentials", "Credential is not supported"},
	} {
		creds := tc.name == "wildcard"
		ch := Chromium.CheckResponse(page, creds, tc.status, tc.h)
		ff := Firefox.CheckResponse(page, creds, tc.status, tc.h)
		wk := WebKit.CheckResponse(page, creds, tc.status, tc.h)
		for _, e := range []*Error{ch, ff, wk} {
			if e == nil || e.Reason != tc.reason {
				t.Fatalf("%s: %+v, want Reason %s in every engine", tc.name, e, tc.reason)
			}
		}
		if ch.EngineReason != string(tc.reason) || ch.EngineMessage != ch.Message || ch.Engine != Chromium {
			t.Errorf("%s: Chromium names it %q %q", tc.name, ch.EngineReason, ch.EngineMessage)
		}
		if ff.EngineReason != tc.key || !strings.Contains(ff.EngineMessage, tc.text) || ff.Error() != ff.EngineMessage {
			t.Errorf("%s: Firefox names it %q %q, want %q with %q", tc.name, ff.EngineReason, ff.EngineMessage, tc.key, tc.text)
		}
		if wk.EngineReason != "" || wk.Engine != WebKit || wk.Error() != wk.Message {
			t.Errorf("%s: WebKit names it %q", tc.name, wk.EngineReason)
		}
	}
	e := Firefox.CheckPreflight(page, false, "PUT", []string{"x-a"}, 204, h(acao, page, "Access-Control-Allow-Methods", "PUT"))
	if e == nil || e.Reason != HeaderDisallowedByPreflightResponse || e.EngineReason != "CORSMissingAllowHeaderFromPreflight2" || !strings.Contains(e.EngineMessage, "header ‘x-a’ is not allowed") {
		t.Errorf("Firefox.CheckPreflight = %+v", e)
	}
	e = Firefox.CheckPreflight(page, false, "PUT", nil, 204, h(acao, page, "Access-Control-Allow-Methods", "GET, P UT"))
	if e == nil || e.EngineReason != "CORSInvalidAllowMethod" || !strings.Contains(e.EngineMessage, "invalid token ‘P UT’") {
		t.Errorf("Firefox.CheckPreflight, bad token = %+v", e)
	}
}

// TestEngineTypeErrors checks the TypeError texts of failures that are no
// CORS errors, in each engine's words.
func TestEngineTypeErrors(t *testing.T) {
	for e, want := range map[Engine]string{
		Chromium: "TypeError: Failed to execute 'fetch' on 'Window': 'TRACE' HTTP method is unsupported.",
		Firefox:  "TypeError: Window.fetch: Invalid request method TRACE.",
	} {
		_, err := do(t, &Transport{Origin: page, Engine: e}, "TRACE", "http://127.0.0.1:1/", nil)
		if ce := asError(t, err); ce.Message != want {
			t.Errorf("%v: %q, want %q", e, ce.Message, want)
		}
	}
	for e, want := range map[Engine]string{
		Chromium: "TypeError: Failed to fetch (",
		Firefox:  "TypeError: NetworkError when attempting to fetch resource. (",
		WebKit:   "TypeError: Load failed (",
	} {
		_, err := do(t, &Transport{Origin: page, Engine: e}, "GET", "http://127.0.0.1:1/", nil)
		ce := asError(t, err)
		if !strings.HasPrefix(ce.Message, want) || !ce.Unreachable {
			t.Errorf("%v: %q, want it to start with %q", e, ce.Message, want)
		}
		if e == Firefox && ce.EngineReason != "CORSDidNotSucceed2" {
			t.Errorf("Firefox names an unreachable server %q, want CORSDidNotSucceed2", ce.EngineReason)
		}
	}
}

// TestEngineCookies checks which cookies go along from a cross-site page
// and which the response may set, by engine.
func TestEngineCookies(t *testing.T) {
	a := newAPI(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		w.Header().Set("Set-Cookie", "c2=1; Path=/")
	})
	u, _ := url.Parse(a.URL)
	for _, tc := range []struct {
		e      Engine
		origin string
		// what the server sees on the first and the second request
		first, second string
	}{
		// Chromium: a cookie without SameSite is Lax.
		{Chromium, "http://evil.example", "", ""},
		// Firefox: None, but a cross-site request has a jar of its own.
		{Firefox, "http://evil.example", "", "c2=1"},
		{Firefox, "null", "", "c2=1"},
		// WebKit: None, and only the page's own host may set cookies.
		{WebKit, "http://evil.example", "sid=1", "sid=1"},
		{WebKit, "null", "sid=1", "sid=1"},
	} {
		jar, _ := cookiejar.New(nil)
		jar.SetCookies(u, []*http.Cookie{{Name: "sid", Value: "1", Path: "/"}})
		tr := &Transport{Origin: tc.origin, Credentials: Include, Jar: jar, Engine: tc.e}
		var got []string
		for range 2 {
			if _, err := do(t, tr, "GET", a.URL+"/c", nil); err != nil {
				t.Fatal(err)
			}
			got = append(got, a.last().Header.Get("Cookie"))
		}
		if got[0] != tc.first || got[1] != tc.second {
			t.Errorf("%v from %s: server saw cookies %q, want %q", tc.e, tc.origin, got, []string{tc.first, tc.second})
		}
		if n := len(jar.Cookies(u)); n != 1 {
			t.Errorf("%v from %s: the page's jar has %d cookies, want only sid", tc.e, tc.origin, n)
		}
	}
}
