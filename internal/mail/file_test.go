package mail

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestFileTransport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	tr, err := NewFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	m := invitation()
	for range 2 { // a retried job sends the same message again
		if err := tr.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "inv-1-invitation-0@attache.test.eml" {
		t.Fatalf("outbox holds %v, want the one file inv-1-invitation-0@attache.test.eml", entries)
	}
	info, _ := entries[0].Info()
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		t.Errorf("outbox file mode %v: others may read personal links", perm)
	}
	raw, err := os.ReadFile(filepath.Join(dir, entries[0].Name()))
	if err != nil {
		t.Fatal(err)
	}
	checkInvitation(t, raw, m)

	bad := invitation()
	bad.Subject += "\r\nBcc: x@evil.test"
	if err := tr.Send(context.Background(), bad); !errors.Is(err, ErrInvalid) {
		t.Errorf("Send = %v, want ErrInvalid", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("a refused message left files: %v", entries)
	}
}

func TestFileName(t *testing.T) {
	tests := map[string]string{
		"inv-42-update-s7-3@attache.test": "inv-42-update-s7-3@attache.test.eml",
		"a/b@x":                           "a%2Fb@x.eml",
		"a_b@x":                           "a_b@x.eml",
		"../../etc/passwd":                "%2E.%2F..%2Fetc%2Fpasswd.eml",
		".hidden@x":                       "%2Ehidden@x.eml",
		`a\b:c*d?"<>|@x`:                  "a%5Cb%3Ac%2Ad%3F%22%3C%3E%7C@x.eml",
	}
	for id, want := range tests {
		if got := FileName(id); got != want {
			t.Errorf("FileName(%q) = %q, want %q", id, got, want)
		}
	}
	long := FileName(string(make([]byte, 300)))
	if len(long) != 64+len(".eml") {
		t.Errorf("a long id gives %q", long)
	}
}
