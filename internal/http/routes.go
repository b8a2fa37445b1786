package http

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/attache-app/attache/internal/domain"
)

// routes is the whole route table, grouped by who may call each route. Every API route
// names the permission it needs here and nowhere else.
func (s *Server) routes() {
	e := s.Echo
	e.GET("/healthz", s.healthz)

	// The delegate's pages: the secret link is the credential, so no login; limited per
	// client address; GET and HEAD only read, answers need a POST with the form token.
	e.Renderer = mustParsePages()
	e.StaticFS("/static", staticFiles())
	rsvp := e.Group("/rsvp", s.perAddressLimit(100), privatePage)
	rsvp.GET("/:token", s.rsvpPage)
	rsvp.HEAD("/:token", s.rsvpPage)
	rsvp.POST("/:token", s.rsvpAnswer)
	rsvp.GET("/:token/invite.ics", s.rsvpICS)
	rsvp.HEAD("/:token/invite.ics", s.rsvpICS)
	e.GET("/readyz", s.readyz)
	// Feeds: the secret token in the path is the credential, so no bearer; limited per
	// client address like the delegate's pages; the request log records the route
	// pattern, never the token.
	feeds := e.Group("/feeds", s.perAddressLimit(100))
	feeds.GET("/public.ics", s.publicFeed)
	feeds.GET("/:file", s.feed)

	api := e.Group("/api/v1", s.bearer)
	read, write := allow(domain.PermRead), allow(domain.PermWrite)

	api.GET("/version", s.version, read)

	api.GET("/organizations", s.listOrganizations, read)
	api.POST("/organizations", s.createOrganization, write)
	api.GET("/organizations/:id", s.getOrganization, read)
	api.PATCH("/organizations/:id", s.updateOrganization, write)
	api.DELETE("/organizations/:id", s.deleteOrganization, write)

	api.GET("/people", s.listPeople, read)
	api.POST("/people", s.createPerson, write)
	api.GET("/people/:id", s.getPerson, read)
	api.PATCH("/people/:id", s.updatePerson, write)
	api.DELETE("/people/:id", s.deletePerson, write)

	api.GET("/venues", s.listVenues, read)
	api.POST("/venues", s.createVenue, write)
	api.GET("/venues/:id", s.getVenue, read)
	api.PATCH("/venues/:id", s.updateVenue, write)
	api.DELETE("/venues/:id", s.deleteVenue, write)
	api.GET("/venues/:id/rooms", s.listRooms, read)
	api.POST("/venues/:id/rooms", s.createRoom, write)
	api.GET("/venues/:id/rooms/:rid", s.getRoom, read)
	api.PATCH("/venues/:id/rooms/:rid", s.updateRoom, write)
	api.DELETE("/venues/:id/rooms/:rid", s.deleteRoom, write)

	api.GET("/events", s.listEvents, read)
	api.POST("/events", s.createEvent, write)
	api.GET("/events/:id", s.getEvent, read)
	api.PATCH("/events/:id", s.updateEvent, write)
	api.DELETE("/events/:id", s.deleteEvent, write)
	api.GET("/series", s.listSeries, read)
	api.POST("/series", s.createSeries, write)
	api.GET("/series/:id", s.getSeries, read)
	api.PATCH("/series/:id", s.updateSeries, write)
	api.GET("/events/:id/sessions", s.listSessions, read)
	api.POST("/events/:id/sessions", s.createSession, write)
	api.GET("/events/:id/sessions/:sid", s.getSession, read)
	api.PATCH("/events/:id/sessions/:sid", s.updateSession, write)
	api.DELETE("/events/:id/sessions/:sid", s.deleteSession, write)
	api.GET("/events/:id/sessions/:sid/outcomes", s.listOutcomes, read)
	api.POST("/events/:id/sessions/:sid/outcomes", s.createOutcome, write)
	api.DELETE("/events/:id/sessions/:sid/outcomes/:oid", s.deleteOutcome, write)

	api.GET("/events/:id/delegations", s.listDelegations, read)
	api.POST("/events/:id/delegations", s.createDelegation, write)
	api.GET("/events/:id/delegations/:did", s.getDelegation, read)
	api.PATCH("/events/:id/delegations/:did", s.updateDelegation, write)
	api.DELETE("/events/:id/delegations/:did", s.deleteDelegation, write)
	api.GET("/events/:id/invitations", s.listInvitations, read)
	api.POST("/events/:id/invitations", s.createInvitation, write)
	api.GET("/invitations/:iid", s.getInvitation, read)
	api.PATCH("/invitations/:iid", s.updateInvitation, write)
	api.DELETE("/invitations/:iid", s.deleteInvitation, write)
	api.GET("/invitations/:iid/responses", s.listResponses, read)
	api.POST("/invitations/:iid/rotate-token", s.rotateRSVPToken, write)

	api.POST("/feed-tokens", s.createFeedToken, write)
	api.DELETE("/feed-tokens/:id", s.revokeFeedToken, write)

	api.POST("/events/:id/invitations/send", s.sendInvitations, write)
	api.POST("/events/:id/cancel", s.cancelEvent, write)
	api.GET("/invitations/:iid/messages", s.listOutbound, read)

	api.POST("/inbound", s.uploadInbound, write)
	api.GET("/inbound", s.listInbound, read)
	api.GET("/inbound/:id", s.getInbound, read)
	api.POST("/inbound/:id/apply", s.applyInbound, write)
	api.POST("/inbound/:id/dismiss", s.dismissInbound, write)

	api.GET("/audit", s.listAudit, read)

	s.uiRoutes()
}

// uiRoutes is the officer web UI (ui.go): every route names its permission; each area
// registers its pages in its own file.
func (s *Server) uiRoutes() {
	r := uiRoutes{s: s, g: s.Echo.Group(""), mw: []echo.MiddlewareFunc{
		echo.WrapMiddleware(s.sessions.LoadAndSave), s.uiUser, s.perAddressLimit(s.opt.UIPerMinute), s.csrf}}
	r.public(http.MethodGet, "/login", s.loginPage)
	r.public(http.MethodPost, "/login", s.login)
	r.public(http.MethodPost, "/logout", s.logout)
	r.public(http.MethodGet, "/setup", s.setupForm)
	r.public(http.MethodPost, "/setup", s.setup)
	r.GET("/", s.dashboard, domain.PermRead)
	r.POST("/language", s.setLanguage, domain.PermRead)
	s.uiEventRoutes(r)
	s.uiFormRoutes(r)
	s.uiAdminRoutes(r)
}
