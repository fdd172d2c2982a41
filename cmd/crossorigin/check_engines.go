package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/crossorigin/crossorigin/browser"
)

// parseEngines parses --engine: chromium, firefox, webkit or all.
func parseEngines(s string) ([]browser.Engine, error) {
	if strings.EqualFold(strings.TrimSpace(s), "all") {
		return browser.Engines(), nil
	}
	e, err := browser.ParseEngine(s)
	if err != nil {
		return nil, fmt.Errorf("--engine: want chromium, firefox, webkit or all, not %q", s)
	}
	return []browser.Engine{e}, nil
}

// engineResult is the verdict of one engine.
type engineResult struct {
	Engine          browser.Engine `json:"engine"`
	Verdict         string         `json:"verdict"`
	Status          int            `json:"status,omitempty"`
	ResponseType    string         `json:"response_type,omitempty"`
	ReadableHeaders []string       `json:"readable_headers,omitempty"`
	Reason          browser.Reason `json:"reason,omitempty"`
	EngineReason    string         `json:"engine_reason,omitempty"`
	Message         string         `json:"console_message,omitempty"`
	// PreflightCache is how long the engine caches the preflight, as a
	// Go duration ("10m0s"); empty when there was no preflight or it
	// failed.
	PreflightCache string `json:"preflight_cached_for,omitempty"`
	cache          time.Duration
}

// resultVerdict sums up one engine's Result.
func resultVerdict(res *browser.Result) engineResult {
	r := engineResult{Engine: res.Engine, Verdict: string(res.Verdict), Status: res.Status, ResponseType: res.ResponseType,
		ReadableHeaders: res.ReadableHeaders, Reason: res.Reason, EngineReason: res.EngineReason}
	if res.Verdict != browser.Allowed {
		r.Message = res.Message
	}
	for _, s := range res.Trace {
		if s.Kind == browser.StepPreflight && s.OK {
			r.cache = res.Engine.PreflightMaxAge(s.Received)
			r.PreflightCache = r.cache.String()
		}
	}
	return r
}

// line is the engine's verdict in one line.
func (r engineResult) line() string {
	var s string
	switch r.Verdict {
	case "allowed":
		s = fmt.Sprintf("allowed (status %d, type %s)", r.Status, r.ResponseType)
	case "blocked":
		s = "blocked"
		switch {
		case r.EngineReason != "" && r.EngineReason != string(r.Reason):
			s += fmt.Sprintf(" (%s; %s)", r.EngineReason, orNone(string(r.Reason)))
		case r.Reason != "":
			s += " (" + string(r.Reason) + ")"
		}
	default:
		s = "error: " + r.Message
	}
	if r.PreflightCache != "" {
		s += "; preflight cached " + human(r.cache)
		if r.cache <= 0 {
			s = strings.TrimSuffix(s, "cached not at all") + "not cached"
		}
	}
	return fmt.Sprintf("%-9s %s", r.Engine.String()+":", s)
}

func orNone(reason string) string {
	if reason == "" {
		return "no CORS error in Chromium's terms"
	}
	return reason
}

// human writes a cache lifetime the way people say it: 5 s, 10 min, 2 h.
func human(d time.Duration) string {
	switch {
	case d <= 0:
		return "not at all"
	case d%time.Hour == 0:
		return fmt.Sprintf("%d h", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%d min", d/time.Minute)
	}
	return fmt.Sprintf("%d s", d/time.Second)
}

// engineDifferences names where the engines' results differ: the verdict,
// the error, the readable headers, the preflight cache lifetime. It is
// empty when they agree.
func engineDifferences(rs []engineResult) []string {
	var d []string
	group := func(key func(engineResult) string, say func(string) string) {
		var order []string
		by := map[string][]string{}
		for _, r := range rs {
			k := key(r)
			if by[k] == nil {
				order = append(order, k)
			}
			by[k] = append(by[k], r.Engine.String())
		}
		if len(order) < 2 {
			return
		}
		var parts []string
		for _, k := range order {
			parts = append(parts, say(k)+" in "+strings.Join(by[k], " and "))
		}
		d = append(d, strings.Join(parts, ", "))
	}
	group(func(r engineResult) string { return r.Verdict + " " + string(r.Reason) }, func(k string) string {
		v, reason, _ := strings.Cut(k, " ")
		if reason != "" {
			return v + " (" + reason + ")"
		}
		return v
	})
	group(func(r engineResult) string { return strings.Join(r.ReadableHeaders, ", ") }, func(k string) string {
		if k == "" {
			return "no readable headers"
		}
		return "readable headers " + k
	})
	group(func(r engineResult) string {
		if r.PreflightCache == "" {
			return ""
		}
		return human(r.cache)
	}, func(k string) string {
		switch k {
		case "":
			return "no preflight"
		case "not at all":
			return "preflight not cached"
		}
		return "preflight cached " + k
	})
	return d
}

// writeEngines prints the verdict of each engine, and either that they
// agree or where they differ.
func writeEngines(w io.Writer, rs []engineResult) {
	if len(rs) < 2 {
		return
	}
	fmt.Fprintln(w, "\nEngines:")
	for _, r := range rs {
		fmt.Fprintf(w, "  %s\n", r.line())
	}
	if d := engineDifferences(rs); len(d) > 0 {
		for _, s := range d {
			fmt.Fprintf(w, "Differ:   %s.\n", s)
		}
		return
	}
	fmt.Fprintf(w, "All %d engines agree.\n", len(rs))
}

// replay answers, for the engines after the first, the requests the first
// engine already sent, so that the server sees an exchange once however
// many engines are asked (a POST runs once). A request no earlier engine
// sent goes to the server. Keys are what CORS looks at: method, URL,
// Origin and the Access-Control-Request-* headers.
type replay struct {
	base http.RoundTripper
	mu   sync.Mutex
	seen map[string]*recorded
}

type recorded struct {
	status int
	header http.Header
	body   []byte
}

func replayKey(req *http.Request) string {
	return strings.Join([]string{req.Method, req.URL.String(), req.Header.Get("Origin"),
		req.Header.Get("Access-Control-Request-Method"), req.Header.Get("Access-Control-Request-Headers")}, "\x00")
}

// RoundTrip implements http.RoundTripper.
func (p *replay) RoundTrip(req *http.Request) (*http.Response, error) {
	key := replayKey(req)
	p.mu.Lock()
	r := p.seen[key]
	p.mu.Unlock()
	if r == nil {
		resp, err := p.base.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		_ = resp.Body.Close()
		if err != nil {
			return nil, err
		}
		r = &recorded{status: resp.StatusCode, header: resp.Header, body: body}
		p.mu.Lock()
		if p.seen == nil {
			p.seen = make(map[string]*recorded)
		}
		p.seen[key] = r
		p.mu.Unlock()
	}
	return &http.Response{
		Status: fmt.Sprintf("%d %s", r.status, http.StatusText(r.status)), StatusCode: r.status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: r.header.Clone(), Body: io.NopCloser(bytes.NewReader(r.body)),
		ContentLength: int64(len(r.body)), Request: req,
	}, nil
}

// otherEngines runs the exchange again as each engine of engines after the
// first would, through the replay of the first engine's, and returns
// every engine's verdict, the first's included.
func otherEngines(ctx context.Context, engines []browser.Engine, bt *browser.Transport, newReq func(context.Context) (*http.Request, error), first engineResult) []engineResult {
	rs := []engineResult{first}
	for _, e := range engines[1:] {
		t := &browser.Transport{Origin: bt.Origin, Credentials: bt.Credentials, Mode: bt.Mode, Redirect: bt.Redirect, Base: bt.Base, Engine: e}
		req, err := newReq(ctx)
		if err != nil {
			rs = append(rs, engineResult{Engine: e, Verdict: "error", Message: err.Error()})
			continue
		}
		// No probes: the diagnosis is the first engine's.
		rs = append(rs, resultVerdict(t.Check(req, browser.CheckOptions{NoProbe: true})))
	}
	return slices.Clip(rs)
}
