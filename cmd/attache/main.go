// Command attache is Attaché's single binary: the server and its administration
// subcommands. See README.md for the list.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	_ "time/tzdata" // IANA zones on machines without /usr/share/zoneinfo

	"github.com/attache-app/attache/internal/app"
	"github.com/attache-app/attache/internal/config"
	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/service"
)

const usage = `usage: attache [--config PATH] <command> [flags]

commands:
  serve                              run the server (the default); migrates first unless database.auto_migrate is false
  migrate [up|status]                apply or list database migrations (River's queue tables included)
  user add --email E --role R        create an officer (admin, officer or viewer); the password is read
                                     from stdin when piped, else generated and printed once
  token create --email E [--name N]  create an API token; printed alone on the last line
  demo [--copies N]                  load the reference scenario (idempotent); N numbered copies for volume
  inbound                            record one raw message read on stdin (an MTA's pipe); exit 0 once
                                     recorded, 75 when it could not be stored (retry), 65 when unusable
  version                            print the version
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command and returns the exit code; main is only signal wiring.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	global := flag.NewFlagSet("attache", flag.ContinueOnError)
	global.SetOutput(stderr)
	global.Usage = func() { fmt.Fprint(stderr, usage) }
	cfgPath := global.String("config", envOr("ATTACHE_CONFIG", "config.yaml"), "configuration file")
	if err := global.Parse(args); err != nil {
		return 2
	}
	rest := global.Args()
	cmd := "serve"
	if len(rest) > 0 {
		cmd, rest = rest[0], rest[1:]
	}
	if cmd == "version" {
		fmt.Fprintln(stdout, "attache", app.Version)
		return 0
	}
	if cmd == "help" || cmd == "-h" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	cfg, err := config.Load(*cfgPath, os.Environ())
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if err := dispatch(ctx, cmd, rest, cfg, stdin, stdout, stderr); err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintln(stderr, "attache:", err)
			fmt.Fprint(stderr, usage)
			return 2
		}
		fmt.Fprintln(stderr, "attache:", describe(err))
		var xe *exitError
		if errors.As(err, &xe) {
			return xe.code
		}
		return 1
	}
	return 0
}

type usageError string

func (e usageError) Error() string { return string(e) }

func dispatch(ctx context.Context, cmd string, args []string, cfg *config.Config, stdin io.Reader, stdout, stderr io.Writer) error {
	switch cmd {
	case "serve", "migrate", "user", "token", "demo", "inbound":
	default:
		return usageError(fmt.Sprintf("unknown command %q", cmd))
	}
	a, err := app.Open(ctx, cfg, app.NewLogger(cfg.Log, stderr))
	if err != nil {
		if cmd == "inbound" {
			return tempFail(err) // the MTA keeps the message and retries
		}
		return err
	}
	defer a.Close()
	switch cmd {
	case "serve":
		return a.Serve(ctx)
	case "migrate":
		return migrate(ctx, a, args, stdout)
	case "user":
		return userAdd(ctx, a, args, stdin, stdout, stderr)
	case "token":
		return tokenCreate(ctx, a, args, stdout, stderr)
	case "inbound":
		return inboundCmd(ctx, a, stdin, stdout)
	case "demo":
		if err := a.EnsureMigrated(ctx); err != nil {
			return err
		}
		copies, err := demoCopies(args)
		if err != nil {
			return err
		}
		res, err := a.Service.LoadDemoCopies(service.WithActor(ctx, service.Actor{Name: "attache demo"}), copies)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, res)
		return nil
	}
	return nil
}

// demoCopies reads `attache demo [--copies N]`: N-1 numbered copies beside the scenario,
// to try the interface with a realistic volume.
func demoCopies(args []string) (int, error) {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	n := fs.Int("copies", 1, "load the scenario this many times (numbered copies)")
	if err := fs.Parse(args); err != nil {
		return 0, err
	}
	if *n < 1 || *n > 1000 {
		return 0, fmt.Errorf("--copies must be between 1 and 1000, got %d", *n)
	}
	return *n, nil
}

func migrate(ctx context.Context, a *app.App, args []string, stdout io.Writer) error {
	sub := "up"
	if len(args) > 0 {
		sub = args[0]
	}
	switch sub {
	case "up":
		n, err := a.Store.Migrate(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "applied %d migration(s); the database is current\n", n)
		return nil
	case "status":
		st, err := a.Store.MigrationStatus(ctx)
		if err != nil {
			return err
		}
		for _, m := range st {
			state := "pending"
			if m.Applied {
				state = "applied"
			}
			fmt.Fprintf(stdout, "%05d  %-8s %s\n", m.Version, state, m.Source)
		}
		return nil
	}
	return usageError(fmt.Sprintf("migrate: unknown subcommand %q (want up or status)", sub))
}

func userAdd(ctx context.Context, a *app.App, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return usageError("user: want `user add --email E --role R`")
	}
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "officer's e-mail (required)")
	role := fs.String("role", "officer", "admin, officer or viewer")
	name := fs.String("name", "", "display name")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError(err.Error())
	}
	if err := a.EnsureMigrated(ctx); err != nil {
		return err
	}
	password, err := readPassword(stdin)
	if err != nil {
		return err
	}
	u := &domain.User{Email: *email, Name: *name, Role: domain.Role(*role)}
	generated, err := a.Service.CreateUser(service.WithActor(ctx, service.Actor{Name: "attache user add"}), u, password)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %s %s (id %d)\n", u.Role, u.Email, u.ID)
	if generated != "" {
		fmt.Fprintf(stdout, "one-time password (shown once): %s\n", generated)
	}
	return nil
}

// readPassword reads the first line of stdin when it is piped; a terminal or an empty
// pipe means "generate one".
func readPassword(stdin io.Reader) (string, error) {
	if f, ok := stdin.(*os.File); ok {
		st, err := f.Stat()
		if err != nil || st.Mode()&os.ModeCharDevice != 0 {
			return "", nil
		}
	}
	line, err := bufio.NewReader(io.LimitReader(stdin, 1024)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func tokenCreate(ctx context.Context, a *app.App, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return usageError("token: want `token create --email E [--name N]`")
	}
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "officer's e-mail (required)")
	name := fs.String("name", "", "what the token is for")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError(err.Error())
	}
	if *email == "" {
		return usageError("token create: --email is required")
	}
	if err := a.EnsureMigrated(ctx); err != nil {
		return err
	}
	token, _, err := a.Service.CreateAPIToken(service.WithActor(ctx, service.Actor{Name: "attache token create"}), *email, *name)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "API token for", *email, "(shown once; keep it secret):")
	fmt.Fprintln(stdout, token)
	return nil
}

// describe turns a validation error into the CLI's wording, naming the flag.
func describe(err error) string {
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		if ve.Field == "password" {
			return fmt.Sprintf("password (read from stdin): %s", ve.Message)
		}
		return fmt.Sprintf("--%s: %s", ve.Field, ve.Message)
	}
	return err.Error()
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
