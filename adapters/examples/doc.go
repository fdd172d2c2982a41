// Package examples shows the crossorigin middleware in routers that are
// net/http already, chi and gorilla/mux: no adapter is needed, only the
// right place in the chain. It is a module of its own so that the main
// module does not depend on either router.
package examples
