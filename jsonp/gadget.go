package jsonp

// Same-Origin Method Execution (SOME, Ben Hayak, 2014) turns a JSONP
// endpoint that lets the caller choose the callback into a way to call any
// function of the endpoint's origin. The attacker's page opens a page of
// the victim's origin (window A), then makes a second page of that origin
// load the JSONP script with a callback such as
// opener.document.body.firstElementChild.click: the script runs in the
// victim's origin, and "calling back" clicks a button in window A, which
// the same-origin policy lets it reach. The typeof guard in the response
// does not help, since these are functions. The gadgets are of three kinds,
// each refused by ValidateCallback:
//
//   - a path rooted at an object that reaches other windows, the document
//     or navigation (gadgetRoots);
//   - a bare name that is a method of the Window itself: close, print,
//     postMessage, ... (windowMethods);
//   - a path that ends in a method that acts on the page as a user would:
//     click, submit, ... reached through an element's id, which browsers
//     also expose as a global name (gadgetActions).
//
// These lists stop the generic gadgets. A page's own objects (app.logout)
// are gadgets the lists cannot know; only Config.Callbacks or
// Config.CallbackPattern, which take the choice of function away from the
// caller, stop those.

// gadgetRoots are the global names that lead to another window, the
// document, the location or the storage of the origin. A callback whose
// first name is one of them is refused, dotted or not.
var gadgetRoots = map[string]bool{
	// The window itself and the windows it can reach (HTML, the Window
	// interface's WindowProxy attributes).
	"window": true, "self": true, "globalThis": true, "frames": true,
	"top": true, "parent": true, "opener": true, "frameElement": true,
	"content": true, // Firefox's old alias of top
	// The document and navigation.
	"document": true, "location": true, "history": true, "navigation": true,
	// Objects with methods that act on the origin's state or the user.
	"navigator": true, "clientInformation": true, "localStorage": true,
	"sessionStorage": true, "indexedDB": true, "caches": true,
	"cookieStore": true, "customElements": true, "external": true,
	"screen": true, "visualViewport": true, "speechSynthesis": true,
}

// windowMethods are the operations of the Window interface: those of the
// HTML standard's Window (close, stop, focus, blur, open, alert, confirm,
// prompt, print, postMessage, captureEvents, releaseEvents) and of the
// mixins and partial interfaces every browser applies to it:
// WindowOrWorkerGlobalScope (HTML and Fetch), AnimationFrameProvider
// (HTML), EventTarget (DOM), CSSOM View, CSSOM, Selection API,
// requestIdleCallback, and the non-standard find that Chromium and Firefox
// ship. Called with the data, many do nothing harmful, but none is a
// callback anyone means: refusing them all is simpler to reason about
// than choosing.
var windowMethods = map[string]bool{
	// HTML: Window.
	"close": true, "stop": true, "focus": true, "blur": true, "open": true,
	"alert": true, "confirm": true, "prompt": true, "print": true,
	"postMessage": true, "captureEvents": true, "releaseEvents": true,
	// HTML and Fetch: WindowOrWorkerGlobalScope.
	"reportError": true, "btoa": true, "atob": true, "clearTimeout": true,
	"clearInterval": true, "queueMicrotask": true,
	"createImageBitmap": true, "structuredClone": true, "fetch": true,
	// (setTimeout and setInterval are refused everywhere: see dangerous.)
	// HTML: AnimationFrameProvider.
	"requestAnimationFrame": true, "cancelAnimationFrame": true,
	// DOM: EventTarget.
	"addEventListener": true, "removeEventListener": true, "dispatchEvent": true,
	// CSSOM View, CSSOM, Selection API, requestIdleCallback.
	"matchMedia": true, "moveTo": true, "moveBy": true, "resizeTo": true,
	"resizeBy": true, "scroll": true, "scrollTo": true, "scrollBy": true,
	"getComputedStyle": true, "getSelection": true,
	"requestIdleCallback": true, "cancelIdleCallback": true,
	// Not standard, shipped by Chromium and Firefox.
	"find": true,
}

// gadgetActions are methods of elements, documents and windows that act
// as the user would (click a button, submit a form), destroy, or navigate.
// A dotted callback ending in one of them is refused: an element with an
// id is a global name (deleteButton.click), so no root is needed to reach
// it.
var gadgetActions = map[string]bool{
	"click": true, "submit": true, "requestSubmit": true, "reset": true,
	"remove": true, "replaceWith": true, "replaceChildren": true,
	"showModal": true, "showPopover": true, "togglePopover": true,
	"requestFullscreen": true, "requestPointerLock": true,
	"execCommand": true, "write": true, "writeln": true,
	"assign": true, "reload": true, "back": true, "forward": true, "go": true,
	"pushState": true, "replaceState": true, "navigate": true,
	"postMessage": true, "open": true, "close": true, "focus": true,
}

// gadgetReason returns why the dotted names of a callback form a Same-Origin
// Method Execution gadget, or "".
func gadgetReason(first, last string, segments int) string {
	switch {
	case gadgetRoots[first]:
		return "callbacks rooted at " + first + " can reach other windows or the document (Same-Origin Method Execution)"
	case segments == 1 && windowMethods[first]:
		return first + " is a method of the window, not a callback (Same-Origin Method Execution)"
	case segments > 1 && gadgetActions[last]:
		return last + " acts on the page as its user would (Same-Origin Method Execution)"
	}
	return ""
}
