package mail

import "testing"

// BenchmarkCompose writes one invitation letter, as the sending path does once per
// e-mailed guest: the Russian fixture (Cyrillic names, genitive dates) and the English.
func BenchmarkCompose(b *testing.B) {
	for _, lang := range []string{"ru", "en"} {
		b.Run(lang, func(b *testing.B) {
			l := letter(KindInvitation, lang)
			b.ReportAllocs()
			var n int
			for b.Loop() {
				_, text, html, err := Compose(l)
				if err != nil {
					b.Fatal(err)
				}
				n = len(text) + len(html)
			}
			b.ReportMetric(float64(n), "bytes/letter")
		})
	}
}
