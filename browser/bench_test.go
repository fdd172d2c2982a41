package browser

import (
	"net/http"
	"testing"
)

func BenchmarkIsSafelisted(b *testing.B) {
	h := http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"42"}, "Accept": {"*/*"}}
	for b.Loop() {
		IsSafelisted("POST", h)
	}
}

func BenchmarkCheckResponse(b *testing.B) {
	h := http.Header{"Access-Control-Allow-Origin": {app}, "Access-Control-Allow-Credentials": {"true"}}
	for b.Loop() {
		if CheckResponse(app, true, h) != nil {
			b.Fatal("blocked")
		}
	}
}

func BenchmarkCheckPreflight(b *testing.B) {
	h := http.Header{
		"Access-Control-Allow-Origin":  {app},
		"Access-Control-Allow-Methods": {"GET, POST, PUT, DELETE"},
		"Access-Control-Allow-Headers": {"Content-Type, Authorization, X-Request-Id"},
		"Access-Control-Max-Age":       {"600"},
	}
	names := []string{"authorization", "content-type"}
	for b.Loop() {
		if CheckPreflight(app, false, "PUT", names, 204, h) != nil {
			b.Fatal("blocked")
		}
	}
}
