package proxy

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/crossorigin/crossorigin/internal/sharedcache"
)

// forward sends the request upstream, follows redirects (checking every
// hop again), and streams the response back.
func (p *Proxy) forward(w http.ResponseWriter, r *http.Request, t *target, ex *exchange) {
	// The deadline of the whole exchange, redirects included. Only the
	// hops that reach the network need a timer for it (timedTransport):
	// an answer from the cache is already in memory.
	ex.deadline = time.Now().Add(p.c.Timeout)
	ctx := r.Context()

	if r.ContentLength != 0 {
		// A caller that trickles its body is bounded like everything else.
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(p.c.Timeout))
	}
	body, replay, replayable, pe := p.requestBody(w, r)
	if pe != nil {
		p.fail(w, ex, pe)
		return
	}

	method := r.Method
	credentials := p.c.credHosts.match(strings.ToLower(t.u.Hostname()))
	header := p.outboundHeader(r, credentials)
	first := t
	for hop := 0; ; hop++ {
		out := &http.Request{
			Method:     method,
			URL:        t.requestURL(p.c.Proxy != nil),
			Host:       t.u.Host,
			Header:     header,
			Proto:      "HTTP/1.1",
			ProtoMajor: 1,
			ProtoMinor: 1,
		}
		switch {
		case replay != nil:
			out.Body = io.NopCloser(bytes.NewReader(replay))
			out.ContentLength = int64(len(replay))
		case body != nil:
			out.Body = io.NopCloser(body)
			out.ContentLength = r.ContentLength
			body = nil // a streamed body can be sent once
		}
		resp := p.roundTrip(w, r, out.WithContext(ctx), hop, ex)
		if resp == nil {
			return
		}
		next, follow := p.redirectTarget(resp, t, hop, replayable)
		if !follow {
			p.respond(w, r, resp, first, t, ex)
			return
		}
		if t = p.followRedirect(w, ex, resp, t, next, hop, &method, &replay, header, &credentials); t == nil {
			return
		}
	}
}

// followRedirect prepares the hop to next after resp redirected there from
// t: the method, body and credentials it keeps. It returns the next target,
// or nil when it has refused the redirect (answering the caller).
func (p *Proxy) followRedirect(w http.ResponseWriter, ex *exchange, resp *http.Response, t *target, next *url.URL, hop int,
	method *string, replay *[]byte, header http.Header, credentials *bool) *target {
	drain(resp.Body)
	ex.hops++
	w.Header().Set("X-Cors-Redirect-"+strconv.Itoa(hop+1), strconv.Itoa(resp.StatusCode)+" "+next.String())
	if t.u.Scheme == "https" && next.Scheme == "http" {
		p.fail(w, ex, errorf(classBlocked, "the target redirected from https to http"))
		return nil
	}
	if pe := p.checkTarget(next); pe != nil {
		p.fail(w, ex, pe)
		return nil
	}
	if !keepsMethod(resp.StatusCode) && *method != http.MethodHead {
		*method = http.MethodGet
		*replay = nil
		header.Del("Content-Type")
		header.Del("Content-Length")
	}
	*credentials = p.redirectCredentials(header, *credentials, t.u, next)
	t = targetFromURL(next)
	ex.host = t.u.Host
	return t
}

// redirectCredentials says whether the hop from cur to next still carries
// the caller's credentials: only to the same origin or to another
// credential host. When it does not, they leave header.
func (p *Proxy) redirectCredentials(header http.Header, credentials bool, cur, next *url.URL) bool {
	if !credentials || sameOrigin(cur.Scheme, cur.Host, next.Scheme, next.Host) {
		return credentials
	}
	if p.c.credHosts.match(strings.ToLower(next.Hostname())) {
		return true
	}
	for _, k := range credentialHeaders {
		header.Del(k)
	}
	return false
}

// requestBody prepares the request's body for the hops: one small enough
// is kept (replay) so that a 307/308 can send it again; a larger one is
// streamed (body), and such a redirect is handed to the caller
// (replayable is false).
func (p *Proxy) requestBody(w http.ResponseWriter, r *http.Request) (body io.Reader, replay []byte, replayable bool, pe *proxyError) {
	switch {
	case r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody:
		return nil, nil, true, nil
	case r.ContentLength > 0 && r.ContentLength <= DefaultMaxReplayBody:
		buf := make([]byte, r.ContentLength)
		if _, err := io.ReadFull(r.Body, buf); err != nil {
			return nil, nil, true, errorf(classBadTarget, "the request body ended early")
		}
		return nil, buf, true, nil
	}
	body = r.Body
	if p.c.MaxRequestBody > 0 {
		body = http.MaxBytesReader(w, r.Body, p.c.MaxRequestBody)
	}
	return body, nil, false, nil
}

// upstreamFailed answers a hop whose round trip failed with err: nothing
// when the caller is gone, otherwise the refusal of its class, counted
// against the target's circuit when it is the first hop's.
func (p *Proxy) upstreamFailed(w http.ResponseWriter, r *http.Request, ex *exchange, hop int, err error) {
	if r.Context().Err() != nil {
		// Nobody to answer: record it, send nothing.
		ex.status, ex.class = 499, classClientGone
		return
	}
	c := classify(err)
	if !time.Now().Before(ex.deadline) {
		c = classTimeout
	}
	if hop == 0 && upstreamFailure(c) {
		ex.health = outcomeFailure
	}
	p.fail(w, ex, &proxyError{class: c, err: err})
}

// roundTrip sends one hop. It returns nil when it has answered the caller
// itself (a failure) or nobody is left to answer, and records what the
// first hop says of the target's health.
func (p *Proxy) roundTrip(w http.ResponseWriter, r, out *http.Request, hop int, ex *exchange) *http.Response {
	sent := time.Now()
	resp, err := p.upstream.RoundTrip(out)
	d := time.Since(sent)
	ex.upstream += d
	p.metrics.Upstream(d)
	if err != nil {
		p.upstreamFailed(w, r, ex, hop, err)
		return nil
	}
	if resp.StatusCode == http.StatusSwitchingProtocols {
		// The proxy never forwards Upgrade, so nobody asked for this; its
		// body is the raw connection, which nothing would ever end.
		_ = resp.Body.Close()
		if hop == 0 {
			ex.health = outcomeFailure
		}
		p.fail(w, ex, errorf(classUpstream, "the target switched protocols, which the proxy never asks for"))
		return nil
	}
	if hop == 0 {
		ex.health = outcomeOK
	}
	return resp
}

// redirectTarget returns where a redirect leads if the proxy follows it
// itself. One it does not follow (past MaxRedirects, or a 307/308 whose
// streamed body cannot be sent again) is handed to the caller with
// Location rewritten through the proxy.
func (p *Proxy) redirectTarget(resp *http.Response, t *target, hop int, replayable bool) (*url.URL, bool) {
	loc := resp.Header.Get("Location")
	if !isRedirect(resp.StatusCode) || loc == "" {
		return nil, false
	}
	next, err := t.u.Parse(loc)
	if err != nil {
		return nil, false
	}
	if hop >= p.c.MaxRedirects || (keepsMethod(resp.StatusCode) && !replayable) {
		resp.Header.Set("Location", "/"+next.String())
		return nil, false
	}
	return next, true
}

// keepsMethod reports whether a redirect keeps the method and the body.
func keepsMethod(code int) bool {
	return code == http.StatusTemporaryRedirect || code == http.StatusPermanentRedirect
}

func isRedirect(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

func sameOrigin(s1, h1, s2, h2 string) bool {
	return s1 == s2 && strings.EqualFold(h1, h2)
}

// drain reads a little of a body we do not need, so that its connection
// can be reused, and closes it.
func drain(b io.ReadCloser) {
	_, _ = io.CopyN(io.Discard, b, 4<<10)
	_ = b.Close()
}

// viaValue marks requests this proxy sent.
const viaValue = "1.1 crossorigin-proxy"

// looped reports whether the request has been through a crossorigin proxy.
func looped(r *http.Request) bool {
	for _, v := range r.Header["Via"] {
		if strings.Contains(v, "crossorigin-proxy") {
			return true
		}
	}
	return false
}

// outboundHeader copies the caller's header minus hop-by-hop fields,
// credentials (unless allowed for the target) and the configured removals,
// plus the configured additions.
func (p *Proxy) outboundHeader(r *http.Request, credentials bool) http.Header {
	out := make(http.Header, len(r.Header)+2)
	for k, vs := range r.Header {
		if !dropOutbound(k, credentials) {
			out[k] = vs
		}
	}
	// Headers named in Connection are hop-by-hop too.
	for _, v := range r.Header["Connection"] {
		for f := range strings.SplitSeq(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				delete(out, http.CanonicalHeaderKey(f))
			}
		}
	}
	for _, k := range p.c.removeHeaders {
		delete(out, k)
	}
	for _, kv := range p.c.setHeaders {
		out[kv[0]] = []string{kv[1]}
	}
	if p.c.ForwardedFor || p.c.Forwarded {
		p.addForwarding(out, r)
	}
	// Via (RFC 9110 section 7.6.3) also lets the proxy see itself coming:
	// a target that points back at the proxy would loop.
	out["Via"] = append(out["Via"][:len(out["Via"]):len(out["Via"])], viaValue)
	if _, ok := out["User-Agent"]; !ok {
		out["User-Agent"] = []string{""} // Go must not add its own
	}
	return out
}

// dropOutbound says whether the caller's header field k stays behind: the
// connection-level fields (RFC 9110 section 7.6.1) and the proxy-only ones,
// the credentials (credentialHeaders) unless allowed, X-Request-Id, and the
// fields that describe the client's address and the original request,
// since what a caller says about addresses is not the proxy's to vouch
// for: an upstream that trusts these would believe any IP.
func dropOutbound(k string, credentials bool) bool {
	switch k {
	case "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate",
		"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
		"X-Request-Id",
		"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-Port", "X-Real-Ip":
		return true
	case "Cookie", "Authorization":
		return !credentials
	}
	return false
}

// respond copies the upstream response to the caller: filtered headers,
// CORS, and the body streamed under the size cap.
func (p *Proxy) respond(w http.ResponseWriter, r *http.Request, resp *http.Response, first, final *target, ex *exchange) {
	defer func() { _ = resp.Body.Close() }()
	if p.c.MaxResponseBody > 0 && resp.ContentLength > p.c.MaxResponseBody {
		p.fail(w, ex, errorf(classResponseTooLarge, "").needs("MaxResponseBody", ""))
		return
	}
	h := w.Header()
	noBody := r.Method == http.MethodHead || resp.StatusCode == http.StatusNoContent || resp.StatusCode == http.StatusNotModified
	stored, ok := sharedcache.Stored(resp.Body)
	small := ok && len(stored) <= smallStoredBody && !noBody
	credentials := p.c.credHosts.match(strings.ToLower(final.u.Hostname()))
	for k, vs := range resp.Header {
		if skipResponseHeader(k, credentials) {
			continue
		}
		if small && k == "Content-Length" {
			// net/http computes it for a body that fits its buffer, and
			// the header map stays small (8 fields: no growing, cheaper
			// for net/http to copy).
			continue
		}
		if k == "Vary" {
			for _, v := range vs {
				h.Add(k, v)
			}
		} else {
			h[k] = vs
		}
	}
	for _, v := range resp.Header["Connection"] {
		for f := range strings.SplitSeq(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				h.Del(f)
			}
		}
	}
	// Each field its own slice, as everywhere: a handler around the proxy
	// that edits one value in place must not change the other.
	u := first.String()
	h["X-Request-Url"] = []string{u}
	if final != first {
		u = final.String()
	}
	h["X-Final-Url"] = []string{u}
	ex.status = resp.StatusCode
	if small || noBody {
		// Nothing to wait for and, under the server's own buffer, nothing
		// that reaches the connection before the handler returns: no
		// deadline, no header flusher, no copy.
		w.WriteHeader(resp.StatusCode)
		if small {
			n, _ := w.Write(stored)
			ex.bytes = int64(n)
		}
		return
	}
	// A caller that reads slowly is bounded too; the deadline is lifted
	// afterwards, as the server keeps none of its own between requests.
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Now().Add(p.c.Timeout))
	defer func() { _ = rc.SetWriteDeadline(time.Time{}) }()
	w.WriteHeader(resp.StatusCode)
	n, err := p.copyBody(w, rc, resp)
	ex.bytes = n
	if err != nil {
		if err == errResponseTooLarge {
			ex.class = classResponseTooLarge
		} else {
			ex.class = classify(err)
		}
		// The status is sent: the only honest signal left is to cut the
		// connection, so that the caller sees a truncated body.
		panic(http.ErrAbortHandler)
	}
}

// smallStoredBody is the largest body from the cache that respond writes at
// once: less than net/http's response buffer (2 KiB before it starts
// writing to the connection).
const smallStoredBody = 1536

// timedTransport bounds each hop sent to the network by its exchange's
// deadline (Config.Timeout from the start of forward, for all hops).
type timedTransport struct{ base http.RoundTripper }

func (t timedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ex, _ := req.Context().Value(exchangeKey{}).(*exchange)
	if ex == nil || ex.deadline.IsZero() {
		return t.base.RoundTrip(req)
	}
	ctx, cancel := context.WithDeadline(req.Context(), ex.deadline)
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelBody ends its request's context when it is closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// copyBody streams the body, flushing as it goes when the length is
// unknown (event streams, long polls), and stops at the size cap.
func (p *Proxy) copyBody(w http.ResponseWriter, rc *http.ResponseController, resp *http.Response) (int64, error) {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	flush := resp.ContentLength < 0
	limit := p.c.MaxResponseBody
	hf := newHeaderFlusher(rc)
	defer hf.stop()
	var n int64
	for {
		nr, rerr := resp.Body.Read(buf)
		if nr > 0 {
			if limit > 0 && n+int64(nr) > limit {
				return n, errResponseTooLarge
			}
			if n == 0 {
				hf.stop()
			}
			nw, werr := w.Write(buf[:nr])
			n += int64(nw)
			if werr != nil {
				return n, werr
			}
			if flush {
				_ = rc.Flush()
			}
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return n, rerr
		}
	}
}

// headerFlushDelay is how long the response headers may wait for the
// first bytes of the body, so that they go out in one write with them.
const headerFlushDelay = 50 * time.Millisecond

// A headerFlusher sends the response headers on their own if the body's
// first bytes take longer than headerFlushDelay: a stalled upstream body
// must not hold back headers that have arrived.
type headerFlusher struct {
	mu    sync.Mutex
	done  bool
	rc    *http.ResponseController
	timer *time.Timer
}

func newHeaderFlusher(rc *http.ResponseController) *headerFlusher {
	f := &headerFlusher{rc: rc}
	f.timer = time.AfterFunc(headerFlushDelay, f.flush)
	return f
}

func (f *headerFlusher) flush() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.done {
		_ = f.rc.Flush()
	}
}

// stop makes sure that flush neither runs now nor will run: the caller is
// about to write, or the handler to return.
func (f *headerFlusher) stop() {
	f.mu.Lock()
	f.done = true
	f.mu.Unlock()
	f.timer.Stop()
}

// skipResponseHeader drops hop-by-hop fields, the upstream's own CORS
// headers (the proxy answers CORS itself) and, unless allowed, cookies.
func skipResponseHeader(k string, credentials bool) bool {
	switch k {
	case "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate",
		"Te", "Trailer", "Transfer-Encoding", "Upgrade", "X-Request-Id":
		return true
	case "Set-Cookie", "Set-Cookie2":
		return !credentials
	}
	return strings.HasPrefix(k, "Access-Control-")
}
