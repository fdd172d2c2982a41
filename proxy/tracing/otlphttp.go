package tracing

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// otlpClient sends spans as OTLP/HTTP with protobuf bodies (the
// "http/protobuf" protocol of the OTLP specification) to one URL. It is
// the exporter's transport: otlptrace turns the SDK's spans into the
// protobuf messages it uploads.
//
// It stands in for go.opentelemetry.io/otel/exporters/otlp/otlptrace/
// otlptracehttp, which links grpc, grpc-gateway and the collector's
// generated service code only to share option types with the gRPC
// exporter: about 15 MB of binary and 4 MB of resident pages that the
// proxy never runs. What it reads from the environment is what that
// exporter reads for HTTP (see otlpSettings).
type otlpClient struct {
	url      string
	header   http.Header
	gzip     bool
	timeout  time.Duration
	client   *http.Client
	stop     chan struct{}
	stopOnce sync.Once
	maxRetry time.Duration // total time spent retrying one batch
}

var _ otlptrace.Client = (*otlpClient)(nil)

// otlpSettings is what the exporter is configured with: the endpoint and
// the OTEL_EXPORTER_OTLP_* variables (each TRACES_ one overriding its
// general one), the way the OpenTelemetry specification defines them for
// OTLP/HTTP: ENDPOINT (a base URL, to which /v1/traces is added),
// TRACES_ENDPOINT (the full URL), HEADERS (key=value pairs, separated by
// commas, values percent-decoded), COMPRESSION (gzip or none), TIMEOUT
// (milliseconds, default 10000), CERTIFICATE (a PEM file of trusted CAs),
// CLIENT_CERTIFICATE and CLIENT_KEY (PEM files for mutual TLS). PROTOCOL
// may only be http/protobuf (the default) here.
func otlpSettings(endpoint string, getenv func(string) string) (*otlpClient, error) {
	env := func(name string) string {
		if v := getenv("OTEL_EXPORTER_OTLP_TRACES_" + name); v != "" {
			return v
		}
		return getenv("OTEL_EXPORTER_OTLP_" + name)
	}
	var errs []error
	c := &otlpClient{header: http.Header{}, timeout: 10 * time.Second, maxRetry: time.Minute, stop: make(chan struct{})}
	switch {
	case endpoint != "":
		c.url = endpoint
	case getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "":
		c.url = getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
	case getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "":
		u, err := url.Parse(getenv("OTEL_EXPORTER_OTLP_ENDPOINT"))
		if err != nil {
			return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT: %v", err)
		}
		u.Path = path.Join(u.Path, "/v1/traces")
		c.url = u.String()
	}
	if u, err := url.Parse(c.url); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("endpoint %q: not an http or https URL", c.url))
	}
	if v := env("PROTOCOL"); v != "" && v != "http/protobuf" {
		errs = append(errs, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL %q: only http/protobuf is supported", v))
	}
	if v := env("HEADERS"); v != "" {
		for pair := range strings.SplitSeq(v, ",") {
			k, val, ok := strings.Cut(pair, "=")
			k = strings.TrimSpace(k)
			dec, err := url.PathUnescape(val)
			if !ok || k == "" || err != nil {
				errs = append(errs, fmt.Errorf("OTEL_EXPORTER_OTLP_HEADERS: %q is not key=value", pair))
				continue
			}
			c.header.Set(k, strings.TrimSpace(dec))
		}
	}
	switch v := env("COMPRESSION"); v {
	case "gzip":
		c.gzip = true
	case "", "none":
	default:
		errs = append(errs, fmt.Errorf("OTEL_EXPORTER_OTLP_COMPRESSION %q: gzip or none", v))
	}
	if v := env("TIMEOUT"); v != "" {
		ms, err := strconv.Atoi(v)
		if err != nil || ms <= 0 {
			errs = append(errs, fmt.Errorf("OTEL_EXPORTER_OTLP_TIMEOUT %q: a number of milliseconds", v))
		} else {
			c.timeout = time.Duration(ms) * time.Millisecond
		}
	}
	tc, err := otlpTLS(env)
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 2
	if tc != nil {
		t.TLSClientConfig = tc
	}
	c.client = &http.Client{Transport: t, Timeout: c.timeout}
	return c, nil
}

// otlpTLS is the TLS configuration from the CERTIFICATE, CLIENT_CERTIFICATE
// and CLIENT_KEY variables, or nil for the system's defaults.
func otlpTLS(env func(string) string) (*tls.Config, error) {
	ca, cert, key := env("CERTIFICATE"), env("CLIENT_CERTIFICATE"), env("CLIENT_KEY")
	if ca == "" && cert == "" && key == "" {
		return nil, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_CERTIFICATE: %v", err)
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_CERTIFICATE: no PEM certificate in %s", ca)
		}
	}
	if cert != "" || key != "" {
		kp, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE and _CLIENT_KEY: %v", err)
		}
		tc.Certificates = []tls.Certificate{kp}
	}
	return tc, nil
}

func (c *otlpClient) Start(ctx context.Context) error { return ctx.Err() }

// Stop ends the retries of an upload in progress.
func (c *otlpClient) Stop(ctx context.Context) error {
	c.stopOnce.Do(func() { close(c.stop) })
	c.client.CloseIdleConnections()
	return ctx.Err()
}

// exportRequest encodes an ExportTraceServiceRequest, whose only field is
// "repeated ResourceSpans resource_spans = 1": each element is the
// field's tag and the element's length-prefixed encoding, one after the
// other.
func exportRequest(rss []*tracepb.ResourceSpans) ([]byte, error) {
	var b []byte
	for _, rs := range rss {
		m, err := proto.Marshal(rs)
		if err != nil {
			return nil, err
		}
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendBytes(b, m)
	}
	return b, nil
}

// UploadTraces posts one batch, retrying (with exponential backoff, or
// after the Retry-After the collector asks for) when it answers 429, 502,
// 503 or 504 or cannot be reached, for at most a minute.
func (c *otlpClient) UploadTraces(ctx context.Context, rss []*tracepb.ResourceSpans) error {
	body, err := exportRequest(rss)
	if err != nil {
		return err
	}
	if c.gzip {
		var zb bytes.Buffer
		zw := gzip.NewWriter(&zb)
		_, _ = zw.Write(body)
		if err := zw.Close(); err != nil {
			return err
		}
		body = zb.Bytes()
	}
	ctx, cancel := context.WithTimeout(ctx, c.maxRetry)
	defer cancel()
	wait := time.Second
	for {
		retry, after, err := c.post(ctx, body)
		if !retry {
			return err
		}
		if after > 0 {
			wait = after
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-c.stop:
			t.Stop()
			return err
		}
		wait = min(2*wait, 30*time.Second)
	}
}

// post sends body once and says whether to try again, and when.
func (c *otlpClient) post(ctx context.Context, body []byte) (retry bool, after time.Duration, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return false, 0, err
	}
	for k, vs := range c.header {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("User-Agent", "crossorigin-proxy OTLP exporter")
	if c.gzip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return ctx.Err() == nil, 0, err
	}
	// The body is an ExportTraceServiceResponse (or an error Status); a
	// partial success is not an error worth retrying for, so it is read
	// only to keep the connection, and not decoded.
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return false, 0, nil
	case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode == http.StatusBadGateway,
		resp.StatusCode == http.StatusServiceUnavailable, resp.StatusCode == http.StatusGatewayTimeout:
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			after = time.Duration(s) * time.Second
		}
		return true, after, fmt.Errorf("OTLP export to %s: %s", c.url, resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/") {
		msg = nil // a binary Status: its status line says enough
	}
	return false, 0, fmt.Errorf("OTLP export to %s: %s %s", c.url, resp.Status, bytes.TrimSpace(msg))
}
