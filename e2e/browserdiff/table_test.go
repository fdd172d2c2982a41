package browserdiff

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// page is where a case's fetch runs.
type page int

const (
	pageCross page = iota // http://app.example.test: cross-origin, same site
	pageSame              // http://api.example.test: same origin as the API
	pageNull              // a sandboxed page on app: the opaque origin "null"
	pageSite              // http://evil.test: cross-site
)

func (p page) String() string {
	return [...]string{"app", "same", "null", "evil"}[p]
}

// step is one fetch(url, init) of a case. Empty fields leave fetch's
// defaults (GET, same-origin credentials, cors mode, follow).
type step struct {
	Hop         string // the URL under the case, maybe with a query or fragment; "" means "a"
	UserInfo    string // user:password put in the URL
	Target      string // the API's origin: "" for api, "api2" for api on the second port, "other"
	From        *page  // the page of this step, when not the case's
	Method      string
	Header      [][2]string   // init.headers, a sequence of name, value pairs
	Body        string        // "" means no body
	Credentials string        // omit, same-origin, include
	Mode        string        // cors, no-cors, same-origin
	Redirect    string        // follow, error, manual
	Wait        time.Duration // pause before the fetch, to let a preflight cache entry expire
}

func (s step) hop() string {
	if s.Hop == "" {
		return "a"
	}
	return s.Hop
}

// route is the hop without its query and fragment: the key of its route.
func (s step) route() string {
	r, _, _ := strings.Cut(s.hop(), "#")
	r, _, _ = strings.Cut(r, "?")
	return r
}

// url is the URL the step fetches in a run.
func (s step) url(srv *server, run, name string) string {
	u := srv.caseURL(run, name, s.hop())
	switch s.Target {
	case "api2":
		u = strings.Replace(u, srv.origin(apiHost), srv.origin2(apiHost), 1)
	case "other":
		u = strings.Replace(u, srv.origin(apiHost), srv.origin(otherHost), 1)
	}
	if s.UserInfo != "" {
		u = strings.Replace(u, "://", "://"+s.UserInfo+"@", 1)
	}
	return u
}

func (s step) String() string {
	var b strings.Builder
	m := s.Method
	if m == "" {
		m = "GET"
	}
	t := s.Target
	if t == "" {
		t = "api"
	}
	b.WriteString(m + " " + t + "/" + s.hop())
	if s.From != nil {
		b.WriteString(" from " + s.From.String())
	}
	if s.UserInfo != "" {
		b.WriteString(" with " + s.UserInfo + "@ in the URL")
	}
	for _, kv := range s.Header {
		fmt.Fprintf(&b, " %s:%q", kv[0], kv[1])
	}
	if s.Body != "" {
		fmt.Fprintf(&b, " body=%q", s.Body)
	}
	if s.Wait > 0 {
		b.WriteString(" after " + s.Wait.String())
	}
	for _, f := range []string{s.Credentials, s.Mode, s.Redirect} {
		if f != "" {
			b.WriteString(" " + f)
		}
	}
	return b.String()
}

// tcase is one row of the table: fetches from a page, and the server's
// scripted answers for each URL of the case.
type tcase struct {
	Name   string // unique; also the URL path segment
	Page   page
	Steps  []step           // none means one plain GET of "a"
	Routes map[string]route // by hop
	Note   string           // where Chromium departs from the Fetch standard
}

// pageOf returns the page step s runs in.
func (c *tcase) pageOf(s step) page {
	if s.From != nil {
		return *s.From
	}
	return c.Page
}

func (c *tcase) steps() []step {
	if len(c.Steps) == 0 {
		return []step{{}}
	}
	return c.Steps
}

// waits returns how long the case pauses between its fetches.
func (c *tcase) waits() time.Duration {
	var d time.Duration
	for _, s := range c.steps() {
		d += s.Wait
	}
	return d
}

// describe renders the request and the script of a case for reports.
func (c *tcase) describe() string {
	var parts []string
	for _, s := range c.steps() {
		parts = append(parts, s.String())
	}
	b := "from " + c.Page.String() + ": " + strings.Join(parts, ", then ")
	hops := make([]string, 0, len(c.Routes))
	for h := range c.Routes {
		hops = append(hops, h)
	}
	sort.Strings(hops)
	for _, h := range hops {
		r := c.Routes[h]
		if r.Pre != nil {
			b += fmt.Sprintf("; /%s preflight %s", h, r.Pre)
		}
		if r.Act != nil {
			b += fmt.Sprintf("; /%s %s", h, r.Act)
		}
	}
	return b
}

func (r *reply) String() string {
	s := fmt.Sprint(r.statusCode())
	if r.Gzip {
		s += " gzip"
	}
	for _, kv := range r.Header {
		s += fmt.Sprintf(" %s:%q", kv[0], kv[1])
	}
	return s
}

func (r *reply) statusCode() int {
	if r.Status == 0 {
		return 200
	}
	return r.Status
}

// Header names, short, for the table.
const (
	ACAO = "Access-Control-Allow-Origin"
	ACAC = "Access-Control-Allow-Credentials"
	ACAM = "Access-Control-Allow-Methods"
	ACAH = "Access-Control-Allow-Headers"
	ACEH = "Access-Control-Expose-Headers"
	ACMA = "Access-Control-Max-Age"
	O    = "{origin}" // the page's origin, as fetch sends it
)

// R is a reply with a status and name, value pairs.
func R(status int, kv ...string) *reply {
	if len(kv)%2 != 0 {
		panic("R: odd number of header strings")
	}
	r := &reply{Status: status}
	for i := 0; i < len(kv); i += 2 {
		r.Header = append(r.Header, [2]string{kv[i], kv[i+1]})
	}
	return r
}

// H is a header list of name, value pairs.
func H(kv ...string) [][2]string { return R(0, kv...).Header }

// act scripts hop "a" with an actual response only.
func act(r *reply) map[string]route { return map[string]route{"a": {Act: r}} }

// pre scripts hop "a" with a preflight and an actual response.
func pre(p, a *reply) map[string]route { return map[string]route{"a": {Pre: p, Act: a}} }

// hops scripts several hops: alternately a hop name and its route.
func hops(kv ...any) map[string]route {
	m := make(map[string]route)
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1].(route)
	}
	return m
}

// one is a single fetch.
func one(s step) []step { return []step{s} }

// Common replies.
var (
	okO     = R(200, ACAO, O)               // actual, allowed for the page
	okOCred = R(200, ACAO, O, ACAC, "true") // actual, allowed with credentials
	okStar  = R(200, ACAO, "*")             // actual, allowed for anyone
	preAll  = R(204, ACAO, O, ACAM, "PUT, DELETE, PATCH, patch, FOO, foo, OPTIONS, CUSTOM", ACAH, "*", ACMA, "0")
)

// permissive answers any method and header (but Authorization) from the
// page, so that the case shows what goes on the wire.
func permissive() map[string]route { return pre(preAll, okO) }

// feed sends cases to the runners' work queue and closes it: the cases
// that wait first, so that others run meanwhile, then in order of page
// kind, so that tabs navigate rarely.
func feed(work chan<- *tcase, cases []*tcase) {
	sorted := append([]*tcase(nil), cases...)
	sort.SliceStable(sorted, func(i, j int) bool {
		if wi, wj := sorted[i].waits(), sorted[j].waits(); wi != wj {
			return wi > wj
		}
		return sorted[i].Page < sorted[j].Page
	})
	for _, c := range sorted {
		work <- c
	}
	close(work)
}
