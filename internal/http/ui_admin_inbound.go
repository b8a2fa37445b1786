package http

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/service"
)

// Inbound messages: what the intake made of each received message, held items for an
// officer to apply or dismiss, and the upload of a raw .eml.

// inboundOutcomes and inboundKinds are the filter choices, in the order shown.
var (
	inboundOutcomes = []domain.Intake{domain.IntakeHeld, domain.IntakeApplied, domain.IntakeIgnored,
		domain.IntakeRejected, domain.IntakeDismissed}
	inboundKinds = []domain.InboundKind{domain.InboundReply, domain.InboundCounter, domain.InboundRefresh,
		domain.InboundDelegated, domain.InboundBounce, domain.InboundAutoReply, domain.InboundOther}
)

// inboundRawCap is how much of a raw message the detail page shows.
const inboundRawCap = 64 << 10

type inboundListPage struct {
	uiPage
	Outcome  domain.Intake
	Kind     domain.InboundKind
	Outcomes []domain.Intake
	Kinds    []domain.InboundKind
	Items    []*domain.InboundMessage
	Events   map[int64]string
	Next     string
	First    string
}

// inboundList lists received messages, newest first, filtered by outcome and kind.
func (s *Server) inboundList(c echo.Context) error {
	ctx := c.Request().Context()
	p := inboundListPage{uiPage: s.page(c, "inbound", "ui.admin.inbound.title"), Outcomes: inboundOutcomes, Kinds: inboundKinds}
	if o := domain.Intake(c.QueryParam("outcome")); slices.Contains(inboundOutcomes, o) {
		p.Outcome = o
	}
	if k := domain.InboundKind(c.QueryParam("kind")); slices.Contains(inboundKinds, k) {
		p.Kind = k
	}
	items, next, err := s.svc.InboundMessages(ctx, service.InboundFilter{Outcome: p.Outcome, Kind: p.Kind},
		service.Page{Limit: adminPageSize, Cursor: c.QueryParam("after")})
	if err != nil {
		return err
	}
	var events []int64
	for _, m := range items {
		if m.EventID != nil && !slices.Contains(events, *m.EventID) {
			events = append(events, *m.EventID)
		}
	}
	if p.Events, err = s.svc.EventTitles(ctx, events); err != nil {
		return err
	}
	p.Items, p.Next, p.First = items, adminNext(c, "after", next), adminFirst(c, "after")
	return s.render(c, http.StatusOK, "inbound.html", p)
}

type inboundPage struct {
	uiPage
	Msg        *domain.InboundMessage
	EventTitle string
	Raw        string
	RawCut     bool
}

// CanResolve tells whether the page offers Apply and Dismiss.
func (p inboundPage) CanResolve() bool { return p.Msg.Outcome == domain.IntakeHeld && p.CanWrite() }

// inboundPage shows one received message with its raw text and, when held, the officer's
// choices.
func (s *Server) inboundPage(c echo.Context) error {
	p, err := s.loadInboundPage(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "inbound_message.html", p)
}

func (s *Server) loadInboundPage(c echo.Context) (inboundPage, error) {
	ctx := c.Request().Context()
	id, err := pathID(c, "id")
	if err != nil {
		return inboundPage{}, err
	}
	m, err := s.svc.InboundMessage(ctx, id)
	if err != nil {
		return inboundPage{}, err
	}
	p := inboundPage{uiPage: s.page(c, "inbound", "ui.admin.inbound.message_title", id), Msg: m}
	raw := m.Raw
	if len(raw) > inboundRawCap {
		raw, p.RawCut = raw[:inboundRawCap], true
	}
	p.Raw = strings.ToValidUTF8(string(raw), "\uFFFD")
	if m.EventID != nil {
		titles, err := s.svc.EventTitles(ctx, []int64{*m.EventID})
		if err != nil {
			return inboundPage{}, err
		}
		p.EventTitle = titles[*m.EventID]
	}
	return p, nil
}

// inboundApply acts on a held message as if it had passed the checks; a refusal (no
// invitation matches, no answer in it) is shown on the message's page.
func (s *Server) inboundApply(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	m, err := s.svc.ApplyInbound(c.Request().Context(), id)
	if err != nil {
		return s.inboundRefused(c, err)
	}
	s.flash(c, uiLocale(c).T("ui.admin.inbound.applied", m.ID))
	return seeOther(c, "/inbound/"+c.Param("id"))
}

// inboundDismiss sets a held message aside with the officer's reason.
func (s *Server) inboundDismiss(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	m, err := s.svc.DismissInbound(c.Request().Context(), id, c.FormValue("reason"))
	if err != nil {
		return s.inboundRefused(c, err)
	}
	s.flash(c, uiLocale(c).T("ui.admin.inbound.dismissed", m.ID))
	return seeOther(c, "/inbound/"+c.Param("id"))
}

// inboundRefused shows the message's page again with why the action was refused: a
// reason too long beside its field (422), a state that does not allow it above (409).
func (s *Server) inboundRefused(c echo.Context, err error) error {
	fe, ok := formError(err)
	if !ok {
		return err
	}
	p, lerr := s.loadInboundPage(c)
	if lerr != nil {
		return lerr
	}
	status := http.StatusUnprocessableEntity
	if _, isReason := fe["reason"]; !isReason {
		status = http.StatusConflict
		msg := ""
		for _, v := range fe {
			msg = v
		}
		fe = formErrors{"": msg}
	}
	p.Errors, p.Form = fe, formValues(c, "reason")
	return s.render(c, status, "inbound_message.html", p)
}

type inboundUploadPage struct {
	uiPage
}

func (s *Server) inboundUploadForm(c echo.Context) error {
	return s.render(c, http.StatusOK, "inbound_upload.html", inboundUploadPage{uiPage: s.page(c, "inbound", "ui.admin.upload.title")})
}

// inboundUpload hands a raw message (a .eml file) to the same intake as mail received
// by SMTP or IMAP, with source "upload", and shows what it recorded. The body limit of
// this route is inbound.max_size (server.go).
func (s *Server) inboundUpload(c echo.Context) error {
	l := uiLocale(c)
	raw, err := readUpload(c, "message")
	if err != nil {
		var he *echo.HTTPError
		if errors.As(err, &he) {
			return err
		}
		p := inboundUploadPage{uiPage: s.page(c, "inbound", "ui.admin.upload.title")}
		p.Errors = formErrors{"message": l.T("ui.admin.upload.missing")}
		return s.render(c, http.StatusUnprocessableEntity, "inbound_upload.html", p)
	}
	m, err := s.svc.Intake(c.Request().Context(), raw, "upload")
	if err != nil {
		return err
	}
	s.flash(c, l.T("ui.admin.upload.recorded", l.T("ui.admin.outcome."+string(m.Outcome)), m.Reason))
	return seeOther(c, "/inbound/"+strconv.FormatInt(m.ID, 10))
}

// errNoUpload is a missing or empty file.
var errNoUpload = errors.New("no file")

// readUpload reads the uploaded file of a multipart field; a body over the limit is 413.
func readUpload(c echo.Context, field string) ([]byte, error) {
	fh, err := c.FormFile(field)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, echo.NewHTTPError(http.StatusRequestEntityTooLarge, "message too large")
		}
		return nil, errNoUpload
	}
	f, err := fh.Open()
	if err != nil {
		return nil, errNoUpload
	}
	defer f.Close()
	raw, err := io.ReadAll(f)
	if err != nil || len(bytes.TrimSpace(raw)) == 0 {
		return nil, errNoUpload
	}
	return raw, nil
}
