package main

import (
	"context"
	"fmt"
	"io"
)

// runScan is a placeholder until the scan command lands.
func runScan(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "crossorigin scan: not implemented yet")
	return 2
}
