package scan

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/crossorigin/crossorigin/origin"
)

// A run is the scan of one target.
type run struct {
	s      *Scanner
	url    *url.URL
	target target
	label  string

	budget    *budget
	results   []*result
	trusted   []string // candidate origins the target reflected
	findings  []Finding
	err       error
	sensitive int // sensitiveUnknown, sensitiveYes or sensitiveNo
	started   time.Time
	elapsed   time.Duration
}

// result is what one probe got back.
type result struct {
	probe    *probe
	req      *http.Request
	status   int
	header   http.Header
	finalURL string
	body     []byte // JSONP probes only
	bodySum  [32]byte
	bodyLen  int64
	err      error
	dropped  bool // a redirect left the target's site
}

// ok reports whether the result can be judged.
func (r *result) ok() bool { return r.err == nil && !r.dropped }

// maxFamilies bounds the trusted origins whose bypass families a target
// gets, so that the number of probes stays bounded (about 30 each) however
// many origins it trusts.
const maxFamilies = 4

// errTimeout is the cause of a target's context when its budget ran out.
var errTimeout = errors.New("timeout")

// errSwitched is the error of a probe answered 101 Switching Protocols,
// which no probe asks for.
var errSwitched = errors.New("the server switched protocols (101) though no probe asks for it")

// scan runs the probes in phases: the baseline, then the candidate trusted
// origins with the probes that need none, then the bypasses of each
// trusted origin found, then preflights built from what was accepted.
func (r *run) scan(ctx context.Context, sem chan struct{}) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	r.budget = &budget{left: r.s.timeout, cancel: cancel}
	defer func() {
		if !r.started.IsZero() {
			r.elapsed = time.Since(r.started)
		}
	}()

	first := []*probe{{kind: kindBaseline, template: "(none)"}}
	if r.s.header.Get("Cookie") != "" || r.s.header.Get("Authorization") != "" {
		// Does the response hold per-user data? Compare the baseline with
		// the same request without the user's credentials.
		first = append(first, &probe{kind: kindAnonymous, template: "(anonymous)"})
	}
	r.results = r.send(ctx, sem, first)
	if base := r.results[0]; base.err != nil {
		r.err = r.failure(ctx, base.err)
		return
	}
	ps := newProbeSet(r.label, nil)
	r.target.candidates(ps, r.s.friendly)
	r.target.generic(ps)
	r.results = append(r.results, r.send(ctx, sem, append(ps.list, jsonpProbes(r.label, r.s.jsonp)...))...)
	r.results = append(r.results, r.send(ctx, sem, r.familyProbes())...)
	r.results = append(r.results, r.send(ctx, sem, r.preflightProbes())...)
	r.evaluate()
	if cause := context.Cause(ctx); cause != nil {
		r.err = r.failure(ctx, cause)
	}
}

// failure explains why the target's scan stopped.
func (r *run) failure(ctx context.Context, err error) error {
	if errors.Is(context.Cause(ctx), errTimeout) {
		answered := 0
		for _, res := range r.results {
			if res.err == nil {
				answered++
			}
		}
		return fmt.Errorf("the scan of this target ran out of its %v timeout; %d of %d probes were answered and judged", r.s.timeout, answered, len(r.results))
	}
	if ctx.Err() != nil {
		return errors.New("interrupted before the scan of this target ended")
	}
	return err
}

// familyProbes builds the bypass family of each trusted origin: the
// candidates the target reflected, configured origins first. When the
// target reflects none of them, the family of its own origin is tried,
// since a broken check may still be built around it. A target that
// reflects any origin needs no family: that finding explains them all.
func (r *run) familyProbes() []*probe {
	var trusted []origin.Origin
	for _, res := range r.results {
		p := res.probe
		if !res.ok() || p.kind != kindSimple {
			continue
		}
		accepted := res.header.Get("Access-Control-Allow-Origin") == p.origin
		if p.class == ReflectAnyOrigin && accepted {
			return nil
		}
		if p.class == "" && accepted {
			r.trusted = append(r.trusted, p.origin)
			if o, err := origin.Parse(p.origin); err == nil && len(trusted) < maxFamilies {
				trusted = append(trusted, o)
			}
		}
	}
	if len(trusted) == 0 {
		trusted = []origin.Origin{r.target.own}
	}
	ps := newProbeSet(r.label, r.results)
	for _, o := range trusted {
		family(ps, o, r.target.own.Scheme)
	}
	return ps.list
}

// send sends probes concurrently, at most cap(sem) requests in flight over
// the whole scan, and returns their results in order.
func (r *run) send(ctx context.Context, sem chan struct{}, probes []*probe) []*result {
	out := make([]*result, len(probes))
	var wg sync.WaitGroup
	for i, p := range probes {
		if err := r.s.wait(ctx); err != nil {
			out[i] = &result{probe: p, err: err}
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			out[i] = &result{probe: p, err: ctx.Err()}
			continue
		}
		if r.started.IsZero() {
			r.started = time.Now()
		}
		wg.Go(func() {
			defer func() { <-sem }()
			r.budget.start()
			defer r.budget.stop()
			out[i] = r.do(ctx, p)
		})
	}
	wg.Wait()
	return out
}

// wait waits for the rate limiter, if any.
func (s *Scanner) wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.limiter == nil {
		return nil
	}
	return s.limiter.Wait(ctx)
}

// maxBody bounds what is read of a response body: enough for a JSONP
// prefix, and the rest is drained up to a limit so that the connection can
// be reused.
const (
	maxBody  = 64 << 10
	maxDrain = 1 << 20
)

func (r *run) do(ctx context.Context, p *probe) *result {
	res := &result{probe: p}
	req, err := r.request(ctx, p)
	if err != nil {
		res.err = err
		return res
	}
	res.req = req
	resp, err := r.s.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) && errors.Is(ue.Err, errOtherSite) {
			res.dropped = true
			return res
		}
		res.err = err
		return res
	}
	// The body of a 101 is the raw connection, which the request's
	// context no longer governs: close it when the context ends, and at
	// once for a 101.
	stop := context.AfterFunc(ctx, func() { _ = resp.Body.Close() })
	defer stop()
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode == http.StatusSwitchingProtocols {
		res.err = errSwitched
		return res
	}
	res.status = resp.StatusCode
	res.header = resp.Header
	res.finalURL = resp.Request.URL.String()
	res.err = res.readBody(resp.Body, p.kind == kindJSONP)
	return res
}

// request builds the HTTP request of probe p.
func (r *run) request(ctx context.Context, p *probe) (*http.Request, error) {
	u := *r.url
	method := r.s.method
	switch p.kind {
	case kindPreflight:
		method = http.MethodOptions
	case kindJSONP:
		method = http.MethodGet
		q := u.Query()
		q.Set(p.param, p.callback)
		u.RawQuery = q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header = r.s.header.Clone()
	if p.origin != "" {
		req.Header.Set("Origin", p.origin)
	}
	if p.kind == kindPreflight || p.kind == kindAnonymous {
		req.Header.Del("Cookie") // browsers never send credentials with a preflight
		req.Header.Del("Authorization")
	}
	if p.kind == kindPreflight {
		req.Header.Set("Access-Control-Request-Method", p.reqMethod)
		req.Header.Set("Access-Control-Request-Headers", p.reqHeader)
	}
	return req, nil
}

// readBody keeps the start of a JSONP body and a digest of the whole
// body, which tells whether the response depends on the credentials.
func (res *result) readBody(body io.Reader, keep bool) error {
	h := sha256.New()
	var err error
	if keep {
		res.body, err = io.ReadAll(io.LimitReader(body, maxBody))
		if err != nil {
			return err
		}
		h.Write(res.body)
	}
	n, err := io.Copy(h, io.LimitReader(body, maxDrain))
	res.bodyLen = n + int64(len(res.body))
	h.Sum(res.bodySum[:0])
	return err
}

// preflightProbes builds the preflights: one with the most dangerous
// origin the server accepted, if any, and one with the attacker's origin
// unless that is the same. Their method and header are random, so only a
// server that echoes the request allows them.
func (r *run) preflightProbes() []*probe {
	var best, attacker *probe
	for _, res := range r.results {
		p := res.probe
		if p.class == ReflectAnyOrigin {
			attacker = p
		}
		if p.kind != kindSimple || !res.ok() || res.header.Get("Access-Control-Allow-Origin") != p.origin {
			continue
		}
		if best == nil || p.needs < best.needs {
			best = p
		}
	}
	preflight := func(p *probe, accepted bool) *probe {
		return &probe{
			kind: kindPreflight, class: p.class, origin: p.origin, template: p.template, browsers: p.browsers, needs: p.needs,
			base: p.base, reqMethod: "X" + strings.ToUpper(r.label), reqHeader: "x-" + r.label, accepted: accepted,
		}
	}
	var ps []*probe
	if best != nil {
		ps = append(ps, preflight(best, true))
	}
	if attacker != nil && (best == nil || best.origin != attacker.origin) {
		ps = append(ps, preflight(attacker, false))
	}
	return ps
}

// summary is the report's line for the target.
func (r *run) summary() Target {
	t := Target{URL: r.url.String(), Requests: len(r.results), Trusted: r.trusted, Seconds: r.elapsed.Seconds()}
	if r.err != nil {
		t.Error = r.err.Error()
	}
	for _, res := range r.results {
		if res.err != nil {
			t.Failed++
		}
		if res.dropped {
			t.Dropped++
		}
		if res.status == http.StatusTooManyRequests || res.status == http.StatusServiceUnavailable {
			t.Throttled++
		}
	}
	return t
}

// A budget ends a target's scan once the target has had requests in
// flight for its whole timeout. Time spent waiting for the rate limiter or
// for concurrency slots held by other targets does not count, so a slow
// rate over many targets does not eat their timeouts.
type budget struct {
	mu       sync.Mutex
	left     time.Duration
	inFlight int
	since    time.Time
	timer    *time.Timer
	cancel   context.CancelCauseFunc
}

func (b *budget) start() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.inFlight++
	if b.inFlight == 1 {
		b.since = time.Now()
		b.timer = time.AfterFunc(max(b.left, 0), func() { b.cancel(errTimeout) })
	}
}

func (b *budget) stop() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.inFlight--
	if b.inFlight == 0 {
		b.timer.Stop()
		b.left -= time.Since(b.since)
	}
}
