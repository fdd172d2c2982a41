package origin_test

import (
	"fmt"

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
