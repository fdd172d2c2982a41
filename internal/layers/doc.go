// Package layers has no code: its test checks that the module's packages
// import one another only downwards, in the order of DESIGN.md's package
// table (the layers below), that leaves under internal/ import nothing of
// the module outside internal/, and that the core packages import only the
// standard library and golang.org/x.
//
// From the top: cmd/crossorigin; demo; scan; the proxy's subpackages
// (proxy/redislimit, proxy/tracing, ...); proxy; browser; cors; csrf;
// jsonp; origin; internal/... A package imports only packages below it.
package layers
