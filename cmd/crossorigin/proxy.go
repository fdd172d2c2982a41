package main

import (
	"context"
	"fmt"
	"io"
)

// runProxy is a placeholder until the proxy command lands.
func runProxy(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "crossorigin proxy: not implemented yet")
	return 2
}
