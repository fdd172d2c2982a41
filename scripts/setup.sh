#!/usr/bin/env bash
# setup.sh installs what the tests need and is missing: Debian's chromium
# (the browser tests' judge), firefox-esr and webkit2gtk-driver with xvfb and
# xauth (the same tests in Firefox and WebKit), redis-server, redis-sentinel and redis-tools (the proxy's shared rate limits, Sentinel and Cluster tests), staticcheck and golangci-lint (pinned versions). It installs with apt-get when it can (root or sudo), and
# otherwise says exactly what to install. It never downloads a browser.
set -euo pipefail

STATICCHECK_VERSION=v0.8.2
GOLANGCI_LINT_VERSION=v2.15.0
missing=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || [ -n "${CHROMIUM:-}" ] || missing+=(chromium)
command -v firefox-esr >/dev/null 2>&1 || command -v firefox >/dev/null 2>&1 || [ -n "${FIREFOX:-}" ] || missing+=(firefox-esr)
command -v WebKitWebDriver >/dev/null 2>&1 || [ -n "${WEBKIT_WEBDRIVER:-}" ] || missing+=(webkit2gtk-driver)
command -v Xvfb >/dev/null 2>&1 || missing+=(xvfb)
command -v xauth >/dev/null 2>&1 || missing+=(xauth)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-sentinel >/dev/null 2>&1 || missing+=(redis-sentinel)
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)

if [ ${#missing[@]} -gt 0 ]; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo -n"
	if command -v apt-get >/dev/null 2>&1 && { [ -z "$sudo" ] || sudo -n true 2>/dev/null; }; then
		echo "setup: installing ${missing[*]} from Debian's packages" >&2
		$sudo apt-get update -qq
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	else
		echo "setup: missing ${missing[*]}; install them with:" >&2
		echo "    sudo apt-get install -y ${missing[*]}" >&2
		echo "(or set CHROMIUM=/path/to/chromium and FIREFOX=/path/to/firefox; the tests never download a browser)" >&2
		exit 1
	fi
fi

gobin="$(go env GOPATH)/bin"
if ! [ -x "$gobin/staticcheck" ] || ! "$gobin/staticcheck" -version 2>/dev/null | grep -q "${STATICCHECK_VERSION#v}"; then
	echo "setup: installing staticcheck $STATICCHECK_VERSION" >&2
	go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
fi
if ! [ -x "$gobin/golangci-lint" ] || ! "$gobin/golangci-lint" version 2>/dev/null | grep -q "version ${GOLANGCI_LINT_VERSION#v} "; then
	echo "setup: installing golangci-lint $GOLANGCI_LINT_VERSION" >&2
	go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$GOLANGCI_LINT_VERSION"
fi
