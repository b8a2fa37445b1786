// Package app builds Attaché's object graph from the configuration (store, services,
// HTTP server) and runs the subcommands. Each part gets its own options, never the whole
// configuration.
package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/attache-app/attache/internal/calendar"
	"github.com/attache-app/attache/internal/config"
	attachemail "github.com/attache-app/attache/internal/mail"
	"github.com/attache-app/attache/internal/service"
	"github.com/attache-app/attache/internal/store"
)

// Version is set at build time with -ldflags "-X github.com/attache-app/attache/internal/app.Version=…".
var Version = "0.1.0-dev"

// App is the wired application.
type App struct {
	Config  *config.Config
	Log     *slog.Logger
	Store   *store.Store
	Service *service.Service
}

// NewLogger builds the process logger from the log settings.
func NewLogger(c config.Log, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// Open connects to the database and builds the services. It does not migrate.
func Open(ctx context.Context, cfg *config.Config, log *slog.Logger) (*App, error) {
	st, err := store.Open(ctx, store.Options{URL: cfg.Database.URL, MaxOpenConns: cfg.Database.MaxOpenConns, Logger: log})
	if err != nil {
		return nil, err
	}
	key, err := secretKey(cfg.Security, log)
	if err != nil {
		st.Close()
		return nil, err
	}
	base := BaseURL(cfg.HTTP)
	host := "attache.invalid"
	if u, err := url.Parse(base); err == nil && u.Hostname() != "" && u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost" {
		host = u.Hostname()
	}
	svc := service.New(st, service.Options{SecretKey: key, BaseURL: base, UIDDomain: host, Organizer: organizerOf(cfg.Mail),
		Mail: mailOptions(cfg.Mail), MaxInbound: int(cfg.Inbound.MaxSize)}, log)
	return &App{Config: cfg, Log: log, Store: st, Service: svc}, nil
}

// organizerOf is the ORGANIZER: the mailbox replies go to (mail.organizer), named as in
// mail.from. When mail leaves from another address, SENT-BY names it, so clients show who
// sent on the organizer's behalf (interop.md §1.1).
func organizerOf(m config.Mail) calendar.Organizer {
	organizer := calendar.Organizer{Email: m.Organizer}
	if from, err := mail.ParseAddress(m.From); err == nil {
		organizer.Name = from.Name
		plain := strings.NewReplacer("+{token}", "", "{token}", "").Replace(m.Organizer)
		if !strings.EqualFold(from.Address, plain) {
			organizer.SentBy = from.Address
		}
	}
	return organizer
}

// mailOptions are the service's mail settings; the queue and the transport are wired
// when the workers start (StartJobs), so that commands which send nothing open neither.
func mailOptions(m config.Mail) *service.MailOptions {
	from := attachemail.Address{Email: m.From}
	if a, err := mail.ParseAddress(m.From); err == nil {
		from = attachemail.Address{Name: a.Name, Email: a.Address}
	}
	return &service.MailOptions{From: from, QuietPeriod: m.UpdateQuietPeriod,
		DeadlineReminders: m.ReminderDeadlineOffsets, EventReminder: m.ReminderEventOffset}
}

// Close releases the database.
func (a *App) Close() error { return a.Store.Close() }

// BaseURL is http.base_url, or http://<http.addr> when it is not set.
func BaseURL(h config.HTTP) string {
	if h.BaseURL != "" {
		return h.BaseURL
	}
	return "http://" + h.Addr
}

// secretKey returns security.secret_key, or the key kept in security.secret_key_file,
// generating that file (mode 0600) on first start. The key is not kept in the database,
// so a leaked database alone can not forge or recover RSVP links. Several instances on
// one PostgreSQL must share the same key: set ATTACHE_SECURITY_SECRET_KEY on each.
func secretKey(c config.Security, log *slog.Logger) ([]byte, error) {
	if c.SecretKey != "" {
		return []byte(c.SecretKey), nil
	}
	raw, err := os.ReadFile(c.SecretKeyFile)
	switch {
	case err == nil:
		k := strings.TrimSpace(string(raw))
		if len(k) < 32 {
			return nil, &config.Error{Key: "security.secret_key_file", Reason: fmt.Sprintf("%s holds fewer than 32 characters", c.SecretKeyFile)}
		}
		return []byte(k), nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("read secret key %s: %w", c.SecretKeyFile, err)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("generate secret key: %w", err)
	}
	k := hex.EncodeToString(b)
	if dir := filepath.Dir(c.SecretKeyFile); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create %s: %w", dir, err)
		}
	}
	if err := os.WriteFile(c.SecretKeyFile, []byte(k+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("write secret key %s: %w", c.SecretKeyFile, err)
	}
	log.Info("generated a secret key; keep this file with your backups", "path", c.SecretKeyFile)
	return []byte(k), nil
}
