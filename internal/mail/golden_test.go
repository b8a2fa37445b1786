package mail

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from Compose and Encode")

// golden compares got with testdata/name, or writes it there under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/mail -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from Compose/Encode's output (rerun with -update after checking):\n got %q\nwant %q", name, got, want)
	}
}

// TestGoldenLetters keeps every letter in both languages as text and HTML, so a change
// of wording or layout shows in review.
func TestGoldenLetters(t *testing.T) {
	for _, lang := range []string{"en", "ru"} {
		for _, kind := range kinds {
			subject, text, html, err := Compose(letter(kind, lang))
			if err != nil {
				t.Fatal(err)
			}
			base := string(kind) + "-" + lang
			golden(t, base+".txt.golden", []byte("Subject: "+subject+"\n\n"+text))
			golden(t, base+".html.golden", []byte(html))
		}
	}
}

// TestGoldenMessage keeps one composed and encoded invitation byte for byte: Encode's
// header order and boundaries are fixed, so the whole message is.
func TestGoldenMessage(t *testing.T) {
	subject, text, html, err := Compose(letter(KindInvitation, "ru"))
	if err != nil {
		t.Fatal(err)
	}
	m := invitation()
	m.Subject, m.Text, m.HTML = subject, text, html
	m.Date = time.Date(2025, 12, 1, 8, 0, 0, 0, time.UTC)
	raw, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "invitation-ru.eml.golden", raw)
	checkInvitation(t, raw, m)
}
