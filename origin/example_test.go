package origin_test

import (
	"fmt"
	"net/url"

	"github.com/crossorigin/crossorigin/origin"
)

func ExampleParse() {
	o, err := origin.Parse("HTTPS://App.Example.com:443")
	if err != nil {
		panic(err)
	}
	fmt.Println(o, o.Site())

	_, err = origin.Parse("https://app.example.com/")
	fmt.Println(err)
	// Output:
	// https://app.example.com https://example.com
	// origin "https://app.example.com/": has a trailing slash (an origin has no path: write https://app.example.com)
}

func ExampleCompile() {
	m, err := origin.Compile("https://app.example.com", "https://*.example.org", "http://localhost:*")
	if err != nil {
		panic(err)
	}
	for _, o := range []string{
		"https://app.example.com",
		"https://tenant.example.org",
		"https://example.org", // the apex is not a subdomain
		"http://localhost:5173",
		"https://app.example.com.evil.com",
	} {
		fmt.Println(o, m.Match(o))
	}
	// Output:
	// https://app.example.com true
	// https://tenant.example.org true
	// https://example.org false
	// http://localhost:5173 true
	// https://app.example.com.evil.com false
}

func ExampleCompile_errors() {
	_, err := origin.Compile("https://*.co.uk", "example.com")
	fmt.Println(err)
	// Output:
	// origin "https://*.co.uk": wildcard over the public suffix co.uk (anyone can register a domain under co.uk: list your own domain, as in https://*.yourdomain.co.uk)
	// origin "example.com": missing scheme (write the scheme too, as in https://example.com)
}

func ExampleParsePattern() {
	for _, s := range []string{"https://*.example.com", "http://localhost:*", "https://*example.com", "https://app.example.com:443"} {
		p, err := origin.ParsePattern(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(p, p.IsWildcard(), p.Match(origin.MustParse("https://a.example.com")))
	}
	// Output:
	// https://*.example.com true true
	// http://localhost:* true false
	// origin "https://*example.com": unsupported wildcard (a wildcard must be a whole leading label, as in https://*.example.com, or the whole port, as in http://localhost:*)
	// origin "https://app.example.com:443": explicit default port (browsers never send it: write https://app.example.com)
}

func ExampleOrigin_SameSite() {
	app := origin.MustParse("https://app.example.co.uk")
	api := origin.MustParse("https://api.example.co.uk:8443")
	other := origin.MustParse("https://evil.co.uk")
	fmt.Println(app.Site(), app.SameSite(api), app.SameSite(other))
	// Output:
	// https://example.co.uk true false
}

func ExampleFromURL() {
	u, _ := url.Parse("https://API.example.com:443/v1/items?id=1")
	fmt.Println(origin.FromURL(u))
	u, _ = url.Parse("file:///home/user/index.html")
	fmt.Println(origin.FromURL(u))
	// Output:
	// https://api.example.com
	// null
}

func ExampleOrigin_IsPotentiallyTrustworthy() {
	for _, s := range []string{"https://example.com", "http://example.com", "http://localhost:3000", "http://127.0.0.1:8080"} {
		o := origin.MustParse(s)
		fmt.Println(o, o.IsPotentiallyTrustworthy(), o.IsLoopback())
	}
	// Output:
	// https://example.com true false
	// http://example.com false false
	// http://localhost:3000 true true
	// http://127.0.0.1:8080 true true
}
