package scan

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"mime"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/crossorigin/crossorigin/origin"
)

// facts are what every judgement of a target's results needs.
type facts struct {
	hsts    stsPolicy // the target's Strict-Transport-Security
	private bool      // the host is on a private network
}

// evaluate turns the results of r into findings, one per class.
func (r *run) evaluate() {
	base := r.results[0]
	f := facts{hsts: parseHSTS(base.header), private: isPrivateHost(r.target.name)}
	if r.url.Scheme != "https" {
		f.hsts = stsPolicy{} // browsers ignore it over plain HTTP
	}
	r.sensitive = r.compareAnonymous()
	r.findings = append(r.findings, causes(r.acceptances(f))...)
	r.invalidAllowOrigin()
	r.wildcard(f.private)
	r.missingVary()
	r.preflight()
	r.jsonp()
	r.findings = fold(r.findings)
}

// acceptances returns a finding for every probe whose origin the server
// accepted; special characters are grouped per trusted origin.
func (r *run) acceptances(f facts) []Finding {
	var out []Finding
	special := map[string][]*result{}
	var bases []string
	for _, res := range r.results {
		p := res.probe
		if !res.ok() || p.kind != kindSimple || p.class == "" {
			continue
		}
		if acao := res.header.Values("Access-Control-Allow-Origin"); len(acao) != 1 || acao[0] != p.origin {
			continue
		}
		if p.class == SpecialCharBypass {
			if _, ok := special[p.base]; !ok {
				bases = append(bases, p.base)
			}
			special[p.base] = append(special[p.base], res)
			continue
		}
		out = append(out, r.acceptance(res, p.browsers, f, ""))
	}
	for _, b := range bases {
		out = append(out, r.specialChars(special[b], f))
	}
	return out
}

// causes drops the findings that another one explains: a server that
// reflects everything also "accepts" the prefix probe, and one report of
// the cause is enough.
func causes(accepted []Finding) []Finding {
	fired := map[Class]bool{}
	for _, f := range accepted {
		fired[f.Class] = true
	}
	var out []Finding
	for _, f := range accepted {
		if !slices.ContainsFunc(classes[f.Class].explainedBy, func(c Class) bool { return fired[c] }) {
			out = append(out, f)
		}
	}
	return out
}

// fold merges the findings of one class into one: the most severe leads,
// and the evidence of the others follows its own.
func fold(fs []Finding) []Finding {
	var out []Finding
	index := map[Class]int{}
	for _, f := range fs {
		i, ok := index[f.Class]
		if !ok {
			index[f.Class] = len(out)
			out = append(out, f)
			continue
		}
		lead, other := out[i], f
		if other.Severity > lead.Severity {
			lead, other = other, lead
		}
		lead.MoreEvidence = append(append(lead.MoreEvidence, other.Evidence), other.MoreEvidence...)
		for _, b := range other.Browsers {
			if !slices.Contains(lead.Browsers, b) {
				lead.Browsers = append(lead.Browsers, b)
			}
		}
		slices.SortFunc(lead.Browsers, func(a, b string) int { return slices.Index(allBrowsers, a) - slices.Index(allBrowsers, b) })
		out[i] = lead
	}
	for i := range out {
		f := &out[i]
		if len(f.MoreEvidence) == 0 {
			continue
		}
		var origins []string
		for _, e := range f.MoreEvidence {
			origins = append(origins, orNone(e.Request.Headers["Origin"]))
		}
		f.Description += fmt.Sprintf(" %d more probe(s) showed the same: Origin %s (see the rest of the evidence).", len(origins), strings.Join(origins, ", "))
	}
	return out
}

// acceptance is the finding for a probe whose origin the server accepted.
func (r *run) acceptance(res *result, browsers []string, f facts, extra string) Finding {
	p := res.probe
	creds := checkResponse(p.origin, true, res.header) == ""
	covered := false
	if p.needs == needNetwork {
		if o, err := origin.Parse(p.origin); err == nil {
			covered = f.hsts.covers(r.target.name, o.Host)
		}
	}
	// Reading with the victim's cookies matters only if they change the
	// response; without the user's credentials the scan cannot tell.
	sev := severity(p.needs, creds && r.sensitive != sensitiveNo, browsers, f.private, covered)
	var b strings.Builder
	fmt.Fprintf(&b, "The server answered Origin: %s with Access-Control-Allow-Origin: %s", p.origin, p.origin)
	if creds {
		b.WriteString(" and Access-Control-Allow-Credentials: true, so a page on that origin can read this response with the victim's cookies.")
	} else {
		b.WriteString(" but without Access-Control-Allow-Credentials: true, so a page on that origin can read only what an anonymous request gets")
		if f.private {
			b.WriteString(", which still matters here: the host is on a private network.")
		} else {
			b.WriteString(".")
		}
	}
	if p.base != "" {
		fmt.Fprintf(&b, " That origin is a bypass of the check for %s, an origin the server trusts (it answers it with Access-Control-Allow-Origin: %s).", p.base, p.base)
	}
	fmt.Fprintf(&b, " Exploiting it needs %s.", p.needs)
	r.credentialNote(&b, creds)
	if covered {
		b.WriteString(" Strict-Transport-Security covers that host, which protects browsers that have visited it over HTTPS before.")
	}
	if extra != "" {
		b.WriteString(" " + extra)
	}
	b.WriteString(" " + classes[p.class].help)
	fd := r.finding(p.class, sev, res, b.String(), creds, browsers)
	fd.PoC = poc(p.origin, res.req.Method, res.req.URL.String(), creds)
	return fd
}

// credentialNote says what comparing the responses with and without the
// user's credentials showed.
func (r *run) credentialNote(b *strings.Builder, creds bool) {
	if !creds {
		return
	}
	switch r.sensitive {
	case sensitiveYes:
		b.WriteString(" The response changes with the credentials the scan was given, so it holds per-user data.")
	case sensitiveNo:
		b.WriteString(" The response is the same without the credentials the scan was given, so reading it with cookies gains little; severity lowered accordingly.")
	}
}

// poc returns a page that, served from origin (or, for null, from anywhere),
// reads the target with the victim's browser.
func poc(origin, method, target string, creds bool) string {
	mode := "omit"
	if creds {
		mode = "include"
	}
	u, _ := json.Marshal(target) // a JavaScript string literal
	m, _ := json.Marshal(method)
	script := fmt.Sprintf("fetch(%s,{method:%s,credentials:%q}).then(r=>r.text()).then(t=>", u, m, mode)
	if origin == "null" {
		inner := "<script>" + script + "parent.postMessage(t,'*'))</script>"
		return "<!-- Serve from any site: the sandboxed frame sends Origin: null. -->\n" +
			"<iframe sandbox=\"allow-scripts\" srcdoc=\"" + html.EscapeString(inner) + "\"></iframe>\n" +
			"<pre id=out></pre><script>onmessage=e=>{out.textContent=e.data}</script>\n"
	}
	return "<!-- Serve from " + origin + " -->\n<pre id=out></pre>\n<script>" + script + "{out.textContent=t})</script>\n"
}

// Whether the target's response depends on the user's credentials.
const (
	sensitiveUnknown = iota // no credentials given, or no comparison possible
	sensitiveYes
	sensitiveNo
)

// anonymous returns the result of the probe without the user's
// credentials, or nil.
func (r *run) anonymous() *result {
	i := slices.IndexFunc(r.results, func(res *result) bool { return res.probe.kind == kindAnonymous })
	if i < 0 {
		return nil
	}
	return r.results[i]
}

// compareAnonymous compares the baseline (with the user's credentials) with
// the anonymous probe.
func (r *run) compareAnonymous() int {
	base, anon := r.results[0], r.anonymous()
	if anon == nil || !base.ok() || !anon.ok() {
		return sensitiveUnknown
	}
	if base.status == anon.status && base.bodySum == anon.bodySum {
		return sensitiveNo
	}
	return sensitiveYes
}

// specialChars folds the special-character probes of one trusted origin
// that the server accepted into one finding, headed by the one the most
// browsers can send.
func (r *run) specialChars(rs []*result, f facts) Finding {
	var chars []string
	browsers := map[string]bool{}
	best := rs[0]
	for _, res := range rs {
		chars = append(chars, res.probe.char)
		for _, b := range res.probe.browsers {
			browsers[b] = true
		}
		if len(res.probe.browsers) > len(best.probe.browsers) {
			best = res
		}
	}
	var bs []string
	for _, b := range allBrowsers {
		if browsers[b] {
			bs = append(bs, b)
		}
	}
	fd := r.acceptance(best, best.probe.browsers, f,
		fmt.Sprintf("Characters accepted after the host: %s (browsers that can send one of them: %s).", strings.Join(chars, " "), strings.Join(bs, ", ")))
	for _, res := range rs {
		if res != best {
			fd.MoreEvidence = append(fd.MoreEvidence, evidence(res))
		}
	}
	fd.Browsers = bs
	return fd
}

// severity computes a finding's severity from the facts: what the attacker
// needs, whether the browser shares credentialed responses, which browsers
// can send the origin at all, where the host lives and whether HSTS
// shields it.
func severity(n needs, creds bool, browsers []string, private, hstsCovers bool) Severity {
	var s Severity
	switch n {
	case needNothing:
		s = Critical
	case needPublish:
		s = High
	case needNetwork, needSubdomain:
		s = Medium
	case needLocal, needOtherPort:
		s = Low
	default:
		return Info
	}
	if !creds {
		// Anonymous data is what any server could fetch itself, unless
		// the network position of the victim is what grants access.
		switch {
		case private:
			s = min(s, Medium)
		case n == needNothing || n == needPublish:
			s = Low
		default:
			s = Info
		}
	}
	if hstsCovers {
		s = s.lower(1)
	}
	switch {
	case slices.Contains(browsers, Chromium):
	case slices.Contains(browsers, Firefox):
		s = s.lower(1)
	default:
		s = s.lower(2)
	}
	return s
}

// invalidAllowOrigin reports the first Access-Control-Allow-Origin that no
// browser accepts.
func (r *run) invalidAllowOrigin() {
	for _, res := range r.results {
		p := res.probe
		if !res.ok() || (p.kind != kindSimple && p.kind != kindBaseline) {
			continue
		}
		values := res.header.Values("Access-Control-Allow-Origin")
		if len(values) == 0 || validAllowOrigin(values, p.origin) {
			continue
		}
		r.add(InvalidAllowOrigin, Info, res, fmt.Sprintf("The response to Origin: %s carries Access-Control-Allow-Origin: %s, which no browser accepts (%s)%s.",
			orNone(p.origin), strings.Join(values, " | "), checkResponse(p.origin, false, res.header), nearMiss(values, p.origin)), false)
		return
	}
}

// wildcard reports Access-Control-Allow-Origin: *, on any host: info for
// a public response, medium when the response looks private, with the
// reasons.
func (r *run) wildcard(private bool) {
	var res *result
	for _, x := range r.results {
		if !x.ok() || (x.probe.kind != kindSimple && x.probe.kind != kindBaseline) {
			continue
		}
		// Prefer a response to an Origin as the evidence.
		if acao := x.header.Values("Access-Control-Allow-Origin"); len(acao) == 1 && acao[0] == "*" && (res == nil || res.probe.kind == kindBaseline) {
			res = x
		}
	}
	switch {
	case res == nil:
		return
	case res.header.Get("Access-Control-Allow-Credentials") == "true":
		r.add(WildcardWithCredentials, Info, res, "The server sends Access-Control-Allow-Origin: * together with Access-Control-Allow-Credentials: true. "+
			"Not exploitable as is: browsers refuse credentialed responses with * ("+checkResponse(res.probe.origin, true, res.header)+
			"), and send no cookies to * anyway for anonymous requests.", false)
		return
	}
	why := r.privateSigns(res, private)
	if len(why) == 0 {
		r.add(WildcardOrigin, Info, res, "The server answers every origin with Access-Control-Allow-Origin: *, without credentials. "+
			"Nothing in the response looks private (no Cache-Control private or no-store, no Set-Cookie, no per-user content, a public host), which is what * is for; "+
			"check that no user or network-specific data is ever served here.", false)
		return
	}
	r.add(WildcardOrigin, Medium, res, "The server answers every origin with Access-Control-Allow-Origin: *, yet the response looks private: "+
		strings.Join(why, "; ")+". Any website a user visits can read it through the user's browser, from the user's network position "+
		"(an intranet, an IP-based allowlist); only cookies and HTTP authentication are left out.", false)
}

// privateSigns lists what makes a response look private.
func (r *run) privateSigns(res *result, private bool) []string {
	var why []string
	if private {
		why = append(why, fmt.Sprintf("the host %s is on a private network (recent Chromium asks the user before a public page reaches it; other browsers do not)", r.target.name))
	}
	if hasDirective(res.header, "private") || hasDirective(res.header, "no-store") {
		why = append(why, "Cache-Control: "+res.header.Get("Cache-Control")+" marks it as meant for one user")
	}
	if res.header.Get("Set-Cookie") != "" || r.results[0].header.Get("Set-Cookie") != "" {
		why = append(why, "it sets a cookie (Set-Cookie)")
	}
	if r.sensitive == sensitiveYes {
		why = append(why, "it changes with the credentials the scan was given (Cookie or Authorization), so it holds per-user data")
	}
	if anon := r.anonymous(); anon != nil && anon.ok() && anon.header.Get("WWW-Authenticate") != "" {
		why = append(why, "the same path asks for authentication (WWW-Authenticate) when the credentials are left out")
	}
	return why
}

// missingVary reports origin-dependent Access-Control-Allow-Origin on a
// cacheable response that lacks Vary: Origin.
func (r *run) missingVary() {
	values := map[string]bool{}
	var evidence *result
	for _, res := range r.results {
		if !res.ok() || res.probe.kind != kindSimple {
			continue
		}
		acao := strings.Join(res.header.Values("Access-Control-Allow-Origin"), ",")
		values[acao] = true
		if acao == "" || varies(res.header) || !cacheable(r.s.method, res.status, res.header) {
			continue
		}
		if evidence == nil || res.probe.needs < evidence.probe.needs {
			evidence = res
		}
	}
	if len(values) < 2 || evidence == nil {
		return
	}
	shared := !hasDirective(evidence.header, "private")
	sev, where := Low, "the browser's cache"
	if shared {
		sev, where = Medium, "shared caches (CDNs, proxies) and the browser's cache"
	}
	r.add(MissingVaryOrigin, sev, evidence, fmt.Sprintf("Access-Control-Allow-Origin takes %d different values depending on Origin, yet the response to Origin: %s is cacheable (Cache-Control: %s) and has no Vary: Origin, so %s may serve it to other origins.",
		len(values), orNone(evidence.probe.origin), orNone(evidence.header.Get("Cache-Control")), where), false)
}

// preflight judges the preflight probes: whether one passes for an origin
// the server otherwise refuses, and whether they echo the method and
// header asked for.
func (r *run) preflight() {
	reported := map[Class]bool{}
	for _, res := range r.results {
		if res.probe.kind == kindPreflight && res.ok() {
			r.judgePreflight(res, reported)
		}
	}
}

func (r *run) judgePreflight(res *result, reported map[Class]bool) {
	p := res.probe
	acao := res.header.Get("Access-Control-Allow-Origin")
	if acao != p.origin && acao != "*" {
		return
	}
	creds := res.header.Get("Access-Control-Allow-Credentials") == "true"
	if !p.accepted && acao == p.origin {
		s, what := Low, "without credentials"
		if creds {
			s, what = Medium, "with the victim's cookies"
		}
		reported[PreflightReflectsOrigin] = true
		verdict := orAllowed(checkPreflight(p.origin, creds, http.MethodPost, nil, res.status, res.header))
		r.add(PreflightReflectsOrigin, s, res, fmt.Sprintf("A preflight from %s, an origin the server does not let read its responses, got Access-Control-Allow-Origin: %s, so browsers send that site's non-simple requests %s. Browser verdict for a preflighted POST: %s.",
			p.origin, p.origin, what, verdict), creds)
		r.findings[len(r.findings)-1].Evidence.Verdict = verdict
	}
	sev := Low
	if p.needs == needNothing || p.needs == needPublish {
		sev = Medium
	}
	who := "an origin the site trusts"
	if p.needs != needTrusted {
		who = "an origin an attacker can obtain (" + p.needs.String() + ")"
	}
	if !reported[PreflightReflectsMethod] && contains(tokens(res.header.Values("Access-Control-Allow-Methods")), p.reqMethod, false) {
		reported[PreflightReflectsMethod] = true
		s, verdict := sev, checkPreflight(p.origin, creds, p.reqMethod, nil, res.status, res.header)
		if verdict != "" {
			s = Info
		}
		r.add(PreflightReflectsMethod, s, res, fmt.Sprintf("A preflight from %s, %s, asking for the invented method %s got Access-Control-Allow-Methods: %s. Browser verdict for that method: %s.",
			p.origin, who, p.reqMethod, res.header.Get("Access-Control-Allow-Methods"), orAllowed(verdict)), creds)
		r.findings[len(r.findings)-1].Evidence.Verdict = orAllowed(verdict)
	}
	if !reported[PreflightReflectsHeaders] && contains(tokens(res.header.Values("Access-Control-Allow-Headers")), p.reqHeader, true) {
		reported[PreflightReflectsHeaders] = true
		s, verdict := sev, checkPreflight(p.origin, creds, http.MethodGet, []string{p.reqHeader}, res.status, res.header)
		if verdict != "" {
			s = Info
		}
		r.add(PreflightReflectsHeaders, s, res, fmt.Sprintf("A preflight from %s, %s, asking for the invented header %s got Access-Control-Allow-Headers: %s. Browser verdict for that header: %s.",
			p.origin, who, p.reqHeader, res.header.Get("Access-Control-Allow-Headers"), orAllowed(verdict)), creds)
		r.findings[len(r.findings)-1].Evidence.Verdict = orAllowed(verdict)
	}
}

// jsonp reports callbacks echoed into something a <script> would run.
func (r *run) jsonp() {
	for _, res := range r.results {
		p := res.probe
		if p.kind != kindJSONP || !res.ok() || res.status < 200 || res.status > 299 {
			continue
		}
		if !bytes.Contains(res.body, []byte(p.callback+"(")) || !runsAsScript(res.header) {
			continue
		}
		r.add(JSONPCallbackReflected, Medium, res, fmt.Sprintf("The request with ?%s=%s came back with the callback unchanged (Content-Type: %s), so any page can make this host serve script of its choosing.",
			p.param, p.callback, orNone(res.header.Get("Content-Type"))), false)
		return // one parameter is enough to show it
	}
}

// runsAsScript reports whether a browser would run a response with header
// h as a classic script.
func runsAsScript(h http.Header) bool {
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if strings.HasSuffix(mt, "javascript") || strings.HasSuffix(mt, "ecmascript") {
		return true
	}
	if strings.EqualFold(h.Get("X-Content-Type-Options"), "nosniff") {
		return false
	}
	// Without nosniff Chromium runs most types, except media and those
	// that Opaque Response Blocking recognises.
	for _, blocked := range []string{"text/html", "application/json", "text/json", "text/xml", "application/xml", "image/", "audio/", "video/", "text/csv"} {
		if strings.HasPrefix(mt, blocked) || strings.HasSuffix(mt, "+json") || strings.HasSuffix(mt, "+xml") {
			return false
		}
	}
	return true
}

func (r *run) add(c Class, sev Severity, res *result, desc string, creds bool) {
	r.findings = append(r.findings, r.finding(c, sev, res, desc, creds, res.probe.browsers))
}

func (r *run) finding(c Class, sev Severity, res *result, desc string, creds bool, browsers []string) Finding {
	if browsers == nil {
		browsers = allBrowsers
	}
	target := r.url.String()
	// One finding per class and URL: the id is stable across runs.
	sum := sha256.Sum256([]byte(string(c) + "\x00" + target))
	return Finding{
		ID:          hex.EncodeToString(sum[:8]),
		Class:       c,
		Severity:    sev,
		URL:         target,
		Origin:      res.probe.origin,
		Credentials: creds,
		Browsers:    slices.Clone(browsers),
		Title:       classes[c].title,
		Description: desc,
		Fix:         classes[c].fix,
		Evidence:    evidence(res),
	}
}

// evidenceHeaders are the response headers a finding quotes.
var evidenceHeaders = []string{
	"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
	"Access-Control-Allow-Methods", "Access-Control-Allow-Headers",
	"Access-Control-Expose-Headers", "Access-Control-Max-Age",
	"Vary", "Cache-Control", "Strict-Transport-Security", "Content-Type",
	"X-Content-Type-Options",
}

func evidence(res *result) Evidence {
	e := Evidence{
		Request:  Request{Method: res.req.Method, URL: res.req.URL.String(), Headers: map[string]string{}},
		Status:   res.status,
		Headers:  map[string]string{},
		Verdict:  "allowed",
		FinalURL: res.finalURL,
		Trusted:  res.probe.base,
	}
	if e.FinalURL == e.Request.URL {
		e.FinalURL = ""
	}
	for name, vs := range res.req.Header {
		v := strings.Join(vs, ", ")
		switch name {
		case "Cookie", "Authorization", "Proxy-Authorization":
			v = "(redacted)"
		case "User-Agent":
			continue
		}
		e.Request.Headers[name] = v
	}
	for _, name := range evidenceHeaders {
		if vs := res.header.Values(name); len(vs) > 0 {
			e.Headers[name] = strings.Join(vs, ", ")
		}
	}
	if o := res.probe.origin; o != "" {
		creds := res.header.Get("Access-Control-Allow-Credentials") == "true"
		switch res.probe.kind {
		case kindPreflight:
			e.Verdict = orAllowed(checkPreflight(o, creds, res.probe.reqMethod, []string{res.probe.reqHeader}, res.status, res.header))
		default:
			e.Verdict = orAllowed(checkResponse(o, creds, res.header))
		}
		if e.Verdict == "allowed" && !creds {
			e.Verdict = "allowed without credentials"
		}
	} else {
		e.Verdict = "no CORS check (no Origin sent)"
	}
	return e
}

func orAllowed(reason string) string {
	if reason == "" {
		return "allowed"
	}
	return "blocked: " + reason
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// validAllowOrigin reports whether some browser could ever accept the
// Access-Control-Allow-Origin values: one value, *, null, the origin that
// was sent or an origin serialized exactly as browsers do.
func validAllowOrigin(values []string, sent string) bool {
	if len(values) != 1 {
		return false
	}
	v := values[0]
	if v == "*" || v == "null" || v == sent {
		return true
	}
	o, err := origin.Parse(v)
	return err == nil && !o.IsOpaque() && o.String() == v
}

// nearMiss explains how an invalid Access-Control-Allow-Origin differs
// from what a browser needs.
func nearMiss(values []string, sent string) string {
	v := strings.Join(values, ", ")
	switch {
	case len(values) > 1 || strings.ContainsAny(v, ", "):
		return ": several values, where browsers need exactly one"
	case strings.Contains(v, "*"):
		return ": a pattern, which browsers compare literally"
	case sent == "":
	case strings.EqualFold(v, sent):
		return ": the sent origin in another case, which browsers compare byte for byte"
	case strings.TrimSuffix(v, "/") == sent:
		return ": the sent origin with a trailing slash"
	case strings.HasPrefix(v, sent+":"):
		return ": the sent origin with an explicit port"
	case strings.HasPrefix(v, sent+"/"):
		return ": a URL with a path, where browsers need an origin"
	}
	return ""
}

func varies(h http.Header) bool {
	for _, v := range tokens(h.Values("Vary")) {
		if v == "*" || strings.EqualFold(v, "Origin") {
			return true
		}
	}
	return false
}

// cacheable reports whether a cache may reuse the response without asking
// the server again (RFC 9111): not no-store or no-cache, and fresh by
// max-age, s-maxage, Expires or, for heuristically cacheable statuses, by
// Last-Modified.
func cacheable(method string, status int, h http.Header) bool {
	if method != http.MethodGet && method != http.MethodHead {
		return false
	}
	if hasDirective(h, "no-store") || hasDirective(h, "no-cache") {
		return false
	}
	explicit := false
	for _, d := range []string{"max-age", "s-maxage"} {
		if v, ok := directive(h, d); ok {
			explicit = true
			if n, err := strconv.Atoi(strings.Trim(v, `"`)); err == nil && n > 0 {
				return true
			}
		}
	}
	if explicit {
		return false
	}
	if exp := h.Get("Expires"); exp != "" {
		t, err := http.ParseTime(exp)
		if err != nil {
			return false
		}
		date, err := http.ParseTime(h.Get("Date"))
		return err != nil || t.After(date)
	}
	switch status {
	case 200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501:
		return h.Get("Last-Modified") != ""
	}
	return false
}

func hasDirective(h http.Header, name string) bool {
	_, ok := directive(h, name)
	return ok
}

// directive returns the value of a Cache-Control directive.
func directive(h http.Header, name string) (string, bool) {
	for _, d := range tokens(h.Values("Cache-Control")) {
		k, v, _ := strings.Cut(d, "=")
		if strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}

// stsPolicy is a parsed Strict-Transport-Security header.
type stsPolicy struct {
	maxAge            int64
	includeSubdomains bool
}

// parseHSTS parses the first Strict-Transport-Security header as RFC 6797
// says: directives separated by semicolons, names case-insensitive, an
// invalid max-age voids the header.
func parseHSTS(h http.Header) stsPolicy {
	var p stsPolicy
	v := h.Get("Strict-Transport-Security")
	if v == "" {
		return p
	}
	seenMaxAge := false
	for d := range strings.SplitSeq(v, ";") {
		k, val, _ := strings.Cut(strings.TrimSpace(d), "=")
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "max-age":
			n, err := strconv.ParseInt(strings.Trim(strings.TrimSpace(val), `"`), 10, 64)
			if err != nil || n < 0 || seenMaxAge {
				return stsPolicy{}
			}
			seenMaxAge = true
			p.maxAge = n
		case "includesubdomains":
			p.includeSubdomains = true
		}
	}
	if !seenMaxAge {
		return stsPolicy{}
	}
	return p
}

// covers reports whether the policy that host sent upgrades requests to
// other (the host of an http:// origin) to HTTPS.
func (p stsPolicy) covers(host, other string) bool {
	if p.maxAge <= 0 {
		return false
	}
	return other == host || p.includeSubdomains && strings.HasSuffix(other, "."+host)
}

// isPrivateHost reports whether host is on a loopback or private network,
// or a name that only resolves inside one.
func isPrivateHost(host string) bool {
	if a, err := netip.ParseAddr(host); err == nil {
		a = a.Unmap()
		return a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsUnspecified()
	}
	h := strings.TrimSuffix(host, ".")
	if !strings.Contains(h, ".") {
		return true // single label: intranet name or localhost
	}
	for _, s := range []string{".localhost", ".local", ".internal", ".intranet", ".lan", ".corp", ".home", ".home.arpa", ".private"} {
		if strings.HasSuffix(h, s) {
			return true
		}
	}
	return false
}
