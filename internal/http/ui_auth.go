package http

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/service"
)

// Sign-in, sign-out, the first-run setup and the language switch.

// setupToken is the one-time secret of the first-run setup link. It lives in this
// process only: valid until the first account exists or the process restarts.
type setupToken struct {
	mu    sync.Mutex
	token string
}

// OpenSetup returns a fresh setup token while no account exists ("" once one does). The
// caller logs the link; each instance sharing a database has its own.
func (s *Server) OpenSetup(ctx context.Context) (string, error) {
	has, err := s.svc.HasUsers(ctx)
	if err != nil || has {
		return "", err
	}
	s.firstRun.mu.Lock()
	defer s.firstRun.mu.Unlock()
	s.firstRun.token = newCSRFToken()
	return s.firstRun.token, nil
}

func (s *Server) setupValid(token string) bool {
	s.firstRun.mu.Lock()
	defer s.firstRun.mu.Unlock()
	return s.firstRun.token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.firstRun.token)) == 1
}

func (s *Server) closeSetup() {
	s.firstRun.mu.Lock()
	s.firstRun.token = ""
	s.firstRun.mu.Unlock()
}

type loginPage struct {
	uiPage
	Next string
}

func (s *Server) loginPage(c echo.Context) error {
	if currentUser(c) != nil {
		return seeOther(c, safeNext(c.QueryParam("next")))
	}
	p := loginPage{uiPage: s.page(c, "", "ui.login.title"), Next: safeNext(c.QueryParam("next"))}
	return s.render(c, http.StatusOK, "login.html", p)
}

// login checks the password; a wrong one shows the form again with one message that does
// not say whether the account exists.
func (s *Server) login(c echo.Context) error {
	ctx := c.Request().Context()
	email, password := c.FormValue("email"), c.FormValue("password")
	u, err := s.svc.SignIn(ctx, email, password, s.clientKey(c))
	if err != nil {
		l := uiLocale(c)
		p := loginPage{uiPage: s.page(c, "", "ui.login.title"), Next: safeNext(c.FormValue("next"))}
		p.Form = map[string][]string{"email": {email}}
		switch {
		case errors.Is(err, service.ErrThrottled):
			p.Errors = formErrors{"": l.T("ui.login.throttled")}
			return s.render(c, http.StatusTooManyRequests, "login.html", p)
		case errors.Is(err, domain.ErrUnauthorized):
			p.Errors = formErrors{"": l.T("ui.login.failed")}
			return s.render(c, http.StatusUnauthorized, "login.html", p)
		}
		return err
	}
	if err := s.signIn(c, u); err != nil {
		return err
	}
	return seeOther(c, safeNext(c.FormValue("next")))
}

// signIn starts a session for u with a new token (no session fixation) and a new CSRF token.
func (s *Server) signIn(c echo.Context, u *domain.User) error {
	ctx := c.Request().Context()
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.sessions.Put(ctx, sessionUser, u.ID)
	s.sessions.Put(ctx, csrfKey, newCSRFToken())
	return nil
}

func (s *Server) logout(c echo.Context) error {
	if err := s.sessions.Destroy(c.Request().Context()); err != nil {
		return err
	}
	return seeOther(c, "/login")
}

type setupPage struct {
	uiPage
	Token string
}

// setupForm is the first-run page: while no account exists and with the logged token.
func (s *Server) setupForm(c echo.Context) error {
	if has, err := s.svc.HasUsers(c.Request().Context()); err != nil {
		return err
	} else if has {
		return seeOther(c, "/login")
	}
	if !s.setupValid(c.QueryParam("token")) {
		return domain.NotFound("setup link")
	}
	return s.render(c, http.StatusOK, "setup.html", setupPage{uiPage: s.page(c, "", "ui.setup.title"), Token: c.QueryParam("token")})
}

// setup creates the first admin, signs them in and loads the demo when asked.
func (s *Server) setup(c echo.Context) error {
	ctx := c.Request().Context()
	token := c.FormValue("token")
	if !s.setupValid(token) {
		return domain.NotFound("setup link")
	}
	l := uiLocale(c)
	u := &domain.User{Email: c.FormValue("email"), Name: strings.TrimSpace(c.FormValue("name")), Language: c.FormValue("language")}
	password := c.FormValue("password")
	var err error
	if password != c.FormValue("password2") {
		err = domain.Invalid("password2", "%s", l.T("ui.setup.mismatch"))
	} else {
		err = s.svc.CreateFirstAdmin(ctx, u, password)
	}
	if fe, ok := formError(err); ok {
		p := setupPage{uiPage: s.page(c, "", "ui.setup.title"), Token: token}
		p.Errors, p.Form = fe, formValues(c, "email", "name", "language", "demo")
		return s.render(c, http.StatusUnprocessableEntity, "setup.html", p)
	}
	if err != nil {
		return err
	}
	s.closeSetup()
	if err := s.signIn(c, u); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "first account created", "email", u.Email)
	if c.FormValue("demo") == "on" {
		actx := service.WithActor(ctx, service.Actor{UserID: &u.ID, Name: u.Email})
		if _, err := s.svc.LoadDemo(actx); err != nil {
			return err
		}
		s.flash(c, l.T("ui.setup.demo_loaded"))
	}
	return seeOther(c, "/")
}

// formValues copies the named fields of the request, to show a form again as typed
// (never the password).
func formValues(c echo.Context, names ...string) map[string][]string {
	out := map[string][]string{}
	for _, n := range names {
		if v, ok := c.Request().Form[n]; ok {
			out[n] = v
		}
	}
	return out
}

// setLanguage stores the officer's interface language ("" follows the browser).
func (s *Server) setLanguage(c echo.Context) error {
	u := currentUser(c)
	lang := c.FormValue("language")
	if _, err := s.svc.UpdateUser(c.Request().Context(), u.ID, service.UserUpdate{Language: &lang}); err != nil {
		return err
	}
	return seeOther(c, safeNext(c.FormValue("next")))
}

type uiErrorPage struct {
	uiPage
	Status  int
	Heading string
	Text    string
	Detail  string
}

// renderUIError is the officers' error page: the layout with their navigation when
// signed in, the status in words, and for a 4xx the reason (it names the field or the
// conflict); a 5xx shows only the request id.
func (s *Server) renderUIError(c echo.Context, status int, msg string) {
	l := uiLocale(c)
	key := "ui.error.title." + strconv.Itoa(status)
	if !l.Has(key) {
		key = "ui.error.title.default"
	}
	text := "ui.error.text." + strconv.Itoa(status)
	if !l.Has(text) {
		text = "ui.error.text.default"
	}
	p := uiErrorPage{uiPage: s.page(c, "", key), Status: status, Heading: l.T(key), Text: l.T(text)}
	if status < 500 && status != http.StatusNotFound {
		p.Detail = msg
	}
	if status >= 500 {
		p.Detail = l.T("ui.error.reference", c.Response().Header().Get(echo.HeaderXRequestID))
	}
	if err := s.render(c, status, "error.html", p); err != nil {
		s.log.ErrorContext(c.Request().Context(), "render error page", "route", c.Path(), "err", err)
		if !c.Response().Committed {
			_ = c.String(status, http.StatusText(status))
		}
	}
}
