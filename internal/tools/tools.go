//go:build tools

// Package tools pins modules that packages of this repository use, so that
// go.mod lists them while those packages are being written.
package tools

import (
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/redis/go-redis/v9"
	_ "golang.org/x/net/publicsuffix"
	_ "golang.org/x/time/rate"
)
