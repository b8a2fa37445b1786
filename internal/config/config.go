// Package config loads Attaché's settings from config.yaml and ATTACHE_* environment
// variables into a typed, validated Config. Every key is declared once in options.go with
// its default, so the file, the environment and the validation can not disagree.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the validated configuration handed to internal/app, which passes each part
// on to the component that needs it (never the whole struct).
type Config struct {
	HTTP     HTTP
	Database Database
	Mail     Mail
	Inbound  Inbound
	Security Security
	Log      Log
	Jobs     Jobs
}

// HTTP configures the web server.
type HTTP struct {
	Addr            string
	BaseURL         string
	ReadTimeout     time.Duration
	WriteTimeout    time.Duration
	ShutdownTimeout time.Duration
	BodyLimit       int64
}

// Database selects the store. URL is sqlite://PATH or postgres://….
type Database struct {
	URL          string
	AutoMigrate  bool
	MaxOpenConns int
}

// Mail configures outbound mail: the transport, the addresses, the quiet period that
// collects edits into one update, and the reminders.
type Mail struct {
	Transport          string
	From               string
	Organizer          string
	OutboxDir          string
	UpdateQuietPeriod  time.Duration
	SMTPHost           string
	SMTPPort           int
	SMTPTLS            string
	SMTPUsername       string
	SMTPPassword       string
	SMTPMaxConnections int
	SMTPTimeout        time.Duration
	// Reminders: offsets before the RSVP deadline (to guests who have not answered) and
	// before the event (to guests who accepted; 0 sends none), and how often to scan.
	ReminderDeadlineOffsets []time.Duration
	ReminderEventOffset     time.Duration
	ReminderScanInterval    time.Duration
}

// Inbound configures the ways replies reach Attaché.
type Inbound struct {
	// SMTPAddr is host:port or a unix socket path; empty turns the listener off.
	SMTPAddr string
	// SMTPLMTP speaks LMTP instead of SMTP (for an MTA delivering to Attaché).
	SMTPLMTP bool
	// SMTPAccept are the recipients taken: addresses and @domain entries, lower-cased;
	// empty means the domain of mail.organizer.
	SMTPAccept   []string
	IMAPAddr     string
	IMAPUsername string
	IMAPPassword string
	IMAPMailbox  string
	// IMAPTLS is none, starttls or tls.
	IMAPTLS string
	// IMAPProcessedFolder receives the messages once recorded; created when missing.
	IMAPProcessedFolder string
	IMAPPollInterval    time.Duration
	MaxSize             int64
}

// Security holds secrets. SecretKey derives RSVP links; when empty it is generated and
// persisted in SecretKeyFile on first start.
type Security struct {
	SecretKey     string
	SecretKeyFile string
}

// Jobs configures the background job runner (River).
type Jobs struct {
	// Workers run the quick jobs (fan-outs, scans) and, with the file transport, sending.
	Workers int
	// RescueAfter is how long a job may stay running before another process takes it
	// back: the jobs of a process that was killed, or lost its database connection,
	// wait this long. Jobs are cancelled at half of it, so that no job still running
	// is taken back.
	RescueAfter time.Duration
}

// Log configures log/slog output.
type Log struct {
	Level  string
	Format string
}

// IsSQLite reports whether the database URL names the embedded SQLite store.
func (d Database) IsSQLite() bool { return strings.HasPrefix(d.URL, "sqlite://") }

// SQLitePath is the file path inside a sqlite:// URL.
func (d Database) SQLitePath() string { return strings.TrimPrefix(d.URL, "sqlite://") }

// Error names the key whose value is wrong, so that a failed start prints one useful line.
type Error struct {
	Key    string
	Source string
	Reason string
}

func (e *Error) Error() string {
	if e.Source != "" {
		return fmt.Sprintf("config: %s (from %s): %s", e.Key, e.Source, e.Reason)
	}
	return fmt.Sprintf("config: %s: %s", e.Key, e.Reason)
}

// Load reads path (a missing file means defaults), applies environment overrides from
// environ (os.Environ() in production) and validates the result.
func Load(path string, environ []string) (*Config, error) {
	values := map[string]string{}
	sources := map[string]string{}
	for _, o := range options {
		values[o.Key] = o.Default
	}
	if path != "" {
		raw, err := os.ReadFile(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			// A missing file means defaults: a new user needs no set-up.
		case err != nil:
			return nil, fmt.Errorf("config: read %s: %w", path, err)
		default:
			if err := readYAML(raw, path, values, sources); err != nil {
				return nil, err
			}
		}
	}
	for _, kv := range environ {
		name, val, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, "ATTACHE_") || name == "ATTACHE_CONFIG" || strings.HasPrefix(name, "ATTACHE_TEST_") {
			continue
		}
		o := optionByEnv(name)
		if o == nil {
			return nil, &Error{Key: name, Reason: "unknown setting; see config.yaml for the keys"}
		}
		values[o.Key] = val
		sources[o.Key] = name
	}
	cfg := &Config{}
	for _, o := range options {
		if err := o.set(cfg, values[o.Key]); err != nil {
			return nil, &Error{Key: o.Key, Source: sources[o.Key], Reason: err.Error()}
		}
	}
	return cfg, nil
}

// readYAML flattens the nested YAML document into dotted keys and rejects unknown ones,
// since a typo in a key would otherwise be silently ignored.
func readYAML(raw []byte, path string, values, sources map[string]string) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return fmt.Errorf("config: parse %s: %w", path, err)
	}
	flat := map[string]string{}
	if err := flatten("", doc, flat); err != nil {
		return err
	}
	keys := make([]string, 0, len(flat))
	for k := range flat {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if optionByKey(k) == nil {
			return &Error{Key: k, Source: path, Reason: "unknown setting"}
		}
		values[k] = flat[k]
		sources[k] = path
	}
	return nil
}

func flatten(prefix string, v any, out map[string]string) error {
	switch t := v.(type) {
	case map[string]any:
		for k, sub := range t {
			key := k
			if prefix != "" {
				key = prefix + "." + k
			}
			if err := flatten(key, sub, out); err != nil {
				return err
			}
		}
	case nil:
		out[prefix] = ""
	case []any:
		return &Error{Key: prefix, Reason: "lists are not supported here"}
	default:
		out[prefix] = fmt.Sprint(t)
	}
	return nil
}

// EnvName is the environment variable that overrides key.
func EnvName(key string) string {
	return "ATTACHE_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}
