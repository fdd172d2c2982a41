// Package echoadapter runs the crossorigin middleware (package cors and
// package csrf) in an echo v4 server.
//
// It is a module of its own, github.com/crossorigin/crossorigin/adapters/echo,
// so that users of net/http never download echo. It is written for
// github.com/labstack/echo/v4, the major version most echo users run:
//
//	import echoadapter "github.com/crossorigin/crossorigin/adapters/echo"
//
//	m, err := cors.New(cors.Config{Origins: []string{"https://app.example.com"}})
//	...
//	e := echo.New()
//	e.Use(echoadapter.CORS(m))
//
// Register it with Echo.Use (or Echo.Pre): echo runs that middleware for
// requests that match no route too, which is what a preflight (an OPTIONS
// request to a path that has only, say, PUT) usually is.
//
// Both are net/http middleware run through echo.WrapMiddleware, which
// hands the rest of the chain the request and the ResponseWriter the
// middleware passes on: headers that echo handlers set go through the cors
// middleware's writer, so Vary: Origin survives c.Response().Header().Set("Vary", ...).
package echoadapter

import (
	"github.com/crossorigin/crossorigin/cors"
	"github.com/crossorigin/crossorigin/csrf"
	"github.com/labstack/echo/v4"
)

// CORS returns echo middleware that applies the CORS middleware m: it
// answers preflights itself and adds the CORS headers to every other
// response.
func CORS(m *cors.Middleware) echo.MiddlewareFunc { return echo.WrapMiddleware(m.Handler) }

// CSRF returns echo middleware that refuses the requests the guard g
// refuses, with g's deny handler or 403, before any handler runs.
func CSRF(g *csrf.Guard) echo.MiddlewareFunc { return echo.WrapMiddleware(g.Handler) }
