package demo_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/crossorigin/crossorigin/demo"
)

// Start the playground on free loopback ports, as the e2e test does, and
// stop it when the context ends.
func ExampleListen() {
	d, err := demo.Listen(demo.Config{}) // zero ports: free ones
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- d.Serve(ctx) }()

	resp, err := http.Get(d.PageURL + "/scenarios")
	if err == nil {
		_ = resp.Body.Close()
		fmt.Println(strings.HasPrefix(d.PageURL, "http://localhost:"), resp.Status)
	}
	fmt.Println(len(d.Scenarios()) > 10)

	cancel()
	fmt.Println(<-done)
	// Output:
	// true 200 OK
	// true
	// <nil>
}
