package http

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/service"
)

// Directory, inbound messages, audit log and users: the administration area of the
// officer web UI. This file has the routes and the directory of people and organizations
// with their history across events; the others are in ui_admin_*.go.

func (s *Server) uiAdminRoutes(r uiRoutes) {
	r.GET("/directory", s.directory, domain.PermRead)
	r.GET("/people/:id", s.personPage, domain.PermRead)
	r.GET("/organizations/:id", s.organizationPage, domain.PermRead)

	r.GET("/inbound", s.inboundList, domain.PermRead)
	r.GET(uiInboundUpload, s.inboundUploadForm, domain.PermWrite)
	r.POST(uiInboundUpload, s.inboundUpload, domain.PermWrite)
	r.GET("/inbound/:id", s.inboundPage, domain.PermRead)
	r.POST("/inbound/:id/apply", s.inboundApply, domain.PermWrite)
	r.POST("/inbound/:id/dismiss", s.inboundDismiss, domain.PermWrite)

	r.GET("/audit", s.auditPage, domain.PermRead)

	r.GET("/users", s.usersPage, domain.PermAdmin)
	r.GET("/users/new", s.userNewForm, domain.PermAdmin)
	r.POST("/users/new", s.userCreate, domain.PermAdmin)
	r.GET("/users/:id", s.userEditForm, domain.PermAdmin)
	r.POST("/users/:id", s.userUpdate, domain.PermAdmin)
}

// adminPageSize is how many rows a page of the administration lists shows.
const adminPageSize = 50

// adminNext is the address of the next page of a list: the current query with the
// cursor parameter replaced ("" when there is no next page).
func adminNext(c echo.Context, param, cursor string) string {
	if cursor == "" {
		return ""
	}
	q := url.Values{}
	for k, v := range c.QueryParams() {
		q[k] = v
	}
	q.Set(param, cursor)
	return c.Request().URL.Path + "?" + q.Encode()
}

// adminFirst is the address of the first page of a list (the query without cursors), or
// "" when the page shown is the first.
func adminFirst(c echo.Context, params ...string) string {
	q := url.Values{}
	for k, v := range c.QueryParams() {
		q[k] = v
	}
	paged := false
	for _, p := range params {
		if q.Get(p) != "" {
			paged = true
		}
		q.Del(p)
	}
	if !paged {
		return ""
	}
	if len(q) == 0 {
		return c.Request().URL.Path
	}
	return c.Request().URL.Path + "?" + q.Encode()
}

type directoryPerson struct {
	*domain.Person
	Org *domain.Organization
}

type directoryPage struct {
	uiPage
	Q          string
	People     []directoryPerson
	Orgs       []*domain.Organization
	NextPeople string
	NextOrgs   string
	First      string
}

// directory lists people and organizations matching one search box: a person's name in
// any language or script, their e-mail, or their organization.
func (s *Server) directory(c echo.Context) error {
	ctx := c.Request().Context()
	search := strings.TrimSpace(c.QueryParam("q"))
	people, orgs, nextPeople, err := s.svc.DirectoryPeople(ctx, search, service.Page{Limit: adminPageSize, Cursor: c.QueryParam("after")})
	if err != nil {
		return err
	}
	orgList, nextOrgs, err := s.svc.Organizations(ctx, service.OrganizationFilter{Search: search}, service.Page{Limit: adminPageSize, Cursor: c.QueryParam("org_after")})
	if err != nil {
		return err
	}
	p := directoryPage{uiPage: s.page(c, "directory", "ui.admin.directory.title"), Q: search, Orgs: orgList,
		NextPeople: adminNext(c, "after", nextPeople), NextOrgs: adminNext(c, "org_after", nextOrgs),
		First: adminFirst(c, "after", "org_after")}
	for _, person := range people {
		row := directoryPerson{Person: person}
		if person.OrganizationID != nil {
			row.Org = orgs[*person.OrganizationID]
		}
		p.People = append(p.People, row)
	}
	return s.render(c, http.StatusOK, "directory.html", p)
}

type personPage struct {
	uiPage
	Person  *domain.Person
	Org     *domain.Organization
	History []service.PersonInvitation
}

// personPage shows a person with their names in each language and their invitations
// across events, newest first.
func (s *Server) personPage(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	person, err := s.svc.Person(ctx, id)
	if err != nil {
		return err
	}
	p := personPage{uiPage: s.page(c, "directory", "ui.admin.person.title", person.FullName), Person: person}
	if person.OrganizationID != nil {
		if p.Org, err = s.svc.Organization(ctx, *person.OrganizationID); err != nil {
			return err
		}
	}
	if p.History, err = s.svc.PersonInvitations(ctx, id); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "person.html", p)
}

// orgPeopleLimit is how many of an organization's people its page lists; the directory,
// searched by the organization's name, lists them all.
const orgPeopleLimit = 200

type organizationPage struct {
	uiPage
	Org         *domain.Organization
	People      []*domain.Person
	MorePeople  bool
	Delegations []service.OrganizationDelegation
	Hosted      []service.EventRef
}

// organizationPage shows an organization, its people, the delegations it sent and the
// events it hosted.
func (s *Server) organizationPage(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	org, err := s.svc.Organization(ctx, id)
	if err != nil {
		return err
	}
	p := organizationPage{uiPage: s.page(c, "directory", "ui.admin.org.title", org.Name), Org: org}
	people, next, err := s.svc.People(ctx, service.PersonFilter{OrganizationID: &id}, service.Page{Limit: orgPeopleLimit})
	if err != nil {
		return err
	}
	p.People, p.MorePeople = people, next != ""
	if p.Delegations, p.Hosted, err = s.svc.OrganizationHistory(ctx, id); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "organization.html", p)
}

// The administration pages' template function: adminID reads an optional id (0 for
// none), e.g. to look an event's title up in a map keyed by id.
func init() {
	uiFuncs["adminID"] = func(id *int64) int64 {
		if id == nil {
			return 0
		}
		return *id
	}
}
