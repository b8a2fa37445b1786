package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	attachehttp "github.com/attache-app/attache/internal/http"
)

// Ready is nil when the database answers and every migration is applied.
func (a *App) Ready(ctx context.Context) error {
	if err := a.Store.Ping(ctx); err != nil {
		return err
	}
	ok, err := a.Store.MigrationsCurrent(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("migrations pending")
	}
	return nil
}

// Handler builds the HTTP server for this app.
func (a *App) Handler() *attachehttp.Server {
	return attachehttp.New(a.Service, attachehttp.Options{
		BodyLimit:    a.Config.HTTP.BodyLimit,
		InboundLimit: a.Config.Inbound.MaxSize,
		Ready:        a.Ready,
		Logger:       a.Log,
		Version:      Version,
		// The session cookie is Secure when officers reach us over https.
		SecureCookies: strings.HasPrefix(BaseURL(a.Config.HTTP), "https://"),
	})
}

// Serve migrates (unless database.auto_migrate is off), starts the job queue, then
// serves HTTP until ctx is cancelled (SIGTERM, SIGINT), and shuts down gracefully:
// in-flight requests get http.shutdown_timeout to finish, then running jobs as long
// again, before the caller closes the database.
func (a *App) Serve(ctx context.Context) (err error) {
	if a.Config.Database.AutoMigrate {
		if _, err := a.Store.Migrate(ctx); err != nil {
			return err
		}
	}
	stopJobs := func(context.Context) error { return nil }
	if current, cerr := a.Store.MigrationsCurrent(ctx); cerr != nil || !current {
		// Serve anyway, so that /readyz says what is wrong; nothing is sent until
		// `attache migrate` has run and the process restarts.
		a.Log.Error("job queue not started: the database has pending migrations; run `attache migrate`", "err", cerr)
	} else if stopJobs, err = a.StartJobs(ctx); err != nil {
		return err
	}
	// haltJobs stops the workers once: after the HTTP server, before the caller closes
	// the database; running jobs get http.shutdown_timeout to finish.
	haltJobs := func() error {
		stop := stopJobs
		stopJobs = func(context.Context) error { return nil }
		jctx, cancel := context.WithTimeout(context.Background(), a.Config.HTTP.ShutdownTimeout)
		defer cancel()
		return stop(jctx)
	}
	defer func() {
		if jerr := haltJobs(); jerr != nil && err == nil {
			err = jerr
		}
	}()
	h := a.Handler()
	// First run: while no account exists, one line with a one-time link to create the
	// first admin (valid until used or this process stops).
	if token, err := h.OpenSetup(ctx); err != nil {
		a.Log.Warn("first-run check", "err", err)
	} else if token != "" {
		a.Log.Info("no account yet: open this link to create the first administrator",
			"setup_url", BaseURL(a.Config.HTTP)+"/setup?token="+token)
	}
	srv := h.HTTPServer(a.Config.HTTP.Addr, a.Config.HTTP.ReadTimeout, a.Config.HTTP.WriteTimeout)
	ln, err := net.Listen("tcp", a.Config.HTTP.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (http.addr): %w", a.Config.HTTP.Addr, err)
	}
	stopInbound, err := a.StartInbound(ctx)
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer func() { _ = stopInbound(context.Background()) }()
	a.Log.Info("attache serving", "addr", ln.Addr().String(), "base_url", BaseURL(a.Config.HTTP),
		"database", string(a.Store.Dialect), "version", Version)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	a.Log.Info("shutting down", "grace", a.Config.HTTP.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), a.Config.HTTP.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	if err := stopInbound(sctx); err != nil {
		a.Log.Warn("inbound listener shutdown", "err", err)
	}
	if err := haltJobs(); err != nil {
		return err
	}
	a.Log.Info("stopped")
	return nil
}

// EnsureMigrated applies pending migrations when database.auto_migrate is on, and
// otherwise refuses to work on an outdated schema. Administrative commands call it.
func (a *App) EnsureMigrated(ctx context.Context) error {
	if a.Config.Database.AutoMigrate {
		_, err := a.Store.Migrate(ctx)
		return err
	}
	ok, err := a.Store.MigrationsCurrent(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("the database has pending migrations: run `attache migrate`")
	}
	return nil
}
