module github.com/crossorigin/crossorigin/bench

go 1.26.0

replace github.com/crossorigin/crossorigin => ../

require (
	github.com/crossorigin/crossorigin v0.0.0-00010101000000-000000000000
	github.com/jub0bs/cors v1.0.5
	github.com/rs/cors v1.11.1
)

require (
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/text v0.43.0 // indirect
)
