module github.com/crossorigin/crossorigin/adapters/examples

go 1.26.0

require (
	github.com/crossorigin/crossorigin v0.0.0
	github.com/go-chi/chi/v5 v5.5.0
	github.com/gorilla/mux v1.8.1
)

require golang.org/x/net v0.62.0 // indirect

replace github.com/crossorigin/crossorigin => ../..
