package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

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
		BodyLimit: a.Config.HTTP.BodyLimit,
		Ready:     a.Ready,
		Logger:    a.Log,
		Version:   Version,
	})
}

// Serve migrates (unless database.auto_migrate is off), then serves HTTP until ctx is
// cancelled (SIGTERM, SIGINT), and shuts down gracefully: in-flight requests get
// http.shutdown_timeout to finish.
func (a *App) Serve(ctx context.Context) error {
	if a.Config.Database.AutoMigrate {
		if _, err := a.Store.Migrate(ctx); err != nil {
			return err
		}
	}
	h := a.Handler()
	srv := h.HTTPServer(a.Config.HTTP.Addr, a.Config.HTTP.ReadTimeout, a.Config.HTTP.WriteTimeout)
	ln, err := net.Listen("tcp", a.Config.HTTP.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (http.addr): %w", a.Config.HTTP.Addr, err)
	}
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
