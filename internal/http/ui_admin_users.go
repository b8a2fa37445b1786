package http

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/service"
)

// Accounts (admins only): the list, a new account with a chosen or generated password,
// and changes of name, role, language, access and password. The service refuses to
// demote or disable the last admin; the page shows why beside the role.

// adminOption is one choice of a select.
type adminOption struct {
	Value, Label string
}

type usersPage struct {
	uiPage
	Users []*domain.User
}

func (s *Server) usersPage(c echo.Context) error {
	users, err := s.svc.Users(c.Request().Context())
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "users.html", usersPage{uiPage: s.page(c, "users", "ui.admin.users.title"), Users: users})
}

type userFormPage struct {
	uiPage
	Account   *domain.User // nil for a new account
	Roles     []adminOption
	Languages []adminOption
	// Password is a generated password, shown once.
	Password string
}

func (s *Server) userForm(c echo.Context, titleKey string, args ...any) userFormPage {
	p := userFormPage{uiPage: s.page(c, "users", titleKey, args...)}
	for _, r := range []domain.Role{domain.RoleViewer, domain.RoleOfficer, domain.RoleAdmin} {
		p.Roles = append(p.Roles, adminOption{string(r), p.L.T("ui.role." + string(r))})
	}
	p.Languages = []adminOption{{"", p.L.T("ui.lang.auto")}, {"en", p.L.T("ui.lang.en")}, {"ru", p.L.T("ui.lang.ru")}}
	return p
}

func (s *Server) userNewForm(c echo.Context) error {
	p := s.userForm(c, "ui.admin.user.new_title")
	p.Form = url.Values{"role": {string(domain.RoleOfficer)}}
	return s.render(c, http.StatusOK, "user_new.html", p)
}

// userCreate creates an account; without a password one is generated and shown once on
// the page that answers (never kept in the session).
func (s *Server) userCreate(c echo.Context) error {
	u := &domain.User{Email: c.FormValue("email"), Name: c.FormValue("name"), Role: domain.Role(c.FormValue("role")),
		Language: c.FormValue("language")}
	generated, err := s.svc.CreateUser(c.Request().Context(), u, c.FormValue("password"))
	if fe, ok := formError(err); ok {
		p := s.userForm(c, "ui.admin.user.new_title")
		p.Errors, p.Form = fe, formValues(c, "email", "name", "role", "language")
		return s.render(c, http.StatusUnprocessableEntity, "user_new.html", p)
	}
	if err != nil {
		return err
	}
	l := uiLocale(c)
	if generated == "" {
		s.flash(c, l.T("ui.admin.user.created", u.Email))
		return seeOther(c, "/users")
	}
	p := s.userForm(c, "ui.admin.user.password_title", u.Email)
	p.Account, p.Password = u, generated
	return s.render(c, http.StatusOK, "user_password.html", p)
}

func (s *Server) loadAccount(c echo.Context) (*domain.User, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	return s.svc.UserAccount(c.Request().Context(), id)
}

func (s *Server) userEditForm(c echo.Context) error {
	u, err := s.loadAccount(c)
	if err != nil {
		return err
	}
	p := s.userForm(c, "ui.admin.user.edit_title", u.Email)
	p.Account = u
	p.Form = url.Values{"name": {u.Name}, "role": {string(u.Role)}, "language": {u.Language}}
	if u.Disabled {
		p.Form.Set("disabled", "on")
	}
	return s.render(c, http.StatusOK, "user_edit.html", p)
}

// userUpdate changes an account in one step: name, role, language, access, and a new
// password when one is typed or asked to be generated (then shown once).
func (s *Server) userUpdate(c echo.Context) error {
	u, err := s.loadAccount(c)
	if err != nil {
		return err
	}
	name, role, lang := strings.TrimSpace(c.FormValue("name")), domain.Role(c.FormValue("role")), c.FormValue("language")
	disabled := c.FormValue("disabled") == "on"
	up := service.UserUpdate{Name: &name, Role: &role, Language: &lang, Disabled: &disabled}
	generated := ""
	if pw := c.FormValue("password"); pw != "" {
		up.Password = &pw
	} else if c.FormValue("generate") == "on" {
		generated = service.NewPassword()
		up.Password = &generated
	}
	updated, err := s.svc.UpdateUser(c.Request().Context(), u.ID, up)
	if fe, ok := formError(err); ok {
		p := s.userForm(c, "ui.admin.user.edit_title", u.Email)
		p.Account = u
		p.Errors, p.Form = fe, formValues(c, "name", "role", "language", "disabled", "generate")
		return s.render(c, http.StatusUnprocessableEntity, "user_edit.html", p)
	}
	if err != nil {
		return err
	}
	l := uiLocale(c)
	if generated != "" {
		p := s.userForm(c, "ui.admin.user.password_title", updated.Email)
		p.Account, p.Password = updated, generated
		return s.render(c, http.StatusOK, "user_password.html", p)
	}
	s.flash(c, l.T("ui.admin.user.saved", updated.Email))
	return seeOther(c, "/users")
}
