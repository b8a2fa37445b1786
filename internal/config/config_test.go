package config_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/attache-app/attache/internal/config"
)

func TestMissingFileMeansDefaults(t *testing.T) {
	cfg, err := config.Load(filepath.Join(t.TempDir(), "absent.yaml"), nil)
	if err != nil {
		t.Fatalf("load with no file: %v", err)
	}
	if cfg.HTTP.Addr != "127.0.0.1:8080" {
		t.Errorf("http.addr = %q, want 127.0.0.1:8080", cfg.HTTP.Addr)
	}
	if cfg.Database.URL != "sqlite://data/attache.db" || !cfg.Database.IsSQLite() || cfg.Database.SQLitePath() != "data/attache.db" {
		t.Errorf("database.url = %q", cfg.Database.URL)
	}
	if !cfg.Database.AutoMigrate {
		t.Error("database.auto_migrate defaults to false")
	}
	if cfg.Mail.Transport != "file" || cfg.Mail.OutboxDir != "data/outbox" {
		t.Errorf("mail = %+v", cfg.Mail)
	}
	if cfg.HTTP.ReadTimeout != 15*time.Second || cfg.HTTP.ShutdownTimeout != 10*time.Second {
		t.Errorf("http timeouts = %+v", cfg.HTTP)
	}
	if cfg.Security.SecretKey != "" || cfg.Security.SecretKeyFile != "data/secret.key" {
		t.Errorf("security = %+v", cfg.Security)
	}
	// An empty path (no --config) means defaults too.
	if _, err := config.Load("", nil); err != nil {
		t.Fatalf("load with empty path: %v", err)
	}
}

// TestConfigYAMLMatchesOptions keeps config.yaml, the documented list of every setting,
// in step with the options table: same keys, same defaults.
func TestConfigYAMLMatchesOptions(t *testing.T) {
	path := filepath.Join("..", "..", "config.yaml") // go test runs in the package's folder
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	file := map[string]string{}
	flatten("", doc, file)
	table := config.Keys()
	for _, k := range sortedKeys(table) {
		v, ok := file[k]
		switch {
		case !ok:
			t.Errorf("config.yaml lacks %s (default %q)", k, table[k])
		case v != table[k]:
			t.Errorf("config.yaml: %s = %q, but the options table's default is %q", k, v, table[k])
		}
	}
	for _, k := range sortedKeys(file) {
		if _, ok := table[k]; !ok {
			t.Errorf("config.yaml has %s, which the options table lacks", k)
		}
	}
	// And the file as shipped loads to exactly the defaults.
	fromFile, err := config.Load(path, nil)
	if err != nil {
		t.Fatalf("load config.yaml: %v", err)
	}
	defaults, err := config.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprintf("%+v", *fromFile) != fmt.Sprintf("%+v", *defaults) {
		t.Errorf("config.yaml loads to\n%+v\nbut the defaults are\n%+v", *fromFile, *defaults)
	}
}

func TestEnvOverrides(t *testing.T) {
	env := []string{
		"ATTACHE_DATABASE_URL=postgres://attache:secret@db.example:5432/attache?sslmode=disable",
		"ATTACHE_HTTP_ADDR=0.0.0.0:9090",
		"ATTACHE_HTTP_BASE_URL=https://attache.example/",
		"ATTACHE_MAIL_TRANSPORT=smtp",
		"ATTACHE_MAIL_OUTBOX_DIR=/var/spool/attache",
		"ATTACHE_MAIL_SMTP_HOST=smtp.example",
		"ATTACHE_DATABASE_AUTO_MIGRATE=false",
		"PATH=/usr/bin",                         // not ours: ignored
		"ATTACHE_CONFIG=elsewhere.yaml",         // the file's own variable, read by the CLI
		"ATTACHE_TEST_POSTGRES_URL=postgres://", // the test harness's, not a setting
	}
	cfg, err := config.Load("", env)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"database.url", cfg.Database.URL, "postgres://attache:secret@db.example:5432/attache?sslmode=disable"},
		{"database is sqlite", cfg.Database.IsSQLite(), false},
		{"http.addr", cfg.HTTP.Addr, "0.0.0.0:9090"},
		{"http.base_url", cfg.HTTP.BaseURL, "https://attache.example"}, // trailing slash trimmed
		{"mail.transport", cfg.Mail.Transport, "smtp"},
		{"mail.outbox_dir", cfg.Mail.OutboxDir, "/var/spool/attache"},
		{"mail.smtp.host", cfg.Mail.SMTPHost, "smtp.example"},
		{"database.auto_migrate", cfg.Database.AutoMigrate, false},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

// TestEnvOverridesFile: the environment wins over config.yaml.
func TestEnvOverridesFile(t *testing.T) {
	path := writeFile(t, "http:\n  addr: 127.0.0.1:7000\nmail:\n  transport: smtp\n")
	cfg, err := config.Load(path, []string{"ATTACHE_HTTP_ADDR=127.0.0.1:7001"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.Addr != "127.0.0.1:7001" || cfg.Mail.Transport != "smtp" {
		t.Fatalf("http.addr = %q, mail.transport = %q", cfg.HTTP.Addr, cfg.Mail.Transport)
	}
}

func TestEveryKeyHasAnEnvName(t *testing.T) {
	for key := range config.Keys() {
		name := config.EnvName(key)
		if _, err := config.Load("", []string{name + "=" + config.Keys()[key]}); err != nil {
			t.Errorf("%s (for %s) with the default value: %v", name, key, err)
		}
	}
	if got := config.EnvName("mail.smtp.host"); got != "ATTACHE_MAIL_SMTP_HOST" {
		t.Errorf("EnvName(mail.smtp.host) = %q", got)
	}
}

func TestInvalidValueNamesKey(t *testing.T) {
	cases := []struct{ key, value string }{
		{"http.addr", "8080"},
		{"http.base_url", "attache.example"},
		{"http.read_timeout", "soon"},
		{"http.body_limit", "0"},
		{"database.url", "mysql://localhost/attache"},
		{"database.auto_migrate", "perhaps"},
		{"database.max_open_conns", "-1"},
		{"mail.transport", "pigeon"},
		{"mail.from", "not an address"},
		{"mail.organizer", "nobody"},
		{"mail.outbox_dir", " "},
		{"mail.smtp.port", "70000"},
		{"mail.smtp.tls", "ssl"},
		{"inbound.smtp.addr", "localhost"},
		{"inbound.max_size", "big"},
		{"security.secret_key", "short"},
		{"log.level", "verbose"},
		{"log.format", "xml"},
	}
	for _, c := range cases {
		t.Run(c.key, func(t *testing.T) {
			env := config.EnvName(c.key)
			_, err := config.Load("", []string{env + "=" + c.value})
			if err == nil {
				t.Fatalf("%s=%q was accepted", env, c.value)
			}
			msg := err.Error()
			if !strings.Contains(msg, c.key) || !strings.Contains(msg, env) || strings.Contains(msg, "\n") {
				t.Errorf("error %q should be one line naming %s and its source %s", msg, c.key, env)
			}

			// The same value from the file names the key and the file.
			path := writeFile(t, nested(c.key, c.value))
			_, err = config.Load(path, nil)
			if err == nil {
				t.Fatalf("%s: %q in the file was accepted", c.key, c.value)
			}
			if msg := err.Error(); !strings.Contains(msg, c.key) || !strings.Contains(msg, path) {
				t.Errorf("error %q should name %s and %s", msg, c.key, path)
			}
		})
	}
}

// TestSecretNotInError: a refused secret must not be echoed into logs.
func TestSecretNotInError(t *testing.T) {
	_, err := config.Load("", []string{"ATTACHE_SECURITY_SECRET_KEY=tooshort-but-secret"})
	if err == nil {
		t.Fatal("a short secret key was accepted")
	}
	if strings.Contains(err.Error(), "tooshort-but-secret") {
		t.Errorf("error repeats the secret: %v", err)
	}
}

func TestUnknownKeysAreErrors(t *testing.T) {
	t.Run("file", func(t *testing.T) {
		path := writeFile(t, "http:\n  adress: 127.0.0.1:8080\n")
		_, err := config.Load(path, nil)
		if err == nil || !strings.Contains(err.Error(), "http.adress") {
			t.Fatalf("unknown key in the file: err = %v, want one naming http.adress", err)
		}
	})
	t.Run("file top level", func(t *testing.T) {
		path := writeFile(t, "server:\n  port: 80\n")
		_, err := config.Load(path, nil)
		if err == nil || !strings.Contains(err.Error(), "server.port") {
			t.Fatalf("unknown key in the file: err = %v, want one naming server.port", err)
		}
	})
	t.Run("env", func(t *testing.T) {
		_, err := config.Load("", []string{"ATTACHE_HTTP_PORT=80"})
		if err == nil || !strings.Contains(err.Error(), "ATTACHE_HTTP_PORT") {
			t.Fatalf("unknown variable: err = %v, want one naming ATTACHE_HTTP_PORT", err)
		}
	})
	t.Run("bad yaml", func(t *testing.T) {
		path := writeFile(t, "http: [unclosed\n")
		if _, err := config.Load(path, nil); err == nil || !strings.Contains(err.Error(), path) {
			t.Fatalf("malformed file: err = %v, want one naming %s", err, path)
		}
	})
}

func TestEmptyFileMeansDefaults(t *testing.T) {
	cfg, err := config.Load(writeFile(t, "# nothing set\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.Addr != "127.0.0.1:8080" {
		t.Fatalf("http.addr = %q", cfg.HTTP.Addr)
	}
}

// nested turns "a.b.c", "v" into the YAML document a: {b: {c: v}}.
func nested(key, value string) string {
	parts := strings.Split(key, ".")
	var b strings.Builder
	for i, p := range parts {
		b.WriteString(strings.Repeat("  ", i) + p + ":")
		if i < len(parts)-1 {
			b.WriteString("\n")
		}
	}
	v, _ := yaml.Marshal(value)
	b.WriteString(" " + string(v))
	return b.String()
}

func flatten(prefix string, v any, out map[string]string) {
	if m, ok := v.(map[string]any); ok {
		for k, sub := range m {
			key := k
			if prefix != "" {
				key = prefix + "." + k
			}
			flatten(key, sub, out)
		}
		return
	}
	if v == nil {
		out[prefix] = ""
		return
	}
	out[prefix] = fmt.Sprint(v)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
