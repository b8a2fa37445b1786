package http

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/xuri/excelize/v2"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/i18n"
	"github.com/attache-app/attache/internal/service"
)

// The events area: the list of events, the event page (details, programme, delegations,
// invitations, answers, feed links), its actions (send, remind, record an answer taken
// by phone, cancel and reschedule with a preview of who will be told), the progress of
// a batch of mail, and the exports (CSV, XLSX, print). Actions need PermWrite; a viewer
// sees no button and the server refuses the POST anyway.

func (s *Server) uiEventRoutes(r uiRoutes) {
	r.GET("/events", s.evList, domain.PermRead)
	r.GET("/events/:id", s.evPage, domain.PermRead)
	r.GET("/events/:id/progress", s.evProgress, domain.PermRead)
	r.GET("/events/:id/participants.csv", s.evCSV, domain.PermRead)
	r.GET("/events/:id/participants.xlsx", s.evXLSX, domain.PermRead)
	r.GET("/events/:id/print", s.evPrint, domain.PermRead)
	r.POST("/events/:id/send", s.evSend, domain.PermWrite)
	r.POST("/events/:id/remind", s.evRemind, domain.PermWrite)
	r.POST("/events/:id/feed", s.evFeed, domain.PermWrite)
	r.GET("/events/:id/cancel", s.evCancelForm, domain.PermWrite)
	r.POST("/events/:id/cancel", s.evCancel, domain.PermWrite)
	r.GET("/events/:id/reschedule", s.evRescheduleForm, domain.PermWrite)
	r.POST("/events/:id/reschedule", s.evReschedule, domain.PermWrite)
	r.GET("/invitations/:iid/answer", s.evAnswerForm, domain.PermWrite)
	r.POST("/invitations/:iid/answer", s.evAnswer, domain.PermWrite)
}

// The choices of the filters and forms, in the order shown.
var (
	evStatuses = []domain.EventStatus{domain.StatusDraft, domain.StatusScheduled, domain.StatusPostponed,
		domain.StatusCancelled, domain.StatusCompleted}
	evResponses = []domain.Response{domain.ResponseNeedsAction, domain.ResponseAccepted, domain.ResponseTentative,
		domain.ResponseDeclined, domain.ResponseDelegated}
	// evAnswers are what an officer records from a phone call.
	evAnswers = []domain.Response{domain.ResponseAccepted, domain.ResponseTentative, domain.ResponseDeclined,
		domain.ResponseNeedsAction}
	evWhens = []string{"all", "upcoming", "past"}
)

// evListSize is how many events a page of the list shows.
const evListSize = 50

// evLocation is an event's zone; an unknown zone shows UTC.
func evLocation(tz string) *time.Location { return domain.ZoneOr(tz, time.UTC) }

// ---- List ----

type evListRow struct {
	service.EventSummary
	Start, End time.Time // in the event's zone
}

type evListPage struct {
	uiPage
	Rows     []evListRow
	Statuses []domain.EventStatus
	Whens    []string
	Status   string
	When     string
	From, To string
	Q        string
	Next     string // URL of the next page, "" on the last
	First    string // URL of the first page, "" on it
}

// evList lists events with their date in their own zone and the answers so far: all of
// them newest first by default, the upcoming ones soonest first, the past ones newest
// first; narrowed by status, dates (whole days, UTC) and words of the title.
func (s *Server) evList(c echo.Context) error {
	p := evListPage{uiPage: s.page(c, "events", "ui.events.list.title"), Statuses: evStatuses, Whens: evWhens,
		When: "all", Q: strings.TrimSpace(c.QueryParam("q"))}
	f := service.EventFilter{Text: p.Q, Newest: true}
	if st := domain.EventStatus(c.QueryParam("status")); slices.Contains(evStatuses, st) {
		p.Status, f.Statuses = string(st), []domain.EventStatus{st}
	}
	now := time.Now().UTC()
	switch c.QueryParam("when") {
	case "upcoming":
		p.When, f.From, f.Newest = "upcoming", now, false
	case "past":
		p.When, f.To = "past", now
	}
	p.Errors = formErrors{}
	for _, d := range []struct {
		name string
		dst  *string
		set  func(time.Time)
	}{
		{"from", &p.From, func(t time.Time) {
			if t.After(f.From) {
				f.From = t
			}
		}},
		{"to", &p.To, func(t time.Time) {
			if end := t.AddDate(0, 0, 1); f.To.IsZero() || end.Before(f.To) {
				f.To = end
			}
		}},
	} {
		v := strings.TrimSpace(c.QueryParam(d.name))
		if v == "" {
			continue
		}
		*d.dst = v
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			p.Errors[d.name] = uiLocale(c).T("ui.events.list.bad_date")
			continue
		}
		d.set(t)
	}
	if p.Errors.Any() {
		return s.render(c, http.StatusUnprocessableEntity, "events.html", p)
	}
	sums, next, err := s.svc.EventList(c.Request().Context(), f, service.Page{Limit: evListSize, Cursor: c.QueryParam("cursor")})
	if fe, ok := formError(err); ok {
		p.Errors = fe
		return s.render(c, http.StatusUnprocessableEntity, "events.html", p)
	}
	if err != nil {
		return err
	}
	zones := map[string]*time.Location{}
	for _, sum := range sums {
		loc := zones[sum.Event.Timezone]
		if loc == nil {
			loc = evLocation(sum.Event.Timezone)
			zones[sum.Event.Timezone] = loc
		}
		p.Rows = append(p.Rows, evListRow{EventSummary: sum, Start: sum.Event.StartsAt.In(loc), End: sum.Event.EndsAt.In(loc)})
	}
	p.Next, p.First = evPageURL(c, next), evPageURL(c, "")
	if c.QueryParam("cursor") == "" {
		p.First = ""
	}
	if next == "" {
		p.Next = ""
	}
	return s.render(c, http.StatusOK, "events.html", p)
}

// evPageURL is this list's address with another cursor ("" for the first page).
func evPageURL(c echo.Context, cursor string) string {
	q := c.Request().URL.Query()
	q.Del("cursor")
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if len(q) == 0 {
		return c.Request().URL.Path
	}
	return c.Request().URL.Path + "?" + q.Encode()
}

// ---- Event page ----

type evSession struct {
	*domain.Session
	Start, End time.Time // in the event's zone
	Room       string
	Parties    []string
}

type evDay struct {
	Date     time.Time
	Sessions []evSession
}

type evMember struct {
	Name, Honorific string
	Role            domain.MemberRole
}

type evDelegation struct {
	*domain.Delegation
	Org       string
	OrgFull   string
	Head      string
	HeadTitle string
	Members   []evMember
	Arrival   *time.Time
	Departure *time.Time
}

// evGuest is one invitation as the table and the exports show it.
type evGuest struct {
	Inv          *domain.Invitation
	Name         string // in the officer's language
	Primary      string // the person's primary spelling
	Own          string // in the invitation's language
	Honorific    string
	Organization string
	Delegation   string
	Role         domain.MemberRole
	LastSent     *time.Time // in the event's zone
	Answered     *time.Time // in the event's zone
}

// evFilter is the invitations table's filter, from the query string.
type evFilter struct {
	Answer     string
	State      string
	Delegation string // a delegation id, "none", or "" for all
}

func (f evFilter) match(g evGuest) bool {
	inv := g.Inv
	switch {
	case f.Answer != "" && string(inv.Response) != f.Answer,
		f.State != "" && string(inv.SendState) != f.State:
		return false
	case f.Delegation == "none":
		return inv.DelegationID == nil
	case f.Delegation != "":
		return inv.DelegationID != nil && strconv.FormatInt(*inv.DelegationID, 10) == f.Delegation
	}
	return true
}

// Query is the filter as a query string, for the export links ("" without a filter).
func (f evFilter) Query() string {
	q := url.Values{}
	for k, v := range map[string]string{"answer": f.Answer, "state": f.State, "delegation": f.Delegation} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// Any reports whether the table is filtered.
func (f evFilter) Any() bool { return f.Answer != "" || f.State != "" || f.Delegation != "" }

// evProgressBox is a batch of mail whose progress the page follows.
type evProgressBox struct {
	URL   string
	P     service.MailProgress
	Label string
}

type evEventPage struct {
	uiPage
	V           *service.EventView
	Loc         *time.Location
	Start, End  time.Time
	Deadline    *time.Time
	Days        []evDay
	Delegations []evDelegation
	Guests      []evGuest // filtered
	All         int       // invitations before filtering
	Unsent      int       // draft or failed: what "send" would queue
	Unanswered  int       // sent, no answer: whom "remind" would remind
	Filter      evFilter
	Responses   []domain.Response
	States      []domain.SendState
	Progress    *evProgressBox
	MailReady   bool
	// SendOpen and RemindOpen say whether sending and reminding are possible for the
	// event as it stands (the service checks again): not for a draft, nor once it is
	// cancelled, completed or over; reminders only before a scheduled event starts.
	SendOpen, RemindOpen bool
	Exports              string // query string of the export links
}

// evView reads the event page's data and shapes it for the templates; titleKey ""
// builds no page (for the exports).
func (s *Server) evView(c echo.Context, id int64, titleKey string) (*evEventPage, error) {
	v, err := s.svc.EventPage(c.Request().Context(), id)
	if err != nil {
		return nil, err
	}
	l := uiLocale(c)
	loc := evLocation(v.Event.Timezone)
	var up uiPage
	if titleKey != "" {
		up = s.page(c, "events", titleKey, v.Event.Title)
	} else {
		// An export is no page: it leaves the flash message for the next page.
		up = uiPage{pageBase: newPageBase(l, v.Event.Title), User: currentUser(c)}
	}
	p := &evEventPage{uiPage: up, V: v, Loc: loc,
		Start: v.Event.StartsAt.In(loc), End: v.Event.EndsAt.In(loc), Responses: evResponses,
		States: domain.SendStates(), MailReady: s.svc.MailReady()}
	if d := v.Event.RSVPDeadline; d != nil {
		t := d.In(loc)
		p.Deadline = &t
	}
	now := time.Now()
	p.SendOpen = v.Event.Status != domain.StatusDraft && !evClosed(v.Event) && v.Event.EndsAt.After(now)
	p.RemindOpen = v.Event.Status == domain.StatusScheduled && v.Event.StartsAt.After(now)
	name := func(id int64) (string, string) {
		if pr := v.People[id]; pr != nil {
			n := pr.NameIn(l.Code())
			return n.FullName, n.Honorific
		}
		return "#" + strconv.FormatInt(id, 10), ""
	}
	orgName := func(id int64) (short, full string) {
		if o := v.Organizations[id]; o != nil {
			if o.ShortName != "" {
				return o.ShortName, o.Name
			}
			return o.Name, o.Name
		}
		return "#" + strconv.FormatInt(id, 10), ""
	}
	delegations := map[int64]*domain.Delegation{}
	for _, d := range v.Delegations {
		delegations[d.ID] = d
		ed := evDelegation{Delegation: d, Arrival: evIn(d.ArrivalAt, loc), Departure: evIn(d.DepartureAt, loc)}
		ed.Org, ed.OrgFull = orgName(d.OrganizationID)
		if d.HeadPersonID != nil {
			ed.Head, ed.HeadTitle = name(*d.HeadPersonID)
		}
		for _, m := range d.Members {
			if d.HeadPersonID != nil && m.PersonID == *d.HeadPersonID {
				continue
			}
			n, h := name(m.PersonID)
			ed.Members = append(ed.Members, evMember{Name: n, Honorific: h, Role: m.Role})
		}
		p.Delegations = append(p.Delegations, ed)
	}
	for _, ss := range v.Sessions {
		es := evSession{Session: ss, Start: ss.StartsAt.In(loc), End: ss.EndsAt.In(loc)}
		if ss.RoomID != nil {
			if r := v.Rooms[*ss.RoomID]; r != nil {
				es.Room = r.Name
			}
		}
		for _, did := range ss.DelegationIDs {
			if d := delegations[did]; d != nil {
				short, _ := orgName(d.OrganizationID)
				es.Parties = append(es.Parties, short)
			}
		}
		y, m, dd := es.Start.Date()
		day := time.Date(y, m, dd, 0, 0, 0, 0, loc)
		if n := len(p.Days); n == 0 || !p.Days[n-1].Date.Equal(day) {
			p.Days = append(p.Days, evDay{Date: day})
		}
		p.Days[len(p.Days)-1].Sessions = append(p.Days[len(p.Days)-1].Sessions, es)
	}
	p.Filter = evFilter{Answer: evPick(c.QueryParam("answer"), evResponses),
		State: evPick(c.QueryParam("state"), domain.SendStates())}
	if dv := c.QueryParam("delegation"); dv == "none" {
		p.Filter.Delegation = dv
	} else if did, err := strconv.ParseInt(dv, 10, 64); err == nil && delegations[did] != nil {
		p.Filter.Delegation = dv
	}
	p.Exports = p.Filter.Query()
	for _, inv := range v.Invitations {
		switch {
		case inv.SendState == domain.SendDraft || inv.SendState == domain.SendFailed:
			p.Unsent++
		case inv.SendState == domain.SendSent && inv.Response == domain.ResponseNeedsAction:
			p.Unanswered++
		}
		g := evGuest{Inv: inv, Answered: evIn(inv.RespondedAt, loc)}
		g.Name, g.Honorific = name(inv.PersonID)
		if pr := v.People[inv.PersonID]; pr != nil {
			g.Primary, g.Own = pr.FullName, pr.NameIn(inv.Language).FullName
			if pr.OrganizationID != nil {
				_, g.Organization = orgName(*pr.OrganizationID)
			}
		}
		if inv.DelegationID != nil {
			if d := delegations[*inv.DelegationID]; d != nil {
				g.Delegation, _ = orgName(d.OrganizationID)
				for _, m := range d.Members {
					if m.PersonID == inv.PersonID {
						g.Role = m.Role
					}
				}
			}
		}
		if t, ok := v.LastSent[inv.ID]; ok {
			g.LastSent = evIn(&t, loc)
		}
		if p.Filter.match(g) {
			p.Guests = append(p.Guests, g)
		}
	}
	p.All = len(v.Invitations)
	return p, nil
}

// evIn puts an optional instant in a zone.
func evIn(t *time.Time, loc *time.Location) *time.Time {
	if t == nil {
		return nil
	}
	u := t.In(loc)
	return &u
}

// evPick keeps v when it is one of the choices, else "".
func evPick[T ~string](v string, choices []T) string {
	if slices.Contains(choices, T(v)) {
		return v
	}
	return ""
}

// evPage shows an event. After a send or a reminder (batch and since in the query), or
// while invitations are queued, it shows the progress of the mail.
func (s *Server) evPage(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := s.evView(c, id, "ui.events.page.title")
	if err != nil {
		return err
	}
	if err := s.evAddProgress(c, p); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "event.html", p)
}

// evAddProgress adds the progress box of the batch named in the query, or of the
// invitations still queued.
func (s *Server) evAddProgress(c echo.Context, p *evEventPage) error {
	kind, since := evBatch(c)
	if kind == "" {
		if !slices.ContainsFunc(p.V.Invitations, func(i *domain.Invitation) bool { return i.SendState == domain.SendQueued }) {
			return nil
		}
		kind = service.BatchSend
	}
	pr, err := s.svc.BatchProgress(c.Request().Context(), p.V.Event.ID, kind, since)
	if err != nil {
		return err
	}
	q := url.Values{"batch": {kind}, "since": {strconv.FormatInt(since.Unix(), 10)}}
	p.Progress = &evProgressBox{URL: "/events/" + strconv.FormatInt(p.V.Event.ID, 10) + "/progress?" + q.Encode(),
		P: pr, Label: evProgressLabel(p.L, kind, pr)}
	return nil
}

// evBatch reads the batch of the query string: its kind ("" for none) and start.
func evBatch(c echo.Context) (string, time.Time) {
	kind := c.QueryParam("batch")
	if kind != service.BatchSend && kind != service.BatchRemind {
		return "", time.Time{}
	}
	sec, err := strconv.ParseInt(c.QueryParam("since"), 10, 64)
	if err != nil || sec < 0 {
		return kind, time.Time{}
	}
	return kind, time.Unix(sec, 0).UTC()
}

func evProgressLabel(l *i18n.Locale, kind string, p service.MailProgress) string {
	label := l.T("ui.events.progress."+kind, p.Done, p.Total)
	if p.Failed > 0 {
		label += " · " + l.T("ui.events.progress.failed", p.Failed)
	}
	if p.Finished {
		label += " · " + l.T("ui.events.progress.finished")
	}
	return label
}

// evProgress answers the progress box's polling with JSON {total, done, failed,
// finished, label}.
func (s *Server) evProgress(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	kind, since := evBatch(c)
	if kind == "" {
		kind = service.BatchSend
	}
	pr, err := s.svc.BatchProgress(c.Request().Context(), id, kind, since)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, struct {
		service.MailProgress
		Label string `json:"label"`
	}{pr, evProgressLabel(uiLocale(c), kind, pr)})
}

// evActionError shows the event page again with the reason an action was refused
// (a conflict such as a draft event, or mail not configured) at the top.
func (s *Server) evActionError(c echo.Context, id int64, status int, msg string) error {
	p, err := s.evView(c, id, "ui.events.page.title")
	if err != nil {
		return err
	}
	if err := s.evAddProgress(c, p); err != nil {
		return err
	}
	p.Errors = formErrors{"": msg}
	return s.render(c, status, "event.html", p)
}

// evRefused turns a refused action into the event page with its reason, and passes
// other errors on.
func (s *Server) evRefused(c echo.Context, id int64, err error) error {
	if msg, status, ok := formSummary(err); ok {
		return s.evActionError(c, id, status, msg)
	}
	return err
}

func eventPath(id int64) string { return "/events/" + strconv.FormatInt(id, 10) }

// evSend queues every invitation not yet sent and shows the page following them.
func (s *Server) evSend(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if !s.svc.MailReady() {
		return s.evActionError(c, id, http.StatusConflict, uiLocale(c).T("ui.events.mail_off"))
	}
	n, since, err := s.svc.SendUnsent(c.Request().Context(), id)
	if err != nil {
		return s.evRefused(c, id, err)
	}
	s.flash(c, uiLocale(c).N("ui.events.flash.queued", n))
	return seeOther(c, eventPath(id)+"?batch=send&since="+strconv.FormatInt(since.Unix(), 10)+"#progress")
}

// evRemind reminds the guests who were sent the invitation and have not answered.
func (s *Server) evRemind(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	l := uiLocale(c)
	if !s.svc.MailReady() {
		return s.evActionError(c, id, http.StatusConflict, l.T("ui.events.mail_off"))
	}
	res, err := s.svc.RemindUnanswered(c.Request().Context(), id)
	if err != nil {
		return s.evRefused(c, id, err)
	}
	msg := l.N("ui.events.flash.reminded", res.Queued)
	if res.Already > 0 {
		msg += " " + l.N("ui.events.flash.already_reminded", res.Already)
	}
	if res.NoDeadline > 0 {
		msg += " " + l.N("ui.events.flash.no_deadline", res.NoDeadline)
	}
	s.flash(c, msg)
	if res.Queued == 0 {
		return seeOther(c, eventPath(id))
	}
	return seeOther(c, eventPath(id)+"?batch=remind&since="+strconv.FormatInt(res.Since.Unix(), 10)+"#progress")
}

// evFeed makes the event's feed link (or, with renew, replaces it).
func (s *Server) evFeed(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	renew := c.FormValue("renew") != ""
	if _, err := s.svc.IssueEventFeedLink(c.Request().Context(), id, renew); err != nil {
		return err
	}
	key := "ui.events.flash.feed"
	if renew {
		key = "ui.events.flash.feed_renewed"
	}
	s.flash(c, uiLocale(c).T(key))
	return seeOther(c, eventPath(id)+"#feed")
}

// ---- Cancel and reschedule ----

type evChangePage struct {
	uiPage
	Event      *domain.Event
	Start, End time.Time
	Told       []service.ToldGuest
	// Values of the reschedule form, in the event's zone.
	StartsAt, EndsAt string
}

func (s *Server) evChange(c echo.Context, titleKey string) (*evChangePage, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	ctx := c.Request().Context()
	ev, err := s.svc.Event(ctx, id)
	if err != nil {
		return nil, err
	}
	told, err := s.svc.ToldOfChange(ctx, id)
	if err != nil {
		return nil, err
	}
	loc := evLocation(ev.Timezone)
	p := &evChangePage{uiPage: s.page(c, "events", titleKey, ev.Title), Event: ev, Told: told,
		Start: ev.StartsAt.In(loc), End: ev.EndsAt.In(loc)}
	p.StartsAt, p.EndsAt = formatLocal(ev.StartsAt, loc), formatLocal(ev.EndsAt, loc)
	return p, nil
}

// evCancelForm previews a cancellation: who will be sent the CANCEL.
func (s *Server) evCancelForm(c echo.Context) error {
	p, err := s.evChange(c, "ui.events.cancel.title")
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "event_cancel.html", p)
}

// evCancel cancels the event; every guest who was sent it is sent a CANCEL at once.
func (s *Server) evCancel(c echo.Context) error {
	p, err := s.evChange(c, "ui.events.cancel.title")
	if err != nil {
		return err
	}
	if _, err := s.svc.CancelEvent(c.Request().Context(), p.Event.ID); err != nil {
		if msg, status, ok := formSummary(err); ok {
			p.Errors = formErrors{"": msg}
			return s.render(c, status, "event_cancel.html", p)
		}
		return err
	}
	s.flash(c, p.L.N("ui.events.flash.cancelled", len(p.Told)))
	return seeOther(c, eventPath(p.Event.ID))
}

// evRescheduleForm shows the event's times for change, and who will be told.
func (s *Server) evRescheduleForm(c echo.Context) error {
	p, err := s.evChange(c, "ui.events.reschedule.title")
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "event_reschedule.html", p)
}

// evReschedule moves the event. The times are wall-clock times in the event's zone. A
// postponed event is scheduled again. Guests who were sent it get the update (a
// REQUEST with the new SEQUENCE) after the quiet period, as for any change of time.
func (s *Server) evReschedule(c echo.Context) error {
	p, err := s.evChange(c, "ui.events.reschedule.title")
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	p.Form, p.Errors = form, formErrors{}
	if evClosed(p.Event) {
		// The service would move it, but its guests were told it is off or over; the
		// page says so in place of the form.
		return s.render(c, http.StatusConflict, "event_reschedule.html", p)
	}
	loc := evLocation(p.Event.Timezone)
	start, okStart := parseLocal(form.Get("starts_at"), loc)
	end, okEnd := parseLocal(form.Get("ends_at"), loc)
	if !okStart {
		p.Errors["starts_at"] = p.L.T("ui.events.reschedule.bad_time")
	}
	if !okEnd {
		p.Errors["ends_at"] = p.L.T("ui.events.reschedule.bad_time")
	}
	if p.Errors.Any() {
		return s.render(c, http.StatusUnprocessableEntity, "event_reschedule.html", p)
	}
	_, err = s.svc.UpdateEvent(c.Request().Context(), p.Event.ID, func(e *domain.Event) error {
		e.StartsAt, e.EndsAt = start, end
		if e.Status == domain.StatusPostponed {
			e.Status = domain.StatusScheduled
		}
		return nil
	})
	if fe, ok := formError(err); ok {
		for k, v := range fe {
			if k != "starts_at" && k != "ends_at" {
				delete(fe, k)
				fe[""] = v
			}
		}
		p.Errors = fe
		_, _, status, _ := formProblem(err)
		return s.render(c, status, "event_reschedule.html", p)
	}
	if err != nil {
		return err
	}
	s.flash(c, p.L.N("ui.events.flash.rescheduled", len(p.Told)))
	return seeOther(c, eventPath(p.Event.ID))
}

// evClosed reports whether an event is cancelled or completed: nothing is sent about it
// any more, and it is not moved.
func evClosed(e *domain.Event) bool {
	return e.Status == domain.StatusCancelled || e.Status == domain.StatusCompleted
}

// ---- Record an answer taken by phone ----

type evAnswerPage struct {
	uiPage
	Inv       *domain.Invitation
	Event     *domain.Event
	Guest     string
	Honorific string
	Answers   []domain.Response
	// Response, Note and Companions are the form's values (as stored, or as typed).
	Response   string
	Note       string
	Companions string
}

func (s *Server) evAnswerPage(c echo.Context) (*evAnswerPage, error) {
	iid, err := pathID(c, "iid")
	if err != nil {
		return nil, err
	}
	ctx := c.Request().Context()
	inv, err := s.svc.Invitation(ctx, iid)
	if err != nil {
		return nil, err
	}
	ev, err := s.svc.Event(ctx, inv.EventID)
	if err != nil {
		return nil, err
	}
	pr, err := s.svc.Person(ctx, inv.PersonID)
	if err != nil {
		return nil, err
	}
	l := uiLocale(c)
	n := pr.NameIn(l.Code())
	p := &evAnswerPage{uiPage: s.page(c, "events", "ui.events.answer.title", n.FullName), Inv: inv, Event: ev,
		Guest: n.FullName, Honorific: n.Honorific, Answers: evAnswers, Response: string(inv.Response), Note: inv.Note,
		Companions: strings.Join(inv.Companions, "\n")}
	return p, nil
}

// evAnswerForm shows the form to record an answer a guest gave by phone.
func (s *Server) evAnswerForm(c echo.Context) error {
	p, err := s.evAnswerPage(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "event_answer.html", p)
}

// evAnswer records the answer as an officer's (channel officer, with the officer as the
// actor in the answer history), with the note and the companions named on the phone.
// The domain knows three channels (link, e-mail reply, officer): an answer taken by
// phone is an officer's, which the pages call "officer (phone)"; the note says more.
func (s *Server) evAnswer(c echo.Context) error {
	p, err := s.evAnswerPage(c)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	p.Response, p.Note, p.Companions = form.Get("response"), form.Get("note"), form.Get("companions")
	var companions []string
	for _, line := range strings.Split(p.Companions, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			companions = append(companions, line)
		}
	}
	_, err = s.svc.UpdateInvitation(c.Request().Context(), p.Inv.ID, service.InvitationUpdate{Answer: true,
		Apply: func(inv *domain.Invitation) error {
			inv.Response, inv.Note, inv.Companions = domain.Response(p.Response), p.Note, companions
			return nil
		}})
	if fe, ok := formError(err); ok {
		for k, v := range fe {
			if k != "response" && k != "note" && k != "companions" {
				delete(fe, k)
				fe[""] = v
			}
		}
		p.Errors, p.Form = fe, form
		_, _, status, _ := formProblem(err)
		return s.render(c, status, "event_answer.html", p)
	}
	if err != nil {
		return err
	}
	s.flash(c, p.L.T("ui.events.flash.answered", p.Guest, p.L.T("ui.events.answer."+p.Response)))
	return seeOther(c, eventPath(p.Event.ID)+"#invitations")
}

// ---- Print ----

// evPrint lays out the programme and the participant list for paper.
func (s *Server) evPrint(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := s.evView(c, id, "ui.events.print.title")
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "event_print.html", p)
}

func init() {
	// evJoin writes a list of names on one line.
	uiFuncs["evJoin"] = func(items []string) string { return strings.Join(items, ", ") }
}

// ---- Exports ----

// evColumns are the export's columns: catalogue keys of their headings.
var evColumns = []string{"guest", "own_name", "position", "organization", "delegation", "role", "email",
	"language", "answer", "answered_at", "channel", "send_state", "companions"}

// evExport reads the event's guest list (as filtered on the page) as rows of text, the
// heading first, in the officer's language; times in the event's zone.
func (s *Server) evExport(c echo.Context) (*evEventPage, [][]string, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, nil, err
	}
	p, err := s.evView(c, id, "")
	if err != nil {
		return nil, nil, err
	}
	l := p.L
	head := make([]string, len(evColumns))
	for i, k := range evColumns {
		head[i] = l.T("ui.events.col." + k)
	}
	rows := [][]string{head}
	for _, g := range p.Guests {
		inv := g.Inv
		answered, role, channel := "", "", ""
		if g.Answered != nil && inv.Answered() {
			answered = g.Answered.Format("2006-01-02 15:04")
		}
		if g.Role != "" {
			role = l.T("ui.events.member_role." + string(g.Role))
		}
		if inv.ResponseChannel != "" {
			channel = l.T("ui.events.channel." + string(inv.ResponseChannel))
		}
		rows = append(rows, []string{g.Primary, g.Own, g.Honorific, g.Organization, g.Delegation, role, inv.Email,
			inv.Language, l.T("ui.events.answer." + string(inv.Response)), answered, channel,
			l.T("ui.events.state." + string(inv.SendState)), strings.Join(inv.Companions, "; ")})
	}
	return p, rows, nil
}

// evFormulaGuard keeps a spreadsheet from reading a cell as a formula: text starting
// with = + - @ (or a tab or carriage return, which some programs skip before them) gets
// a leading apostrophe, as OWASP advises for CSV exports.
func evFormulaGuard(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// evCSV exports the guest list as CSV: UTF-8 with a byte-order mark, so that Excel reads
// Cyrillic names right, quoted by encoding/csv, and guarded against formulas.
func (s *Server) evCSV(c echo.Context) error {
	p, rows, err := s.evExport(c)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	for _, r := range rows {
		for i := range r {
			r[i] = evFormulaGuard(r[i])
		}
		if err := w.Write(r); err != nil {
			return fmt.Errorf("write participants CSV: %w", err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("write participants CSV: %w", err)
	}
	evAttachment(c, p.V.Event, "csv")
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// evXLSX exports the guest list as an Excel workbook: a bold, frozen heading with a
// filter, one row per invitation. Cells are written as text, which Excel never
// evaluates, so they need no formula guard.
func (s *Server) evXLSX(c echo.Context) error {
	p, rows, err := s.evExport(c)
	if err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	sheet := evSheetName(p.L.T("ui.events.export.sheet"))
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return fmt.Errorf("participants workbook: %w", err)
	}
	for i, r := range rows {
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			return fmt.Errorf("participants workbook: %w", err)
		}
		if err := f.SetSheetRow(sheet, cell, &r); err != nil {
			return fmt.Errorf("participants workbook row %d: %w", i+1, err)
		}
	}
	last, err := excelize.ColumnNumberToName(len(evColumns))
	if err != nil {
		return fmt.Errorf("participants workbook: %w", err)
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err == nil {
		err = f.SetRowStyle(sheet, 1, 1, bold)
	}
	if err == nil {
		err = f.SetColWidth(sheet, "A", last, 22)
	}
	if err == nil {
		err = f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	}
	if err == nil {
		err = f.AutoFilter(sheet, "A1:"+last+strconv.Itoa(len(rows)), nil)
	}
	if err != nil {
		return fmt.Errorf("participants workbook: %w", err)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return fmt.Errorf("participants workbook: %w", err)
	}
	evAttachment(c, p.V.Event, "xlsx")
	return c.Blob(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes())
}

// evSheetName makes a valid sheet name: at most 31 characters, none of []:*?/\.
func evSheetName(name string) string {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) {
			return '-'
		}
		return r
	}, name)
	if r := []rune(name); len(r) > 31 {
		name = string(r[:31])
	}
	if name == "" {
		return "Participants"
	}
	return name
}

// evAttachment names the download: an ASCII filename for old clients and the title in
// UTF-8 (RFC 6266 filename*) for the others.
func evAttachment(c echo.Context, ev *domain.Event, ext string) {
	base := "participants-" + strconv.FormatInt(ev.ID, 10)
	if slug := evSlug(ev.Title); slug != "" {
		base += "-" + slug
	}
	full := "participants-" + strconv.FormatInt(ev.ID, 10) + " " + ev.Title + "." + ext
	h := c.Response().Header()
	h.Set("Content-Disposition", `attachment; filename="`+base+"."+ext+`"; filename*=UTF-8''`+evRFC5987(full))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
}

// evSlug keeps the ASCII letters and digits of a title, words joined by hyphens, at
// most 60 characters.
func evSlug(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		default:
			dash = true
		}
		if b.Len() >= 60 {
			break
		}
	}
	return b.String()
}

// evRFC5987 percent-encodes a value for filename*: every byte but attr-char.
func evRFC5987(v string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		ch := v[i]
		if ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' ||
			strings.IndexByte("!#$&+-.^_`|~", ch) >= 0 {
			b.WriteByte(ch)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[ch>>4])
		b.WriteByte(hex[ch&15])
	}
	return b.String()
}
