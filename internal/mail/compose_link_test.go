package mail

import "testing"

// TestAppendLinkSchemes: only Attaché's own schemes make a link, in any case.
func TestAppendLinkSchemes(t *testing.T) {
	for url, want := range map[string]bool{
		rsvpLink: true, feedLink: true, "HTTPS://attache.test/r": true, "http://localhost:8080/r": true,
		"WebCals://attache.test/f.ics": true, "javascript:alert(1)": false, "https:/x": false,
		"": false, "ftp://attache.test/": false, "httpſ://attache.test/": false,
	} {
		if got := len(appendLink(nil, "label", url)) == 1; got != want {
			t.Errorf("appendLink(%q) made a link: %v, want %v", url, got, want)
		}
	}
}
