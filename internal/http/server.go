// Package http is Attaché's web layer: the echo server, its middleware and thin handlers
// that decode a request, call the service and encode the answer.
package http

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/attache-app/attache/internal/service"
)

// Readiness answers /readyz: nil when the database answers and migrations are current.
type Readiness func(ctx context.Context) error

// Options configures the server.
type Options struct {
	BodyLimit int64 // bytes; larger requests get 413
	// InboundLimit is the body limit of POST /api/v1/inbound (inbound.max_size): a raw
	// message with attachments is larger than any JSON request.
	InboundLimit int64
	Ready        Readiness
	Logger       *slog.Logger
	Version      string
	// SecureCookies marks the session cookie Secure (http.base_url is https).
	SecureCookies bool
	// UIPerMinute limits the officer pages per client address (default 3000: an office
	// behind one address, each open event page polling its progress once a second, stays
	// far below it; a script hammering the server does not). Password guessing has its own
	// throttle per account and address, counted in the database.
	UIPerMinute int
}

// Server is the HTTP front of the services.
type Server struct {
	svc  *service.Service
	opt  Options
	log  *slog.Logger
	Echo *echo.Echo
	// sessions keeps officers signed in (session.go).
	sessions *scs.SessionManager
	// setup holds the one-time first-run token (ui_auth.go).
	firstRun setupToken
}

// New builds the echo instance with every route and middleware.
func New(svc *service.Service, opt Options) *Server {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.BodyLimit <= 0 {
		opt.BodyLimit = 1 << 20
	}
	if opt.UIPerMinute <= 0 {
		opt.UIPerMinute = 3000
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	s := &Server{svc: svc, opt: opt, log: opt.Logger, Echo: e}
	s.sessions = newSessions(svc, opt.SecureCookies, func(r *http.Request, err error) {
		s.log.ErrorContext(r.Context(), "session store", "path", r.URL.Path, "err", err)
	})
	e.HTTPErrorHandler = s.handleError
	e.Use(middleware.RequestID())
	e.Use(s.recoverPanics)
	e.Use(s.logRequests)
	if opt.InboundLimit <= 0 {
		opt.InboundLimit = 10 << 20
	}
	e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{
		Limit:   strconv.FormatInt(opt.BodyLimit, 10) + "B",
		Skipper: isInboundUpload,
	}))
	e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{
		Limit:   strconv.FormatInt(opt.InboundLimit, 10) + "B",
		Skipper: func(c echo.Context) bool { return !isInboundUpload(c) },
	}))
	e.Use(securityHeaders)
	s.routes()
	return s
}

// isInboundUpload is the one route whose body is a raw message, limited by
// inbound.max_size instead of http.body_limit.
func isInboundUpload(c echo.Context) bool {
	p := c.Request().URL.Path
	return c.Request().Method == http.MethodPost && (p == "/api/v1/inbound" || p == uiInboundUpload)
}

// uiInboundUpload is the web UI's upload of a raw .eml (ui_admin.go).
const uiInboundUpload = "/inbound/upload"

// HTTPServer wraps the handler in a net/http server with timeouts on every phase, so
// that slow clients can not hold connections open.
func (s *Server) HTTPServer(addr string, read, write time.Duration) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s.Echo,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       read,
		WriteTimeout:      write,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
}

func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		return next(c)
	}
}

func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		// Paths under /rsvp/ and /feeds/ carry secrets: log the route pattern, not the URL.
		s.log.LogAttrs(c.Request().Context(), slog.LevelInfo, "http request",
			slog.String("method", c.Request().Method),
			slog.String("route", c.Path()),
			slog.Int("status", c.Response().Status),
			slog.Duration("duration", time.Since(start)),
			slog.String("request_id", c.Response().Header().Get(echo.HeaderXRequestID)),
		)
		return nil
	}
}

func (s *Server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				s.log.ErrorContext(c.Request().Context(), "panic in handler", "route", c.Path(), "panic", r)
				err = echo.NewHTTPError(http.StatusInternalServerError)
			}
		}()
		return next(c)
	}
}
