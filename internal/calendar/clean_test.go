package calendar

import "testing"

// FuzzClean: the shortcuts of cleanText and cleanParam (text with nothing to change is
// returned as it is) give what the full cleaning gives, for any text.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"", "Commemorative meeting", "Генеральная прокуратура", "a\nb\tc", "a\r\nb", "a\rb",
		"  two  spaces ", "non\u00a0breaking", "C1 \u0085 \u009f", "del \x7f", "bad \xc2\x41 \xff", `say "hi"`, "\u2003em", "tab\there"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := cleanText(s), cleanTextCopy(s); got != want {
			t.Fatalf("cleanText(%q) = %q, want %q", s, got, want)
		}
		if got, want := cleanParam(s), cleanParamCopy(s); got != want {
			t.Fatalf("cleanParam(%q) = %q, want %q", s, got, want)
		}
	})
}
