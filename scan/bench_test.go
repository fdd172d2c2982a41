package scan

import (
	"testing"
)

// BenchmarkScanOneTarget is one target's full scan (about 50 requests,
// preflight and JSONP included) against a loopback server that reflects
// every origin.
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
