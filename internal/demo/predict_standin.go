package demo

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// standinPredictor models the browser's side of CORS in the common cases.
// It stands in for the browser package until that lands.
type standinPredictor struct {
	client *http.Client // never follows redirects itself
	origin string

	mu    sync.Mutex
	cache map[string]cachedPreflight
}

type cachedPreflight struct {
	expires          time.Time
	methods, headers []string
}

func newStandinPredictor(origin string) *standinPredictor {
	return &standinPredictor{
		origin: origin,
		client: &http.Client{
			Timeout:       10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		cache: map[string]cachedPreflight{},
	}
}

var safelistedResponse = []string{"cache-control", "content-language", "content-length", "content-type", "expires", "last-modified", "pragma"}

// do runs one request the way a browser's fetch() would, cookie included
// when credentials is "include".
func (p *standinPredictor) do(ctx context.Context, r Request, u *url.URL, cookie *http.Cookie) Prediction {
	include := r.Credentials == "include"
	var trace []string
	blocked := func(reason, msg, fix string, reached bool) Prediction {
		return Prediction{Outcome: "blocked", Reason: reason, Message: msg, Fix: fix, Trace: trace, ReachedServer: reached}
	}
	var unsafeNames []string
	for _, h := range r.Headers {
		if !safelistedRequestHeader(h.Name, h.Value) {
			unsafeNames = append(unsafeNames, strings.ToLower(h.Name))
		}
	}
	slices.Sort(unsafeNames)
	unsafeNames = slices.Compact(unsafeNames)
	simpleMethod := r.Method == "GET" || r.Method == "HEAD" || r.Method == "POST"
	reached := false
	if !simpleMethod || len(unsafeNames) > 0 {
		key := u.String() + "|" + r.Credentials
		p.mu.Lock()
		c, ok := p.cache[key]
		p.mu.Unlock()
		if ok && time.Now().Before(c.expires) && (simpleMethod || slices.Contains(c.methods, r.Method)) && allIn(unsafeNames, c.headers) {
			trace = append(trace, "preflight cache hit: no OPTIONS sent")
		} else {
			trace = append(trace, fmt.Sprintf("%s with %s needs a preflight", r.Method, strings.Join(append([]string{}, unsafeNames...), ", ")))
			pre, _ := http.NewRequestWithContext(ctx, http.MethodOptions, u.String(), nil)
			pre.Header.Set("Origin", p.origin)
			pre.Header.Set("Access-Control-Request-Method", r.Method)
			if len(unsafeNames) > 0 {
				pre.Header.Set("Access-Control-Request-Headers", strings.Join(unsafeNames, ","))
			}
			resp, err := p.client.Do(pre)
			if err != nil {
				return blocked("PreflightNetworkError", err.Error(), "make sure the server is up", false)
			}
			io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
			resp.Body.Close()
			reached = true
			trace = append(trace, fmt.Sprintf("preflight answered %d", resp.StatusCode))
			if reason, msg, fix := checkAllowOrigin(resp.Header, p.origin, include); reason != "" {
				return blocked("Preflight"+reason, msg, fix, true)
			}
			if resp.StatusCode < 200 || resp.StatusCode > 299 {
				return blocked("PreflightInvalidStatus", fmt.Sprintf("the preflight got status %d, not 2xx", resp.StatusCode), "answer OPTIONS preflights with 204 before any authentication", true)
			}
			methods := splitList(resp.Header.Values("Access-Control-Allow-Methods"))
			if !simpleMethod && !slices.Contains(methods, r.Method) && !(slices.Contains(methods, "*") && !include) {
				return blocked("MethodDisallowedByPreflightResponse", fmt.Sprintf("method %s is not in Access-Control-Allow-Methods", r.Method), fmt.Sprintf("add %s to the server's allowed methods", r.Method), true)
			}
			allowed := splitList(resp.Header.Values("Access-Control-Allow-Headers"))
			for i := range allowed {
				allowed[i] = strings.ToLower(allowed[i])
			}
			for _, n := range unsafeNames {
				if !slices.Contains(allowed, n) && !(slices.Contains(allowed, "*") && !include && n != "authorization") {
					return blocked("HeaderDisallowedByPreflightResponse", fmt.Sprintf("request header %s is not in Access-Control-Allow-Headers", n), fmt.Sprintf("add %s to the server's allowed request headers", n), true)
				}
			}
			age := 5
			if v := resp.Header.Get("Access-Control-Max-Age"); v != "" {
				if n, err := strconv.Atoi(v); err == nil {
					age = min(n, 7200)
				}
			}
			if age > 0 {
				p.mu.Lock()
				p.cache[key] = cachedPreflight{expires: time.Now().Add(time.Duration(age) * time.Second), methods: methods, headers: allowed}
				p.mu.Unlock()
			}
		}
	} else {
		trace = append(trace, "simple request: no preflight")
	}
	for hop := 0; ; hop++ {
		if hop > 20 {
			return blocked("RedirectLimit", "more than 20 redirects", "stop the redirect loop", reached)
		}
		var body io.Reader
		if r.Body != "" {
			body = strings.NewReader(r.Body)
		}
		req, _ := http.NewRequestWithContext(ctx, r.Method, u.String(), body)
		for _, h := range r.Headers {
			req.Header.Add(h.Name, h.Value)
		}
		req.Header.Set("Origin", p.origin)
		if include && cookie != nil {
			req.AddCookie(cookie)
		}
		resp, err := p.client.Do(req)
		if err != nil {
			return blocked("NetworkError", err.Error(), "make sure the server is up", reached)
		}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
		resp.Body.Close()
		reached = true
		trace = append(trace, fmt.Sprintf("%s %s answered %d", r.Method, u.Path, resp.StatusCode))
		if reason, msg, fix := checkAllowOrigin(resp.Header, p.origin, include); reason != "" {
			return blocked(reason, msg, fix, true)
		}
		if loc := resp.Header.Get("Location"); resp.StatusCode >= 300 && resp.StatusCode < 400 && loc != "" {
			next, err := u.Parse(loc)
			if err != nil {
				return blocked("InvalidRedirect", err.Error(), "send a valid Location", true)
			}
			trace = append(trace, "redirected to "+next.Path)
			u = next
			continue
		}
		pr := Prediction{Outcome: "allowed", Status: resp.StatusCode, Trace: trace, ReachedServer: true, Body: string(b)}
		exposed := splitList(resp.Header.Values("Access-Control-Expose-Headers"))
		for _, n := range r.ReadHeaders {
			visible := slices.Contains(safelistedResponse, strings.ToLower(n)) ||
				slices.ContainsFunc(exposed, func(e string) bool { return strings.EqualFold(e, n) || (e == "*" && !include) })
			pr.setHeader(n, resp.Header.Get(n), visible)
		}
		return pr
	}
}

func checkAllowOrigin(h http.Header, origin string, include bool) (reason, msg, fix string) {
	acao := h.Values("Access-Control-Allow-Origin")
	switch {
	case len(acao) == 0:
		return "MissingAllowOriginHeader", "the response has no Access-Control-Allow-Origin header", "add " + origin + " to the server's allowed origins"
	case len(acao) > 1:
		return "MultipleAllowOriginValues", "Access-Control-Allow-Origin appears more than once", "send one value"
	case acao[0] == "*" && include:
		return "WildcardOriginNotAllowed", "Access-Control-Allow-Origin is * but the request includes credentials", "name the origin instead of *"
	case acao[0] != "*" && acao[0] != origin:
		return "AllowOriginMismatch", fmt.Sprintf("Access-Control-Allow-Origin is %s, not %s", acao[0], origin), "add " + origin + " to the server's allowed origins"
	}
	if include && h.Get("Access-Control-Allow-Credentials") != "true" {
		return "MissingAllowCredentials", "the request includes credentials but Access-Control-Allow-Credentials is not true", "allow credentials on the server, or send the request without them"
	}
	return "", "", ""
}

func splitList(vs []string) []string {
	var out []string
	for _, v := range vs {
		for f := range strings.SplitSeq(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				out = append(out, f)
			}
		}
	}
	return out
}

func allIn(names, list []string) bool {
	for _, n := range names {
		if !slices.Contains(list, n) {
			return false
		}
	}
	return true
}

// safelistedRequestHeader follows the Fetch standard's CORS-safelisted
// request-header, in the parts the composer can reach.
func safelistedRequestHeader(name, value string) bool {
	if len(value) > 128 {
		return false
	}
	switch strings.ToLower(name) {
	case "accept", "accept-language", "content-language":
		return true
	case "content-type":
		mt := strings.ToLower(strings.TrimSpace(strings.SplitN(value, ";", 2)[0]))
		return mt == "text/plain" || mt == "multipart/form-data" || mt == "application/x-www-form-urlencoded"
	}
	return false
}
