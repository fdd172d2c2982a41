// Command proxybare is the baseline of the proxy benchmark: a bare
// httputil.ReverseProxy that forwards /http://host:port/path to the target
// with Access-Control-Allow-Origin: *, with the same upstream pool size as
// crossorigin proxy and none of its checks. It serves on 127.0.0.1 only
// and prints "listening on http://ADDR".
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
)

func main() {
	pool := flag.Int("pool", 64, "MaxIdleConnsPerHost of the upstream transport")
	flag.Parse()
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			u, err := url.Parse(strings.TrimPrefix(pr.In.RequestURI, "/"))
			if err != nil {
				return
			}
			pr.SetURL(u)
			pr.Out.URL.Path, pr.Out.URL.RawPath = u.Path, u.RawPath
		},
		ModifyResponse: func(r *http.Response) error {
			r.Header.Set("Access-Control-Allow-Origin", "*")
			r.Header.Del("Set-Cookie")
			return nil
		},
		Transport: &http.Transport{
			MaxIdleConns:        *pool * 4,
			MaxIdleConnsPerHost: *pool,
			DisableCompression:  true,
		},
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "listening on http://%s\n", ln.Addr())
	log.Fatal(http.Serve(ln, rp))
}
