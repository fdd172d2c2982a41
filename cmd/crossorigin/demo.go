package main

import (
	"context"
	"fmt"
	"io"
)

// runDemo is a placeholder until the demo command lands.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "crossorigin demo: not implemented yet")
	return 2
}
