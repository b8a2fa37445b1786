package mail

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// fileTransport is the outbox: one .eml per message, what the SMTP transport would
// have sent, for a new installation to look at and for tests.
type fileTransport struct{ dir string }

// NewFile returns a transport that writes each message to dir as <Message-ID>.eml
// (characters unsafe in file names percent-encoded). A file appears whole or not at
// all (written under a temporary name, synced, then renamed), and sending the same
// Message-ID again replaces it, so a retried job leaves one file. Files are readable
// by the owner only: they hold personal RSVP links.
func NewFile(dir string) (Transport, error) {
	if dir == "" {
		return nil, fmt.Errorf("mail: outbox folder not set")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("mail: outbox: %w", err)
	}
	return &fileTransport{dir: dir}, nil
}

func (f *fileTransport) Send(ctx context.Context, m *Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := m.Encode()
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(f.dir, ".sending-*")
	if err != nil {
		return fmt.Errorf("mail: outbox: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("mail: outbox: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("mail: outbox: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("mail: outbox: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(f.dir, FileName(m.MessageID))); err != nil {
		return fmt.Errorf("mail: outbox: %w", err)
	}
	// The rename is durable once the folder is synced; not every system can sync one.
	if d, err := os.Open(f.dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

func (f *fileTransport) Close() error { return nil }

// FileName is the outbox file name of a Message-ID: letters, digits and "@._+-" kept,
// every other byte written as %XX (so two ids never share a name), a leading dot
// escaped (no hidden files), and ids too long for a file name replaced by their
// SHA-256.
func FileName(messageID string) string {
	var b strings.Builder
	for i := 0; i < len(messageID); i++ {
		c := messageID[i]
		safe := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("@_+-", c) >= 0 ||
			c == '.' && i > 0
		if safe {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	name := b.String()
	if len(name) > 200 {
		sum := sha256.Sum256([]byte(messageID))
		name = hex.EncodeToString(sum[:])
	}
	return name + ".eml"
}
