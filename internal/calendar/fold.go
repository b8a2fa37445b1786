package calendar

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-ical"
)

// maxLineOctets is the longest physical line RFC 5545 §3.1 allows, CRLF not counted.
const maxLineOctets = 75

// firstProps come first in their component, in this order, so that a reader sees what the
// object is before its details; the others follow alphabetically, as go-ical writes them.
var firstProps = []string{
	ical.PropProductID, ical.PropVersion, ical.PropCalendarScale, ical.PropMethod,
	ical.PropTimezoneID, ical.PropUID,
}

// writeComponent writes comp as content lines with CRLF ends, folded at 75 octets, with
// first (components already written) before its children.
// go-ical's own encoder writes neither folded lines nor quoted non-ASCII parameter
// values (interop.md §5.1), so Encode checks the tree with it and writes it with this.
func writeComponent(w *bytes.Buffer, comp *ical.Component, first ...[]byte) error {
	writeFolded(w, "BEGIN:"+comp.Name)
	for _, name := range propOrder(comp.Props) {
		for i := range comp.Props[name] {
			line, err := contentLine(&comp.Props[name][i])
			if err != nil {
				return fmt.Errorf("%s: %w", comp.Name, err)
			}
			writeFolded(w, line)
		}
	}
	for _, text := range first {
		w.Write(text)
	}
	for _, child := range comp.Children {
		if err := writeComponent(w, child); err != nil {
			return err
		}
	}
	writeFolded(w, "END:"+comp.Name)
	return nil
}

func propOrder(props ical.Props) []string {
	names := make([]string, 0, len(props))
	for _, name := range firstProps {
		if _, ok := props[name]; ok {
			names = append(names, name)
		}
	}
	var rest []string
	for name := range props {
		if !slices.Contains(firstProps, name) {
			rest = append(rest, name)
		}
	}
	sort.Strings(rest)
	return append(names, rest...)
}

// contentLine is one property as an unfolded line without its CRLF. It refuses control
// characters anywhere (a CR or LF would start a new property: security.md row 8) and a
// double quote in a parameter value (it can not be written inside a quoted value).
func contentLine(p *ical.Prop) (string, error) {
	var b strings.Builder
	b.WriteString(p.Name)
	names := make([]string, 0, len(p.Params))
	for name := range p.Params {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		b.WriteString(";" + name + "=")
		for i, v := range p.Params[name] {
			if i > 0 {
				b.WriteByte(',')
			}
			if strings.ContainsRune(v, '"') || hasControl(v, false) {
				return "", fmt.Errorf("%s: parameter %s holds a double quote or a control character", p.Name, name)
			}
			if needsQuotes(v) {
				b.WriteString(`"` + v + `"`)
			} else {
				b.WriteString(v)
			}
		}
	}
	if hasControl(p.Value, true) {
		return "", fmt.Errorf("%s: value holds a control character", p.Name)
	}
	b.WriteByte(':')
	b.WriteString(p.Value)
	return b.String(), nil
}

// needsQuotes reports whether a parameter value must be quoted: it holds a separator
// (RFC 5545 §3.2) or non-ASCII text, which ical4j-based clients drop the whole parameter
// list over when it is bare (interop.md §1.2).
func needsQuotes(v string) bool {
	if strings.ContainsAny(v, ";:,") {
		return true
	}
	for i := 0; i < len(v); i++ {
		if v[i] >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// hasControl reports a control character other than HTAB, which RFC 5545 allows in
// values and quoted parameter values.
func hasControl(s string, tabOK bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 0x20 && !(c == '\t' && tabOK)) || c == 0x7f {
			return true
		}
	}
	return false
}

// writeFolded writes line followed by CRLF, folded (RFC 5545 §3.1) so that no physical
// line exceeds 75 octets: each continuation starts with a space, and a fold never falls
// inside a UTF-8 sequence (clients show broken characters otherwise: calcom/cal.diy#26790).
func writeFolded(w *bytes.Buffer, line string) {
	limit := maxLineOctets
	for len(line) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		w.WriteString(line[:cut])
		w.WriteString("\r\n ")
		line = line[cut:]
		limit = maxLineOctets - 1 // the leading space counts
	}
	w.WriteString(line)
	w.WriteString("\r\n")
}
