package config

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// option is one setting: its dotted key, default, whether it is a secret (never printed)
// and how to validate and store it. config.yaml documents the same table for humans; a test
// keeps the two in step.
type option struct {
	Key     string
	Default string
	Secret  bool
	set     func(c *Config, v string) error
}

var options = []option{
	{Key: "http.addr", Default: "127.0.0.1:8080", set: func(c *Config, v string) error {
		if _, _, err := net.SplitHostPort(v); err != nil {
			return fmt.Errorf("want host:port, got %q", v)
		}
		c.HTTP.Addr = v
		return nil
	}},
	{Key: "http.base_url", Default: "", set: func(c *Config, v string) error {
		if v == "" {
			c.HTTP.BaseURL = ""
			return nil
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("want an absolute http(s) URL, got %q", v)
		}
		c.HTTP.BaseURL = strings.TrimRight(v, "/")
		return nil
	}},
	{Key: "http.read_timeout", Default: "15s", set: durationInto(func(c *Config) *time.Duration { return &c.HTTP.ReadTimeout })},
	{Key: "http.write_timeout", Default: "30s", set: durationInto(func(c *Config) *time.Duration { return &c.HTTP.WriteTimeout })},
	{Key: "http.shutdown_timeout", Default: "10s", set: durationInto(func(c *Config) *time.Duration { return &c.HTTP.ShutdownTimeout })},
	{Key: "http.body_limit", Default: "1048576", set: func(c *Config, v string) error {
		n, err := positiveInt(v)
		c.HTTP.BodyLimit = int64(n)
		return err
	}},
	{Key: "database.url", Default: "sqlite://data/attache.db", set: func(c *Config, v string) error {
		switch {
		case strings.HasPrefix(v, "sqlite://") && len(v) > len("sqlite://"):
		case strings.HasPrefix(v, "postgres://"), strings.HasPrefix(v, "postgresql://"):
			if _, err := url.Parse(v); err != nil {
				return errors.New("not a valid postgres:// URL")
			}
		default:
			return errors.New("want sqlite://PATH or postgres://…")
		}
		c.Database.URL = v
		return nil
	}},
	{Key: "database.auto_migrate", Default: "true", set: func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("want true or false, got %q", v)
		}
		c.Database.AutoMigrate = b
		return nil
	}},
	{Key: "database.max_open_conns", Default: "10", set: func(c *Config, v string) error {
		n, err := positiveInt(v)
		c.Database.MaxOpenConns = n
		return err
	}},
	{Key: "mail.transport", Default: "file", set: func(c *Config, v string) error {
		if v != "file" && v != "smtp" {
			return fmt.Errorf("want file or smtp, got %q", v)
		}
		c.Mail.Transport = v
		return nil
	}},
	{Key: "mail.from", Default: "Attaché <protocol@attache.test>", set: addressInto(func(c *Config) *string { return &c.Mail.From })},
	{Key: "mail.organizer", Default: "protocol@attache.test", set: func(c *Config, v string) error {
		// {token} becomes the invitation's reply token, so the address must stay valid with it.
		if _, err := mail.ParseAddress(strings.ReplaceAll(v, "{token}", "t")); err != nil {
			return fmt.Errorf("not an e-mail address: %q", v)
		}
		c.Mail.Organizer = v
		return nil
	}},
	{Key: "mail.outbox_dir", Default: "data/outbox", set: nonEmptyInto(func(c *Config) *string { return &c.Mail.OutboxDir })},
	{Key: "mail.update_quiet_period", Default: "2m", set: durationInto(func(c *Config) *time.Duration { return &c.Mail.UpdateQuietPeriod })},
	{Key: "mail.smtp.host", Default: "localhost", set: func(c *Config, v string) error { c.Mail.SMTPHost = v; return nil }},
	{Key: "mail.smtp.port", Default: "587", set: func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("want a port 1-65535, got %q", v)
		}
		c.Mail.SMTPPort = n
		return nil
	}},
	{Key: "mail.smtp.tls", Default: "starttls", set: func(c *Config, v string) error {
		if v != "none" && v != "starttls" && v != "tls" {
			return fmt.Errorf("want none, starttls or tls, got %q", v)
		}
		c.Mail.SMTPTLS = v
		return nil
	}},
	{Key: "mail.smtp.username", Default: "", set: func(c *Config, v string) error { c.Mail.SMTPUsername = v; return nil }},
	{Key: "mail.smtp.password", Default: "", Secret: true, set: func(c *Config, v string) error { c.Mail.SMTPPassword = v; return nil }},
	{Key: "mail.smtp.max_connections", Default: "2", set: func(c *Config, v string) error {
		n, err := positiveInt(v)
		c.Mail.SMTPMaxConnections = n
		return err
	}},
	{Key: "mail.smtp.timeout", Default: "30s", set: durationInto(func(c *Config) *time.Duration { return &c.Mail.SMTPTimeout })},
	{Key: "mail.reminders.deadline_offsets", Default: "168h,48h", set: func(c *Config, v string) error {
		c.Mail.ReminderDeadlineOffsets = nil
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part == "" {
				continue
			}
			d, err := time.ParseDuration(part)
			if err != nil || d <= 0 {
				return fmt.Errorf("want durations separated by commas, such as 168h,48h (empty: none), got %q", v)
			}
			c.Mail.ReminderDeadlineOffsets = append(c.Mail.ReminderDeadlineOffsets, d)
		}
		return nil
	}},
	{Key: "mail.reminders.event_offset", Default: "24h", set: durationInto(func(c *Config) *time.Duration { return &c.Mail.ReminderEventOffset })},
	{Key: "mail.reminders.scan_interval", Default: "5m", set: func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			return fmt.Errorf("want a duration of at least 1s, such as 5m, got %q", v)
		}
		c.Mail.ReminderScanInterval = d
		return nil
	}},
	{Key: "inbound.smtp.addr", Default: "", set: func(c *Config, v string) error {
		// An absolute path is a unix socket, as MTAs hand mail to a local LMTP socket.
		if v != "" && !strings.HasPrefix(v, "/") {
			if _, _, err := net.SplitHostPort(v); err != nil {
				return fmt.Errorf("want host:port, a unix socket path or empty (off), got %q", v)
			}
		}
		c.Inbound.SMTPAddr = v
		return nil
	}},
	{Key: "inbound.smtp.lmtp", Default: "false", set: func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("want true or false, got %q", v)
		}
		c.Inbound.SMTPLMTP = b
		return nil
	}},
	{Key: "inbound.smtp.accept", Default: "", set: func(c *Config, v string) error {
		c.Inbound.SMTPAccept = nil
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part == "" {
				continue
			}
			probe := part
			if strings.HasPrefix(part, "@") {
				probe = "postmaster" + part
			}
			if a, err := mail.ParseAddress(probe); err != nil || a.Address != probe {
				return fmt.Errorf("want addresses or @domain entries separated by commas, got %q", part)
			}
			c.Inbound.SMTPAccept = append(c.Inbound.SMTPAccept, strings.ToLower(part))
		}
		return nil
	}},
	{Key: "inbound.imap.addr", Default: "", set: func(c *Config, v string) error { c.Inbound.IMAPAddr = v; return nil }},
	{Key: "inbound.imap.username", Default: "", set: func(c *Config, v string) error { c.Inbound.IMAPUsername = v; return nil }},
	{Key: "inbound.imap.password", Default: "", Secret: true, set: func(c *Config, v string) error { c.Inbound.IMAPPassword = v; return nil }},
	{Key: "inbound.imap.mailbox", Default: "INBOX", set: nonEmptyInto(func(c *Config) *string { return &c.Inbound.IMAPMailbox })},
	{Key: "inbound.imap.tls", Default: "tls", set: func(c *Config, v string) error {
		if v != "none" && v != "starttls" && v != "tls" {
			return fmt.Errorf("want none, starttls or tls, got %q", v)
		}
		c.Inbound.IMAPTLS = v
		return nil
	}},
	{Key: "inbound.imap.processed_folder", Default: "Attache/Processed", set: nonEmptyInto(func(c *Config) *string { return &c.Inbound.IMAPProcessedFolder })},
	{Key: "inbound.imap.poll_interval", Default: "1m", set: func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			return fmt.Errorf("want a duration of at least 1s, such as 1m, got %q", v)
		}
		c.Inbound.IMAPPollInterval = d
		return nil
	}},
	{Key: "inbound.max_size", Default: "10485760", set: func(c *Config, v string) error {
		n, err := positiveInt(v)
		c.Inbound.MaxSize = int64(n)
		return err
	}},
	{Key: "security.secret_key", Default: "", Secret: true, set: func(c *Config, v string) error {
		if v != "" && len(v) < 32 {
			return errors.New("must be at least 32 characters (or empty to generate one)")
		}
		c.Security.SecretKey = v
		return nil
	}},
	{Key: "security.secret_key_file", Default: "data/secret.key", set: nonEmptyInto(func(c *Config) *string { return &c.Security.SecretKeyFile })},
	{Key: "jobs.workers", Default: "4", set: func(c *Config, v string) error {
		n, err := positiveInt(v)
		c.Jobs.Workers = n
		return err
	}},
	{Key: "jobs.rescue_after", Default: "2m", set: func(c *Config, v string) error {
		// Half of it is the job timeout (app.StartJobs), which must leave a job room to run.
		d, err := time.ParseDuration(v)
		if err != nil || d < 2*time.Second {
			return fmt.Errorf("want a duration of at least 2s, such as 2m, got %q", v)
		}
		c.Jobs.RescueAfter = d
		return nil
	}},
	{Key: "log.level", Default: "info", set: func(c *Config, v string) error {
		switch v {
		case "debug", "info", "warn", "error":
			c.Log.Level = v
			return nil
		}
		return fmt.Errorf("want debug, info, warn or error, got %q", v)
	}},
	{Key: "log.format", Default: "text", set: func(c *Config, v string) error {
		if v != "text" && v != "json" {
			return fmt.Errorf("want text or json, got %q", v)
		}
		c.Log.Format = v
		return nil
	}},
}

func optionByKey(key string) *option {
	for i := range options {
		if options[i].Key == key {
			return &options[i]
		}
	}
	return nil
}

func optionByEnv(name string) *option {
	for i := range options {
		if EnvName(options[i].Key) == name {
			return &options[i]
		}
	}
	return nil
}

// Keys lists every setting's key and default, for the config.yaml consistency test.
func Keys() map[string]string {
	out := make(map[string]string, len(options))
	for _, o := range options {
		out[o.Key] = o.Default
	}
	return out
}

func durationInto(field func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return fmt.Errorf("want a duration such as 30s or 2m, got %q", v)
		}
		*field(c) = d
		return nil
	}
}

func addressInto(field func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error {
		if strings.ContainsAny(v, "\r\n") {
			return errors.New("must not contain line breaks")
		}
		if _, err := mail.ParseAddress(v); err != nil {
			return fmt.Errorf("not an e-mail address: %q", v)
		}
		*field(c) = v
		return nil
	}
}

func nonEmptyInto(field func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error {
		if strings.TrimSpace(v) == "" {
			return errors.New("must not be empty")
		}
		*field(c) = v
		return nil
	}
}

func positiveInt(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("want a positive whole number, got %q", v)
	}
	return n, nil
}
