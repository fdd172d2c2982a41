package demo

import (
	"cmp"
	"fmt"
	"html"
	"net/http"
	"slices"
	"strings"
)

// lane is one participant of a sequence diagram.
type lane struct {
	id, title, sub string
	x              int
}

// event is one arrow: a request arriving or a response leaving.
type event struct {
	at       int64
	from, to string
	label    string
	lines    []string
	response bool
	ok       bool // responses: whether the CORS headers are there
}

const (
	svgWidth   = 760
	lineHeight = 14
	maxLineLen = 60
)

// Diagram draws the exchanges of one run as an SVG sequence diagram:
// the browser and every server the run reached are lanes, each request
// and each response an arrow, with the headers that decide CORS.
//
// verdict, if "allowed" or "blocked", is what the browser did in the end,
// drawn under the browser's lane.
func Diagram(ex []Exchange, names map[string]string, verdict string) string {
	lanes, xOf := diagramLanes(ex, names)
	evs := diagramEvents(ex)
	var body strings.Builder
	y := drawEvents(&body, evs, xOf, 64+20)
	if text, fill, stroke := verdictNote(verdict); text != "" {
		y += 14
		x := xOf["browser"] - 70
		fmt.Fprintf(&body, `<rect x="%d" y="%d" width="%d" height="26" rx="5" fill="%s" stroke="%s"/>`+"\n", x, y, 8*len(text)+16, fill, stroke)
		fmt.Fprintf(&body, `<text x="%d" y="%d" class="label" fill="%s">%s</text>`+"\n", x+8, y+18, stroke, esc(text))
		y += 26
	}
	height := y + 24

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-labelledby="seq-title seq-desc" class="sequence">`+"\n", svgWidth, height, svgWidth, height)
	fmt.Fprintf(&b, `<title id="seq-title">Sequence of HTTP exchanges</title>`+"\n")
	fmt.Fprintf(&b, `<desc id="seq-desc">%s</desc>`+"\n", esc(describe(evs)))
	b.WriteString(`<style>.label{font:600 13px system-ui,sans-serif}.hdr{font:11px ui-monospace,monospace;fill:#374151}.lane{font:600 14px system-ui,sans-serif}.sub{font:11px ui-monospace,monospace;fill:#4b5563}</style>` + "\n")
	b.WriteString(`<defs>`)
	for _, m := range []struct{ id, color string }{{"req", "#1d4ed8"}, {"res", "#047857"}, {"bad", "#b91c1c"}} {
		fmt.Fprintf(&b, `<marker id="arrow-%s" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="%s"/></marker>`, m.id, m.color)
	}
	b.WriteString("</defs>\n")
	for _, l := range lanes {
		fmt.Fprintf(&b, `<rect x="%d" y="8" width="140" height="44" rx="6" fill="#f3f4f6" stroke="#9ca3af"/>`+"\n", l.x-70)
		fmt.Fprintf(&b, `<text x="%d" y="26" text-anchor="middle" class="lane">%s</text>`+"\n", l.x, esc(l.title))
		fmt.Fprintf(&b, `<text x="%d" y="43" text-anchor="middle" class="sub">%s</text>`+"\n", l.x, esc(strings.TrimPrefix(l.sub, "http://")))
		fmt.Fprintf(&b, `<line x1="%d" y1="52" x2="%d" y2="%d" stroke="#9ca3af" stroke-dasharray="2 4"/>`+"\n", l.x, l.x, height-8)
	}
	b.WriteString(body.String())
	b.WriteString("</svg>\n")
	return b.String()
}

// diagramLanes returns the lanes: the browser and every server the run
// reached (the API when none), with their x positions.
func diagramLanes(ex []Exchange, names map[string]string) ([]lane, map[string]int) {
	present := map[string]bool{}
	for _, e := range ex {
		present[e.Server] = true
	}
	lanes := []lane{{id: "browser", title: "Browser", sub: names["browser"]}}
	for _, s := range []struct{ id, title string }{{"api", "API"}, {"proxy", "Proxy"}, {"upstream", "Upstream"}} {
		if present[s.id] {
			lanes = append(lanes, lane{id: s.id, title: s.title, sub: names[s.id]})
		}
	}
	if len(lanes) == 1 {
		lanes = append(lanes, lane{id: "api", title: "API", sub: names["api"]})
	}
	step := (svgWidth - 160) / (len(lanes) - 1)
	xOf := map[string]int{}
	for i := range lanes {
		lanes[i].x = 80 + i*step
		xOf[lanes[i].id] = lanes[i].x
	}
	return lanes, xOf
}

// diagramEvents turns the exchanges into arrows in time order: each
// request from the browser (or the proxy, for the upstream's), each
// response back.
func diagramEvents(ex []Exchange) []event {
	var evs []event
	open := map[string]int{} // exchanges in progress per server, at the time of each event
	var all []event
	for _, e := range ex {
		all = append(all, event{at: e.Seq, to: e.Server, label: "req"}, event{at: e.End, to: e.Server, response: true})
	}
	slices.SortFunc(all, func(a, b event) int { return cmp.Compare(a.at, b.at) })
	byStart := map[int64]Exchange{}
	byEnd := map[int64]Exchange{}
	for _, e := range ex {
		byStart[e.Seq], byEnd[e.End] = e, e
	}
	peer := func(server string) string {
		if server == "upstream" && open["proxy"] > 0 {
			return "proxy"
		}
		return "browser"
	}
	for _, a := range all {
		if !a.response {
			e := byStart[a.at]
			from := peer(e.Server)
			open[e.Server]++
			label := e.Method + " " + e.Path
			if e.Kind == "preflight" {
				label = "preflight: " + label
			}
			evs = append(evs, event{at: a.at, from: from, to: e.Server, label: label, lines: requestLines(e)})
			continue
		}
		e := byEnd[a.at]
		open[e.Server]--
		to := peer(e.Server)
		lines, ok := responseLines(e)
		for _, n := range e.Notes {
			lines = append(lines, wrap("⚑ "+n, 84, 4)...)
		}
		if to != "browser" {
			ok = true // CORS is the browser's business, not the proxy's
		}
		evs = append(evs, event{at: a.at, from: e.Server, to: to, label: fmt.Sprintf("%d %s", e.Status, http.StatusText(e.Status)), lines: lines, response: true, ok: ok})
	}
	return evs
}

// drawEvents draws the arrows from height y on and returns the height
// reached.
func drawEvents(body *strings.Builder, evs []event, xOf map[string]int, y int) int {
	for _, ev := range evs {
		x1, x2 := xOf[ev.from], xOf[ev.to]
		y += lineHeight + 4
		color, cls := "#1d4ed8", "req"
		if ev.response {
			color, cls = "#047857", "res"
			if !ev.ok {
				color, cls = "#b91c1c", "bad"
			}
		}
		mid := (x1 + x2) / 2
		fmt.Fprintf(body, `<text x="%d" y="%d" text-anchor="middle" class="label" fill="%s">%s</text>`+"\n", mid, y, color, esc(ev.label))
		y += 6
		dash := ""
		if ev.response {
			dash = ` stroke-dasharray="6 4"`
		}
		fmt.Fprintf(body, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"%s marker-end="url(#arrow-%s)"/>`+"\n", x1, y, x2, y, color, dash, cls)
		y += 4
		left := min(x1, x2) + 8
		for _, l := range ev.lines {
			y += lineHeight
			fmt.Fprintf(body, `<text x="%d" y="%d" class="hdr">%s</text>`+"\n", left, y, esc(l))
		}
		y += 8
	}
	if len(evs) == 0 {
		y += 30
		fmt.Fprintf(body, `<text x="%d" y="%d" text-anchor="middle" class="label">no request reached a server</text>`+"\n", svgWidth/2, y)
	}
	return y
}

func verdictNote(v string) (text, fill, stroke string) {
	switch v {
	case "allowed":
		return "✓ the page reads the response", "#d1fae5", "#047857"
	case "blocked":
		return "✗ fetch() rejects: the page sees a TypeError", "#fee2e2", "#b91c1c"
	}
	return "", "", ""
}

func requestLines(e Exchange) []string {
	var out []string
	for _, n := range []string{"Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers", "Content-Type", "X-Demo", "Cookie", "Sec-Fetch-Mode"} {
		if v, ok := e.Request[n]; ok && !(n == "Sec-Fetch-Mode" && v == "cors") {
			out = append(out, clip(n+": "+v))
		}
	}
	return out
}

func responseLines(e Exchange) (lines []string, ok bool) {
	for _, n := range responseHeaders {
		if v, has := e.Response[n]; has && (strings.HasPrefix(n, "Access-Control-") || n == "Location") {
			lines = append(lines, clip(n+": "+v))
			if n == "Access-Control-Allow-Origin" {
				ok = true
			}
		}
	}
	switch {
	case e.Request["Origin"] == "":
		// A no-cors load (a <script>) or a same-origin request: the CORS
		// check never judges it.
		ok = true
		if len(lines) == 0 {
			lines = append(lines, "(no Origin was sent: CORS does not apply)")
		}
	case !ok:
		lines = append(lines, "(no Access-Control-Allow-Origin)")
	}
	return lines, ok
}

func clip(s string) string {
	if len(s) > maxLineLen {
		return s[:maxLineLen-1] + "…"
	}
	return s
}

// wrap breaks s into at most n lines of about width characters.
func wrap(s string, width, n int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = "  "
		}
		if line != "" && line != "  " {
			line += " "
		}
		line += w
	}
	lines = append(lines, line)
	if len(lines) > n {
		lines = append(lines[:n-1], clip(lines[n-1]+" …"))
	}
	return lines
}

func describe(evs []event) string {
	if len(evs) == 0 {
		return "No request reached a server."
	}
	var parts []string
	for _, ev := range evs {
		parts = append(parts, fmt.Sprintf("%s to %s: %s", ev.from, ev.to, ev.label))
	}
	return strings.Join(parts, "; ") + "."
}

// esc makes s safe as XML text: escaped, valid UTF-8, and without the
// control characters XML 1.0 forbids (a request path may carry any byte).
func esc(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' || r == 0x7f || r == 0xfffe || r == 0xffff {
			return '\ufffd'
		}
		return r
	}, strings.ToValidUTF8(s, "\ufffd"))
	return html.EscapeString(s)
}

func (s *pageServer) diagram(w http.ResponseWriter, r *http.Request) {
	run := r.URL.Query().Get("run")
	if !validRun(run) {
		http.Error(w, "run: want 1-64 letters, digits, - _ .", http.StatusBadRequest)
		return
	}
	names := map[string]string{"browser": s.d.PageURL, "api": s.d.APIURL, "proxy": s.d.ProxyURL, "upstream": s.d.UpstreamURL}
	w.Header().Set("Content-Type", "image/svg+xml")
	_, _ = w.Write([]byte(Diagram(s.log.Run(run), names, r.URL.Query().Get("verdict"))))
}
