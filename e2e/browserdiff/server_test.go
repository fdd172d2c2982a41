package browserdiff

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// fixedDate is the Date of every scripted response that sets none.
const fixedDate = "Mon, 02 Jan 2006 15:04:05 GMT"

// The hosts of the test. All of them resolve to 127.0.0.1, in Chromium
// through the harness's host-resolver rules and in Go through the Base
// transport of runOurs. app and api are distinct origins of one site, so
// that a cookie of api (SameSite=Lax by default) goes along with a
// credentialed fetch from app on both sides; other is a third origin of
// the same site; evil.test is another site.
const (
	appHost   = "app.example.test"
	apiHost   = "api.example.test"
	otherHost = "other.example.test"
	siteHost  = "evil.test" // another site
)

// reply is a scripted response.
type reply struct {
	Status int
	Header [][2]string // in order; a repeated name is sent as repeated lines
	Gzip   bool        // send the body gzip-compressed, with Content-Encoding and Content-Length
}

// route scripts one URL of a case: Pre answers preflights (OPTIONS with
// Access-Control-Request-Method), Act every other request. A nil reply
// answers 404.
type route struct {
	Pre, Act *reply
}

// hit is one request as the server saw it.
type hit struct {
	Preflight bool
	Method    string
	Host      string // named by hostName
	Hop       string
	Origin    string // "-" when absent
	ACRM      string
	ACRH      string
	Cookies   string   // names of the cookies that came along, sorted, comma-separated
	Sent      []string // names of the case's own request headers that arrived with a value the case gave
}

func (h hit) String() string {
	var b strings.Builder
	if h.Preflight {
		b.WriteString("preflight ")
	}
	fmt.Fprintf(&b, "%s %s/%s origin=%s", h.Method, h.Host, h.Hop, h.Origin)
	if h.Preflight {
		fmt.Fprintf(&b, " acrm=%q acrh=%q", h.ACRM, h.ACRH)
	} else if h.ACRM != "" || h.ACRH != "" {
		fmt.Fprintf(&b, " acrm=%q acrh=%q", h.ACRM, h.ACRH)
	}
	if h.Cookies != "" {
		b.WriteString(" cookies=" + h.Cookies)
	}
	if len(h.Sent) > 0 {
		b.WriteString(" sent=" + strings.Join(h.Sent, ","))
	}
	return b.String()
}

// server is the one loopback server of the test. It serves the pages at
// /page (and /page-null, sandboxed, whose origin is opaque), sets the
// cookie at /setcookie, and answers /x/{run}/{case}/{hop} as the case
// scripts it, logging every request there under {run}/{case}.
type server struct {
	port  int
	port2 int // a second port, for origins that differ by port alone
	cases map[string]*tcase
	// engine and ours name the runs of the two sides in URLs: the real
	// browser's and the model's. They are new for every server, because a
	// browser's cookies (which ignore the port) outlive a test in the
	// shared browser, with -count=2 say.
	engine, ours string

	mu  sync.Mutex
	log map[string][]hit
}

// serverSeq numbers the servers of a test binary.
var serverSeq atomic.Int64

// startServer starts the server for a run of the cases in the engine
// named (chromium, firefox, webkit).
func startServer(t testing.TB, cases []*tcase, engine string) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	seq := serverSeq.Add(1)
	s := &server{
		engine: fmt.Sprintf("%s%d", engine, seq),
		ours:   fmt.Sprintf("go%d", seq),
		port:   ln.Addr().(*net.TCPAddr).Port,
		port2:  ln2.Addr().(*net.TCPAddr).Port,
		cases:  make(map[string]*tcase, len(cases)),
		log:    make(map[string][]hit),
	}
	for _, c := range cases {
		if s.cases[c.Name] != nil {
			t.Fatalf("duplicate case name %q", c.Name)
		}
		s.cases[c.Name] = c
	}
	srv := &http.Server{Handler: s}
	go func() { _ = srv.Serve(ln) }()
	go func() { _ = srv.Serve(ln2) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// origin returns the serialization of the origin of host.
func (s *server) origin(host string) string {
	return "http://" + host + ":" + strconv.Itoa(s.port)
}

// origin2 returns the serialization of the origin of host on the second
// port.
func (s *server) origin2(host string) string {
	return "http://" + host + ":" + strconv.Itoa(s.port2)
}

// hostName names the host (and port) a request went to, for the log.
func (s *server) hostName(hostport string) string {
	for _, h := range []struct{ origin, name string }{
		{s.origin(appHost), "app"}, {s.origin(apiHost), "api"}, {s.origin2(apiHost), "api2"},
		{s.origin(otherHost), "other"}, {s.origin(siteHost), "evil"},
	} {
		if "http://"+hostport == h.origin {
			return h.name
		}
	}
	return hostport
}

// pageURL returns the URL of the page kind p.
func (s *server) pageURL(p page) string {
	switch p {
	case pageSame:
		return s.origin(apiHost) + "/page"
	case pageNull:
		return s.origin(appHost) + "/page-null"
	case pageSite:
		return s.origin(siteHost) + "/page"
	default:
		return s.origin(appHost) + "/page"
	}
}

// pageOrigin returns the origin of the page kind p as fetch serializes it.
func (s *server) pageOrigin(p page) string {
	switch p {
	case pageSame:
		return s.origin(apiHost)
	case pageNull:
		return "null"
	case pageSite:
		return s.origin(siteHost)
	default:
		return s.origin(appHost)
	}
}

// caseURL returns the URL of a hop of a case in a run.
func (s *server) caseURL(run, name, hop string) string {
	return s.origin(apiHost) + "/x/" + run + "/" + name + "/" + hop
}

// hits returns the requests the server saw for a case in a run.
func (s *server) hits(run, name string) []hit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]hit(nil), s.log[run+"/"+name]...)
}

// ServeHTTP serves the pages and answers the cases as scripted.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/page":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = fmt.Fprint(w, "<!doctype html><title>page</title>")
		return
	case "/page-null":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "sandbox allow-scripts")
		_, _ = fmt.Fprint(w, "<!doctype html><title>null</title>")
		return
	case "/setcookie":
		w.Header().Set("Set-Cookie", "sid=1; Path=/x")
		_, _ = fmt.Fprint(w, "<!doctype html><title>cookie</title>")
		return
	}
	parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/x/"), "/", 3)
	if !strings.HasPrefix(r.URL.Path, "/x/") || len(parts) != 3 {
		http.NotFound(w, r)
		return
	}
	run, name, hop := parts[0], parts[1], parts[2]
	c := s.cases[name]
	if c == nil {
		http.NotFound(w, r)
		return
	}
	h := hit{
		Method: r.Method,
		Host:   s.hostName(r.Host),
		Hop:    hop,
		Origin: "-",
		ACRM:   r.Header.Get("Access-Control-Request-Method"),
		ACRH:   strings.Join(r.Header.Values("Access-Control-Request-Headers"), "|"),
	}
	if r.URL.RawQuery != "" {
		h.Hop += "?" + r.URL.RawQuery
	}
	if o := r.Header.Values("Origin"); len(o) > 0 {
		h.Origin = strings.Join(o, "|")
	}
	var names []string
	for _, ck := range r.Cookies() {
		names = append(names, ck.Name)
	}
	sort.Strings(names)
	h.Cookies = strings.Join(names, ",")
	h.Sent = c.sentHeaders(r.Header)
	h.Preflight = r.Method == http.MethodOptions && len(r.Header.Values("Access-Control-Request-Method")) > 0
	s.mu.Lock()
	s.log[run+"/"+name] = append(s.log[run+"/"+name], h)
	s.mu.Unlock()

	rt, ok := c.Routes[hop]
	if !ok {
		http.NotFound(w, r)
		return
	}
	rp := rt.Act
	if h.Preflight {
		rp = rt.Pre
	}
	if rp == nil {
		http.NotFound(w, r)
		return
	}
	vars := strings.NewReplacer(
		"{origin}", s.pageOrigin(c.Page),
		"{reqorigin}", r.Header.Get("Origin"), // echo the request's Origin
		"{app}", s.origin(appHost),
		"{api2}", s.origin2(apiHost),
		"{api}", s.origin(apiHost),
		"{other}", s.origin(otherHost),
		"{port}", strconv.Itoa(s.port),
		"{path}", "/x/"+run+"/"+name,
		"{acrm}", h.ACRM, // echo the preflight's question
		"{acrh}", h.ACRH,
	)
	for _, kv := range rp.Header {
		w.Header()[http.CanonicalHeaderKey(kv[0])] = append(w.Header()[http.CanonicalHeaderKey(kv[0])], vars.Replace(kv[1]))
	}
	if w.Header().Get("Date") == "" {
		// A fixed date keeps results free of the clock.
		w.Header().Set("Date", fixedDate)
	}
	if !h.Preflight && w.Header().Get("Cache-Control") == "" {
		// Neither side may answer a later step from an HTTP cache.
		w.Header().Set("Cache-Control", "no-store")
	}
	status := rp.Status
	if status == 0 {
		status = http.StatusOK
	}
	body := []byte("ok")
	if rp.Gzip {
		body = gzipped
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	}
	w.WriteHeader(status)
	if !h.Preflight && r.Method != http.MethodHead && status != http.StatusNoContent && status != http.StatusNotModified {
		_, _ = w.Write(body)
	}
}

// gzipped is the body "ok", gzip-compressed.
var gzipped = func() []byte {
	var b bytes.Buffer
	z := gzip.NewWriter(&b)
	_, _ = z.Write([]byte("ok"))
	_ = z.Close()
	return b.Bytes()
}()

// sentHeaders lists, lower-case and sorted, the names of the request
// headers of the case's steps that arrived carrying one of the values the
// case gave them, so that dropped forbidden headers show. Values compare
// without regard to case and spaces. Range is left out: below fetch,
// Chromium's HTTP cache rewrites a Range it parses ("BYTES = 0-1" arrives
// as "bytes=0-1") and drops some it cannot ("bytes=0-1,"), which is no
// business of CORS.
func (c *tcase) sentHeaders(got http.Header) []string {
	var names []string
	seen := make(map[string]bool)
	for _, s := range c.steps() {
		for _, kv := range s.Header {
			name := strings.ToLower(kv[0])
			if seen[name] || name == "range" {
				continue
			}
			for _, v := range got.Values(kv[0]) {
				if strings.Contains(squash(v), squash(kv[1])) && (kv[1] != "" || v == "") {
					seen[name] = true
					names = append(names, name)
					break
				}
			}
		}
	}
	sort.Strings(names)
	return names
}

// squash lower-cases s and drops its spaces.
func squash(s string) string {
	return strings.ToLower(strings.ReplaceAll(s, " ", ""))
}

// shorten names the origins of the test's hosts by host alone and the
// run by "{run}", so that a text from either side, from any run, compares.
func (s *server) shorten(text string) string {
	return strings.NewReplacer(
		// The second port first: the first may be a prefix of it.
		s.origin2(apiHost), "api2", s.origin(appHost), "app", s.origin(apiHost), "api", s.origin(otherHost), "other", s.origin(siteHost), "evil",
		"/x/"+s.engine+"/", "/x/{run}/", "/x/"+s.ours+"/", "/x/{run}/",
		":"+strconv.Itoa(s.port2), ":{port2}", ":"+strconv.Itoa(s.port), ":{port}",
	).Replace(text)
}

// renderHits renders hits in the order the server saw them, with the
// origins of the test's hosts named by host alone so that results do not
// depend on the port.
func (s *server) renderHits(hs []hit) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = s.shorten(h.String())
	}
	return out
}

// sortHeaders sorts "name: value" lines by name.
func sortHeaders(lines []string) []string {
	sort.Strings(lines)
	return lines
}
