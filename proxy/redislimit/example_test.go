package redislimit_test

import (
	"log"
	"log/slog"
	"net/http"
	"time"

	"github.com/crossorigin/crossorigin/proxy"
	"github.com/crossorigin/crossorigin/proxy/redislimit"
	"github.com/redis/go-redis/v9"
)

// Replicas behind a load balancer share their rate limits through Redis,
// here a master found through Sentinels. A Redis that hangs or dies costs
// each check 200 ms at most; after three failures the limiter lets
// requests through without asking it, and Ready says so. (Not run: it
// needs a Redis.)
func ExampleNew() {
	rdb := redis.NewFailoverClient(&redis.FailoverOptions{
		MasterName:            "mymaster",
		SentinelAddrs:         []string{"10.0.0.1:26379", "10.0.0.2:26379"},
		ContextTimeoutEnabled: true, // optional: the limiter bounds each check either way
	})
	redis.SetLogger(redislimit.Logger{L: slog.Default()}) // go-redis's own messages through slog
	lim := redislimit.New(rdb, redislimit.Options{Prefetch: 64, AutoPipeline: true})
	defer func() { _ = lim.Close() }()
	p, err := proxy.New(proxy.Config{
		PerIP:   proxy.Rate{Requests: 60, Per: time.Minute},
		PerHost: proxy.Rate{Requests: 100, Per: time.Second},
		Limiter: lim,
	})
	if err != nil {
		log.Fatal(err)
	}
	// Readiness on an operations listener (the proxy itself must not sit
	// behind a ServeMux, which would clean "//" out of target URLs).
	ops := http.NewServeMux()
	ops.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if err := lim.Ready(); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
		}
	})
	go func() { log.Fatal(http.ListenAndServe("127.0.0.1:9090", ops)) }()
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", p))
}
