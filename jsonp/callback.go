package jsonp

import (
	"strconv"
)

// CallbackError says why a callback name was refused.
type CallbackError struct {
	Callback string // the refused name, cut to 64 bytes
	Reason   string
}

// Error returns the refused callback and the reason.
func (e *CallbackError) Error() string {
	return "invalid callback " + strconv.Quote(e.Callback) + ": " + e.Reason
}

func callbackError(cb, reason string) *CallbackError {
	if len(cb) > 64 {
		cb = cb[:64] + "..."
	}
	return &CallbackError{Callback: cb, Reason: reason}
}

// maxSegments bounds the dots in a callback: a.b.c.d is plenty for
// namespaced callbacks, and long member chains are what Same-Origin Method
// Execution abuses.
const maxSegments = 4

// ValidateCallback reports whether cb is acceptable as a JSONP callback:
// one to four ASCII JavaScript identifiers joined by dots, at most maxLen
// bytes in all, none of them a reserved word or one of the names that turn
// a call into code execution (eval, Function, constructor, ...), and not a
// Same-Origin Method Execution gadget (see the package documentation): not
// rooted at window, document, location, opener, ..., not a bare method of
// the window (close, print, ...) and not ending in an action such as click
// or submit. It returns a *CallbackError saying why not.
//
// The Same-Origin Method Execution gadgets it refuses are, in full:
//
//   - callbacks whose first name is window, self, globalThis, frames, top,
//     parent, opener, frameElement, content, document, location, history,
//     navigation, navigator, clientInformation, localStorage,
//     sessionStorage, indexedDB, caches, cookieStore, customElements,
//     external, screen, visualViewport or speechSynthesis;
//   - the bare names of the Window's operations: close, stop, focus, blur,
//     open, alert, confirm, prompt, print, postMessage, captureEvents,
//     releaseEvents (HTML's Window); reportError, btoa, atob, clearTimeout,
//     clearInterval, queueMicrotask, createImageBitmap, structuredClone,
//     fetch (WindowOrWorkerGlobalScope); requestAnimationFrame,
//     cancelAnimationFrame; addEventListener, removeEventListener,
//     dispatchEvent (EventTarget); matchMedia, moveTo, moveBy, resizeTo,
//     resizeBy, scroll, scrollTo, scrollBy (CSSOM View); getComputedStyle;
//     getSelection; requestIdleCallback, cancelIdleCallback; find
//     (non-standard, in Chromium and Firefox);
//   - dotted callbacks whose last name is click, submit, requestSubmit,
//     reset, remove, replaceWith, replaceChildren, showModal, showPopover,
//     togglePopover, requestFullscreen, requestPointerLock, execCommand,
//     write, writeln, assign, reload, back, forward, go, pushState,
//     replaceState, navigate, postMessage, open, close or focus.
//
// setTimeout and setInterval are refused everywhere, with eval, Function
// and constructor, because they run strings as code.
//
// Brackets, quotes, parentheses, spaces and every other character are
// refused, never stripped: a caller that sends them is not a JSONP client.
func ValidateCallback(cb string, maxLen int) error {
	if cb == "" {
		return callbackError(cb, "empty")
	}
	if len(cb) > maxLen {
		return callbackError(cb, "longer than "+strconv.Itoa(maxLen)+" bytes")
	}
	first, last, segments := "", "", 0
	for start := 0; start <= len(cb); {
		end := start
		for end < len(cb) && cb[end] != '.' {
			end++
		}
		seg := cb[start:end]
		segments++
		if segments > maxSegments {
			return callbackError(cb, "more than "+strconv.Itoa(maxSegments)+" dotted names")
		}
		if reason := nameReason(seg); reason != "" {
			return callbackError(cb, reason)
		}
		if segments == 1 {
			first = seg
		}
		last = seg
		start = end + 1
	}
	if reason := gadgetReason(first, last, segments); reason != "" {
		return callbackError(cb, reason)
	}
	return nil
}

// nameReason returns why one dotted name of a callback is refused, or "".
func nameReason(seg string) string {
	if seg == "" {
		return "empty name around a dot"
	}
	if c := seg[0]; !isIdentStart(c) {
		return "a name starts with " + describeByte(c) + "; names start with a letter, '_' or '$'"
	}
	for i := 1; i < len(seg); i++ {
		if c := seg[i]; !isIdentChar(c) {
			return describeByte(c) + " is not allowed; use letters, digits, '_', '$' and '.'"
		}
	}
	if reserved[seg] {
		return strconv.Quote(seg) + " is a JavaScript reserved word"
	}
	if dangerous[seg] {
		return strconv.Quote(seg) + " would turn the data into code"
	}
	return ""
}

func isIdentStart(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c == '$'
}

func isIdentChar(c byte) bool {
	return isIdentStart(c) || '0' <= c && c <= '9'
}

func describeByte(c byte) string {
	switch {
	case c == '[' || c == ']':
		return "a bracket"
	case c < 0x20 || c == 0x7f:
		return "a control character"
	case c >= 0x80:
		return "a non-ASCII character"
	case '0' <= c && c <= '9':
		return "a digit"
	}
	return strconv.QuoteRune(rune(c))
}

// reserved holds ECMAScript's reserved words, strict-mode reserved words
// and the literals, none of which can be called.
var reserved = map[string]bool{
	"await": true, "break": true, "case": true, "catch": true, "class": true,
	"const": true, "continue": true, "debugger": true, "default": true,
	"delete": true, "do": true, "else": true, "enum": true, "export": true,
	"extends": true, "false": true, "finally": true, "for": true,
	"function": true, "if": true, "implements": true, "import": true,
	"in": true, "instanceof": true, "interface": true, "let": true,
	"new": true, "null": true, "package": true, "private": true,
	"protected": true, "public": true, "return": true, "static": true,
	"super": true, "switch": true, "this": true, "throw": true, "true": true,
	"try": true, "typeof": true, "var": true, "void": true, "while": true,
	"with": true, "yield": true,
	// Not reserved, but never a function anyone means to call.
	"undefined": true, "NaN": true, "Infinity": true, "arguments": true,
}

// dangerous holds names that would run the data as code (a JSON string
// passed to eval or setTimeout) or reach the Function constructor.
var dangerous = map[string]bool{
	"eval": true, "Function": true, "setTimeout": true, "setInterval": true,
	"setImmediate": true, "execScript": true, "constructor": true,
	"__proto__": true, "prototype": true, "__defineGetter__": true,
	"__defineSetter__": true, "importScripts": true,
}
