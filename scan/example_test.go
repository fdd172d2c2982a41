package scan_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"

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
		_, _ = fmt.Fprint(w, `{"user":"alice"}`)
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

// An API that trusts its front end, https://app.example.com, with a
// prefix check: the scan finds the front end among the siblings of
// api.example.com and tries the bypasses of its check. The transport
// reaches the test server under the API's real-looking name.
func ExampleScanner_Scan_trustedFrontEnd() {
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); strings.HasPrefix(o, "https://app.example.com") {
			w.Header().Set("Access-Control-Allow-Origin", o)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}
		w.Header().Set("Vary", "Origin")
	}))
	defer api.Close()
	tr := api.Client().Transport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, api.Listener.Addr().String())
	}
	defer tr.CloseIdleConnections()

	s, err := scan.New(scan.Config{Transport: tr})
	if err != nil {
		panic(err)
	}
	rep, err := s.Scan(context.Background(), "https://api.example.com/me")
	if err != nil {
		panic(err)
	}
	fmt.Println("trusted:", rep.Targets[0].Trusted)
	for _, f := range rep.Findings {
		// The attacker's name has a random label: app.example.com.<r>.com.
		fmt.Println(f.Severity, f.Class, strings.HasPrefix(f.Origin, "https://app.example.com."), "bypasses", f.Evidence.Trusted)
	}
	// Output:
	// trusted: [https://app.example.com]
	// critical prefix-match true bypasses https://app.example.com
}
