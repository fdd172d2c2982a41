package scan_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/crossorigin/crossorigin/scan"
)

// A server that copies any Origin into Access-Control-Allow-Origin and
// allows credentials: every website can read its users' data.
func ExampleScanner_Scan() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" {
			w.Header().Set("Access-Control-Allow-Origin", o)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
			w.Header().Set("Vary", "Origin")
		}
		fmt.Fprint(w, `{"user":"alice"}`)
	}))
	defer api.Close()

	s, err := scan.New(scan.Config{})
	if err != nil {
		panic(err)
	}
	rep, err := s.Scan(context.Background(), api.URL+"/me")
	if err != nil {
		panic(err)
	}
	for _, f := range rep.Findings {
		fmt.Println(f.Severity, f.Class, f.Credentials, f.Evidence.Verdict)
	}
	fmt.Println("fail at medium:", rep.AtLeast(scan.Medium))
	// Output:
	// critical reflect-any-origin true allowed
	// critical null-origin true allowed
	// fail at medium: true
}

func ExampleParseSeverity() {
	s, err := scan.ParseSeverity("HIGH")
	fmt.Println(s, err, s > scan.Medium)
	// Output: high <nil> true
}
