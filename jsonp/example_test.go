package jsonp_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/crossorigin/crossorigin/jsonp"
)

// weather is a plain JSON API.
var weather = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"city":"Oslo","sky":"<clear>"}`)
})

func get(h http.Handler, target string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", target, nil))
	return w
}

func ExampleNew() {
	j, err := jsonp.New(jsonp.Config{})
	if err != nil {
		panic(err)
	}
	h := j.Handler(weather)

	w := get(h, "/weather?callback=showWeather")
	fmt.Println(w.Header().Get("Content-Type"))
	fmt.Println(w.Body)

	w = get(h, "/weather") // no callback: the plain JSON
	fmt.Println(w.Header().Get("Content-Type"))
	fmt.Println(w.Body)
	// Output:
	// text/javascript; charset=utf-8
	// /**/ typeof showWeather === 'function' && showWeather({"city":"Oslo","sky":"\u003cclear\u003e"});
	// application/json
	// {"city":"Oslo","sky":"<clear>"}
}

func ExampleResponder_Handler_refused() {
	j, _ := jsonp.New(jsonp.Config{})
	h := j.Handler(weather)
	for _, target := range []string{
		"/weather?callback=alert(document.domain)//",
		"/weather?callback=opener.document.forms[0].submit",
		"/weather?callback=eval",
		"/weather?callback=opener.document.body.click",
		"/weather?callback=close",
	} {
		w := get(h, target)
		fmt.Print(w.Code, " ", w.Body)
	}
	// Output:
	// 400 jsonp: invalid callback "alert(document.domain)//": '(' is not allowed; use letters, digits, '_', '$' and '.'
	// 400 jsonp: invalid callback "opener.document.forms[0].submit": a bracket is not allowed; use letters, digits, '_', '$' and '.'
	// 400 jsonp: invalid callback "eval": "eval" would turn the data into code
	// 400 jsonp: invalid callback "opener.document.body.click": callbacks rooted at opener can reach other windows or the document (Same-Origin Method Execution)
	// 400 jsonp: invalid callback "close": close is a method of the window, not a callback (Same-Origin Method Execution)
}

func ExampleConfig_callbackPattern() {
	// Answer only the names jQuery generates, such as jQuery360_1700000000.
	j, err := jsonp.New(jsonp.Config{CallbackPattern: `jQuery[0-9]+_[0-9]+`})
	if err != nil {
		panic(err)
	}
	h := j.Handler(weather)
	for _, cb := range []string{"jQuery360_1700000000", "app.onWeather", "jQuery360_1.x"} {
		fmt.Println(cb, get(h, "/weather?callback="+cb).Code)
	}
	// Output:
	// jQuery360_1700000000 200
	// app.onWeather 400
	// jQuery360_1.x 400
}

func ExampleConfig_credentialedCallers() {
	// Per-user data as JSONP, for one legacy page only.
	j, _ := jsonp.New(jsonp.Config{
		CredentialedCallers: []string{"https://legacy.example.com"},
		RequireScriptDest:   true,
	})
	h := j.Handler(weather)
	for _, referer := range []string{"https://legacy.example.com/page", "https://evil.example/"} {
		r := httptest.NewRequest("GET", "/me?callback=cb", nil)
		r.Header.Set("Cookie", "session=1")
		r.Header.Set("Referer", referer)
		r.Header.Set("Sec-Fetch-Dest", "script")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(referer, w.Code)
	}
	// Output:
	// https://legacy.example.com/page 200
	// https://evil.example/ 403
}

func ExampleValidateCallback() {
	for _, cb := range []string{"jQuery360_1", "app.callbacks.done", "a[0]", "new"} {
		fmt.Println(cb, jsonp.ValidateCallback(cb, 128))
	}
	// Output:
	// jQuery360_1 <nil>
	// app.callbacks.done <nil>
	// a[0] invalid callback "a[0]": a bracket is not allowed; use letters, digits, '_', '$' and '.'
	// new invalid callback "new": "new" is a JavaScript reserved word
}

func ExampleWrap() {
	fmt.Printf("%s\n", jsonp.Wrap("cb", []byte(`{"html":"<b>"}`)))
	// Output:
	// /**/ typeof cb === 'function' && cb({"html":"\u003cb\u003e"});
}
