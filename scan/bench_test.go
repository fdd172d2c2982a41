package scan

import (
	"testing"
)

// BenchmarkScanOneTarget is one target's full scan against a loopback
// server that reflects every origin: 31 requests, preflight and JSONP
// included (a target that reflects any origin needs no bypass family).
// BenchmarkScanSiblingTrust is a target that trusts its front end with a
// prefix check: about 60 requests.
func BenchmarkScanOneTarget(b *testing.B) {
	var entry zooEntry
	for _, e := range zooEntries() {
		if e.name == "reflect" {
			entry = e
		}
	}
	u, cert := zooURL(b, entry)
	s, err := New(Config{Transport: loopbackTransport(b, cert)})
	if err != nil {
		b.Fatal(err)
	}
	var requests int
	for b.Loop() {
		rep, err := s.Scan(b.Context(), u)
		if err != nil || len(rep.Findings) == 0 {
			b.Fatal(err, rep)
		}
		requests = rep.Targets[0].Requests
	}
	b.ReportMetric(float64(requests), "requests/op")
}

func BenchmarkScanSiblingTrust(b *testing.B) {
	u, cert := zooURL(b, zooEntry{handler: corsServer(func(o string) bool { return len(o) >= 23 && o[:23] == "https://app.example.com" }, true)})
	s, err := New(Config{Transport: loopbackTransport(b, cert)})
	if err != nil {
		b.Fatal(err)
	}
	var requests int
	for b.Loop() {
		rep, err := s.Scan(b.Context(), u)
		if err != nil || len(rep.Findings) == 0 {
			b.Fatal(err, rep)
		}
		requests = rep.Targets[0].Requests
	}
	b.ReportMetric(float64(requests), "requests/op")
}
