package http

import (
	"errors"
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/i18n"
	"github.com/attache-app/attache/internal/service"
)

// The delegate's pages, reached by the secret link of their invitation with no account
// (design.md, /rsvp routes). GET and HEAD only read, since mail security scanners open
// every link; an answer needs a POST carrying the page's form token.

// rsvpFormLimit bounds an answer's body: a note of 2000 characters and a few names,
// percent-encoded (a Cyrillic letter takes 6 bytes), fit with room to spare.
const rsvpFormLimit = 64 << 10

// privatePage keeps personal pages out of caches and search engines.
func privatePage(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Robots-Tag", "noindex, nofollow")
		return next(c)
	}
}

// rsvpPage shows the invitation, the programme, the current answer and the form.
func (s *Server) rsvpPage(c echo.Context) error {
	v, err := s.svc.RSVPView(c.Request().Context(), c.Param("token"))
	if err != nil {
		return err
	}
	l := rsvpLocale(c, v)
	return c.Render(http.StatusOK, "rsvp.html", newRSVPPage(l, c.Param("token"), v, formFromView(l, v)))
}

// rsvpAnswer records the delegate's answer and shows the confirmation with the calendar
// links; a refused answer shows the page again (see rsvpRefused).
func (s *Server) rsvpAnswer(c echo.Context) error {
	ctx, token := c.Request().Context(), c.Param("token")
	v, err := s.svc.RSVPView(ctx, token)
	if err != nil {
		return err
	}
	a, err := readRSVPForm(c)
	if err != nil {
		return err
	}
	l := rsvpLocale(c, v)
	inv, err := s.svc.RecordRSVP(ctx, token, a)
	if err != nil {
		return s.rsvpRefused(c, l, a, err)
	}
	if v, err = s.svc.RSVPView(ctx, token); err != nil {
		return err
	}
	p := newRSVPPage(l, token, v, nil)
	p.FeedURL, p.Webcal = s.personalFeed(c, inv)
	return c.Render(http.StatusOK, "rsvp_done.html", p)
}

// rsvpRefused answers a refused answer: 403 without the page's form token; 422 with the
// form as typed and each message beside its field; 409 once answers are closed, with
// the page saying why.
func (s *Server) rsvpRefused(c echo.Context, l *i18n.Locale, a service.RSVPAnswer, err error) error {
	var (
		ve *domain.ValidationError
		ce *domain.ConflictError
	)
	switch {
	case errors.Is(err, domain.ErrForbidden):
		s.renderErrorPage(c, l, http.StatusForbidden)
		return nil
	case errors.As(err, &ve), errors.As(err, &ce):
	default:
		return err
	}
	token := c.Param("token")
	v, verr := s.svc.RSVPView(c.Request().Context(), token)
	if verr != nil {
		return verr
	}
	if ce != nil {
		return c.Render(http.StatusConflict, "rsvp.html", newRSVPPage(l, token, v, formFromView(l, v)))
	}
	return c.Render(http.StatusUnprocessableEntity, "rsvp.html", newRSVPPage(l, token, v, formFromAnswer(l, v, a, ve)))
}

// rsvpICS downloads the invitation as a calendar file.
func (s *Server) rsvpICS(c echo.Context) error {
	ctx := c.Request().Context()
	inv, err := s.svc.InvitationByRSVPToken(ctx, c.Param("token"))
	if err != nil {
		return err
	}
	body, contentType, err := s.svc.InvitationICS(ctx, inv.ID)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="invite.ics"`)
	return c.Blob(http.StatusOK, contentType, body)
}

// personalFeed returns the guest's subscription link for the confirmation. The answer is
// already recorded, so a missing link (revoked by an officer, or an error, logged) only
// leaves the subscription out. webcal:// is a scheme html/template does not pass in an
// href, so the URL the service built is marked safe here, after checking its scheme;
// it holds no user input.
func (s *Server) personalFeed(c echo.Context, inv *domain.Invitation) (string, template.URL) {
	httpsURL, webcalURL, err := s.svc.PersonalFeedURL(c.Request().Context(), inv)
	if err != nil {
		if !errors.Is(err, service.ErrFeedRevoked) {
			s.log.WarnContext(c.Request().Context(), "personal feed link", "invitation", inv.ID, "err", err)
		}
		return "", ""
	}
	if !strings.HasPrefix(webcalURL, "webcal://") {
		return httpsURL, ""
	}
	return httpsURL, template.URL(webcalURL) // built by the service from the base URL and an HMAC
}

// readRSVPForm reads an answer from an application/x-www-form-urlencoded body of at most
// rsvpFormLimit bytes. Only the body counts: a query string (a link) can carry no answer.
func readRSVPForm(c echo.Context) (service.RSVPAnswer, error) {
	req := c.Request()
	if mt, _, err := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType)); err != nil || mt != echo.MIMEApplicationForm {
		return service.RSVPAnswer{}, echo.NewHTTPError(http.StatusUnsupportedMediaType)
	}
	req.Body = http.MaxBytesReader(c.Response(), req.Body, rsvpFormLimit)
	if err := req.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return service.RSVPAnswer{}, echo.NewHTTPError(http.StatusRequestEntityTooLarge)
		}
		return service.RSVPAnswer{}, echo.NewHTTPError(http.StatusBadRequest)
	}
	f := req.PostForm
	return service.RSVPAnswer{Response: domain.Response(f.Get("response")), Companions: f["companion"],
		Note: f.Get("note"), FormToken: f.Get("form_token")}, nil
}

// rsvpLocale is the invitation's language, else one the browser asks for, else English.
func rsvpLocale(c echo.Context, v *service.RSVPView) *i18n.Locale {
	return i18n.Match(v.Invitation.Language, c.Request().Header.Get("Accept-Language"))
}

// rsvpPage is what the invitation and confirmation pages show, already in words.
type rsvpPage struct {
	pageBase
	Token             string
	Greeting          string
	Guest             domain.PersonName
	Delegation        string
	Hosts             []string
	Event             rsvpEvent
	Venue             *domain.Venue
	Zone              string
	Notice            string
	OwnProgramme      bool
	Sessions          []rsvpSession
	Current           string
	AnsweredAt        string
	CurrentCompanions []string
	Note              string
	Deadline          string
	Closed            string
	Form              *rsvpForm
	FeedURL           string
	Webcal            template.URL
}

type rsvpEvent struct {
	Title, Anniversary, Description string
	When, StartISO, EndISO          string
}

type rsvpSession struct {
	Title, Kind, Room, Agenda string
	When, StartISO, EndISO    string
	Cancelled                 bool
}

// newRSVPPage puts the view into words in l, every time in the event's zone.
func newRSVPPage(l *i18n.Locale, token string, v *service.RSVPView, form *rsvpForm) *rsvpPage {
	ev, loc := v.Event, v.Location
	p := &rsvpPage{pageBase: newPageBase(l, l.T("rsvp.page_title", ev.Title)), Token: token,
		Greeting: v.Name.Address, Guest: v.Name, Venue: v.Venue, Zone: i18n.Zone(ev.StartsAt.In(loc)),
		Event: rsvpEvent{Title: ev.Title, Description: ev.Description, When: l.Span(ev.StartsAt.In(loc), ev.EndsAt.In(loc)),
			StartISO: iso(ev.StartsAt), EndISO: iso(ev.EndsAt)},
		OwnProgramme: v.Delegation != nil, Current: l.T("response." + string(v.Invitation.Response)),
		CurrentCompanions: v.Invitation.Companions, Note: v.Note, Form: form}
	p.TZ, p.Personal = loc.String(), true
	if ev.Ordinal != nil {
		p.Event.Anniversary = l.Anniversary(*ev.Ordinal)
	}
	for _, h := range v.Hosts {
		p.Hosts = append(p.Hosts, h.Name)
	}
	if v.DelegationOrg != nil {
		p.Delegation = v.DelegationOrg.Name
	}
	if t := v.Invitation.RespondedAt; t != nil {
		p.AnsweredAt = l.DateTime(t.In(loc))
	}
	if v.Deadline != nil {
		p.Deadline = l.DateTime(v.Deadline.In(loc))
	}
	switch v.Closed {
	case service.RSVPClosedCancelled:
		p.Closed, p.Notice = l.T("closed.cancelled"), l.T("closed.cancelled")
	case service.RSVPClosedCompleted:
		p.Closed = l.T("closed.completed")
	case service.RSVPClosedDeadline:
		p.Closed = l.T("deadline.passed", p.Deadline)
	}
	if ev.Status == domain.StatusPostponed {
		p.Notice = l.T("status.postponed")
	}
	for _, ss := range v.Sessions {
		item := rsvpSession{Title: ss.Title, Kind: l.T("session." + string(ss.Kind)), Agenda: ss.Agenda,
			When: l.Span(ss.StartsAt.In(loc), ss.EndsAt.In(loc)), StartISO: iso(ss.StartsAt), EndISO: iso(ss.EndsAt),
			Cancelled: ss.Status == domain.SessionCancelled}
		if ss.RoomID != nil {
			item.Room = v.Rooms[*ss.RoomID]
		}
		p.Sessions = append(p.Sessions, item)
	}
	return p
}

func iso(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// rsvpForm is the answer form as shown: prefilled from the invitation, or as typed when
// an answer was refused.
type rsvpForm struct {
	Token          string
	Choices        []rsvpChoice
	Companions     []rsvpCompanion
	CompanionsHint string
	Note           string
	// Errors holds a message per field (response, companions, note), and "form" for one
	// that belongs to no field.
	Errors map[string]string
}

type rsvpChoice struct {
	Value   domain.Response
	Label   string
	Checked bool
}

type rsvpCompanion struct{ ID, Label, Value string }

// formFromView prefills the form with the current answer.
func formFromView(l *i18n.Locale, v *service.RSVPView) *rsvpForm {
	return newRSVPForm(l, v, v.Invitation.Response, v.Invitation.Companions, v.Note)
}

// formFromAnswer shows the form as typed, with the refusal's message beside its field.
func formFromAnswer(l *i18n.Locale, v *service.RSVPView, a service.RSVPAnswer, ve *domain.ValidationError) *rsvpForm {
	var typed []string
	for _, c := range a.Companions {
		if strings.TrimSpace(c) != "" {
			typed = append(typed, c)
		}
	}
	f := newRSVPForm(l, v, a.Response, typed, a.Note)
	switch ve.Field {
	case "response":
		f.Errors["response"] = l.T("invalid.response")
	case "companions":
		if v.MaxCompanions >= 0 && len(typed) > v.MaxCompanions {
			f.Errors["companions"] = l.N("invalid.companions", v.MaxCompanions)
		} else {
			f.Errors["companions"] = l.T("invalid.companion")
		}
	case "note":
		f.Errors["note"] = l.T("invalid.note")
	default:
		f.Errors["form"] = l.T("invalid.other")
	}
	return f
}

func newRSVPForm(l *i18n.Locale, v *service.RSVPView, response domain.Response, companions []string, note string) *rsvpForm {
	f := &rsvpForm{Token: v.FormToken, Note: note, Errors: map[string]string{}}
	for _, r := range []domain.Response{domain.ResponseAccepted, domain.ResponseTentative, domain.ResponseDeclined} {
		f.Choices = append(f.Choices, rsvpChoice{Value: r, Label: l.T("answer." + string(r)), Checked: r == response})
	}
	// One field per companion the delegation has room for, or a few more than named when
	// there is no limit; never fewer than the names typed, so nothing typed is lost.
	fields := max(len(companions)+3, 3)
	switch {
	case v.MaxCompanions == 0:
		f.CompanionsHint, fields = l.T("companions.none_left"), 0
	case v.MaxCompanions > 0:
		f.CompanionsHint, fields = l.N("companions.limit", v.MaxCompanions), v.MaxCompanions
	default:
		f.CompanionsHint = l.T("companions.unlimited")
	}
	for i := range max(fields, len(companions)) {
		c := rsvpCompanion{ID: fmt.Sprintf("companion-%d", i+1), Label: l.T("companions.field", i+1)}
		if i < len(companions) {
			c.Value = companions[i]
		}
		f.Companions = append(f.Companions, c)
	}
	return f
}
