package origin

import (
	"fmt"
	"testing"
)

func BenchmarkMatch(b *testing.B) {
	var many []string
	for i := range 1000 {
		many = append(many, fmt.Sprintf("https://app%d.example.com", i))
	}
	many = append(many, "https://*.tenants.example.org", "http://localhost:*")
	for i := range 20 {
		many = append(many, fmt.Sprintf("https://*.t%d.example.net", i))
	}
	m, err := Compile(many...)
	if err != nil {
		b.Fatal(err)
	}
	for _, o := range []string{"https://app999.example.com", "https://a.b.tenants.example.org", "https://a.t19.example.net", "http://localhost:8080", "https://evil.example"} {
		b.Run(o, func(b *testing.B) {
			for b.Loop() {
				m.Match(o)
			}
		})
	}
}

// BenchmarkMatchWildcard is the shape of bench/'s wildcardAllowed scenario.
func BenchmarkMatchWildcard(b *testing.B) {
	m, err := Compile("https://*.example.com")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if !m.Match("https://api.eu.example.com") {
			b.Fatal("no match")
		}
	}
}
