package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/store"
	"github.com/attache-app/attache/internal/store/storetest"
)

// rsvpWorld is the reference visit in small: three delegations (host RU, guests AZ and
// AM), a programme in which each guest takes part in some sessions only, and the AZ
// head's invitation, whose delegation (limit 3, two members) leaves room for one companion.
type rsvpWorld struct {
	s                       *Service
	now                     *time.Time
	event                   *domain.Event
	ru, az, am              *domain.Delegation
	azHead, azAdviser       *domain.Person
	amHead, loner           *domain.Person
	ceremony, ruAZ, ruAM    int64
	reception               int64
	azInv                   *domain.Invitation
	azToken                 string
	roomName                string
	sessionTitlesForAZHead  []string
	sessionTitlesForAMHead  []string
	sessionTitlesForOutside []string
}

func newRSVPWorld(t *testing.T, st *store.Store) *rsvpWorld {
	t.Helper()
	now := time.Date(2021, 1, 4, 9, 0, 0, 0, time.UTC)
	w := &rsvpWorld{now: &now}
	w.s = New(st, Options{SecretKey: testSecret, BaseURL: "https://attache.test", Now: func() time.Time { return *w.now }}, nil)
	ctx := WithActor(context.Background(), Actor{Name: "officer@attache.test"})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	venue := &domain.Venue{Name: "Prosecutor General's Office", City: "Moscow", Timezone: "Europe/Moscow"}
	must(w.s.CreateVenue(ctx, venue))
	room := &domain.Room{Name: "Collegium hall"}
	must(w.s.CreateRoom(ctx, venue.ID, room))
	w.roomName = room.Name
	start := time.Date(2021, 1, 12, 7, 0, 0, 0, time.UTC)
	var err error
	w.event, err = w.s.CreateEvent(ctx, &domain.Event{Title: "Commemorative meeting", Kind: domain.KindCommemoration,
		Timezone: "Europe/Moscow", StartsAt: start, EndsAt: start.Add(8 * time.Hour), VenueID: &venue.ID})
	must(err)

	org := func(name string) int64 {
		o := &domain.Organization{Name: name}
		must(w.s.CreateOrganization(ctx, o))
		return o.ID
	}
	person := func(name, email, lang string, org int64, names map[string]domain.PersonName) *domain.Person {
		p := &domain.Person{FullName: name, Email: email, Language: lang, OrganizationID: &org, Names: names}
		must(w.s.CreatePerson(ctx, p))
		return p
	}
	ruOrg, azOrg, amOrg := org("PGO RU"), org("PGO AZ"), org("PGO AM")
	ruHead := person("Igor Krasnov", "ru@genproc-ru.test", "ru", ruOrg, nil)
	w.azHead = person("Kamran Aliyev", "az@genprosecutor-az.test", "ru", azOrg,
		map[string]domain.PersonName{"ru": {FullName: "Камран Алиев"}})
	w.azAdviser = person("Adviser AZ", "adviser@genprosecutor-az.test", "ru", azOrg, nil)
	w.amHead = person("Artur Davtyan", "am@prosecutor-am.test", "en", amOrg, nil)
	w.loner = person("Observer", "observer@coe.test", "en", org("CoE"), nil)
	delegation := func(org int64, head *domain.Person, limit int, members ...*domain.Person) *domain.Delegation {
		d := &domain.Delegation{EventID: w.event.ID, OrganizationID: org, HeadPersonID: &head.ID, SizeLimit: limit}
		for _, m := range members {
			d.Members = append(d.Members, domain.DelegationMember{PersonID: m.ID, Role: domain.RoleAdviser})
		}
		must(w.s.CreateDelegation(ctx, d))
		return d
	}
	w.ru = delegation(ruOrg, ruHead, 0)
	w.az = delegation(azOrg, w.azHead, 3, w.azAdviser)
	w.am = delegation(amOrg, w.amHead, 0)

	session := func(title string, kind domain.SessionKind, from, to int, parties ...*domain.Delegation) int64 {
		ss := &domain.Session{Title: title, Kind: kind, RoomID: &room.ID,
			StartsAt: start.Add(time.Duration(from) * time.Hour), EndsAt: start.Add(time.Duration(to) * time.Hour)}
		for _, d := range parties {
			ss.DelegationIDs = append(ss.DelegationIDs, d.ID)
		}
		out, err := w.s.CreateSession(ctx, w.event.ID, ss)
		must(err)
		return out.ID
	}
	w.ceremony = session("Commemorative meeting", domain.SessionCeremony, 0, 1, w.ru, w.az, w.am)
	w.ruAZ = session("Bilateral meeting Russia – Azerbaijan", domain.SessionBilateral, 1, 2, w.ru, w.az)
	w.ruAM = session("Bilateral meeting Russia – Armenia", domain.SessionBilateral, 2, 3, w.ru, w.am)
	w.reception = session("Reception", domain.SessionReception, 4, 5)
	w.sessionTitlesForAZHead = []string{"Commemorative meeting", "Bilateral meeting Russia – Azerbaijan", "Reception"}
	w.sessionTitlesForAMHead = []string{"Commemorative meeting", "Bilateral meeting Russia – Armenia", "Reception"}
	w.sessionTitlesForOutside = []string{"Commemorative meeting", "Bilateral meeting Russia – Azerbaijan", "Bilateral meeting Russia – Armenia", "Reception"}

	w.azInv = &domain.Invitation{EventID: w.event.ID, PersonID: w.azHead.ID, DelegationID: &w.az.ID}
	must(w.s.CreateInvitation(ctx, w.azInv))
	w.azToken = tokenOf(t, w.azInv)
	return w
}

func tokenOf(t *testing.T, inv *domain.Invitation) string {
	t.Helper()
	tok, ok := strings.CutPrefix(inv.RSVPURL, "https://attache.test/rsvp/")
	if !ok {
		t.Fatalf("rsvp_url = %q", inv.RSVPURL)
	}
	return tok
}

func (w *rsvpWorld) invite(t *testing.T, p *domain.Person, d *domain.Delegation) (*domain.Invitation, string) {
	t.Helper()
	inv := &domain.Invitation{EventID: w.event.ID, PersonID: p.ID}
	if d != nil {
		inv.DelegationID = &d.ID
	}
	if err := w.s.CreateInvitation(context.Background(), inv); err != nil {
		t.Fatal(err)
	}
	return inv, tokenOf(t, inv)
}

func sessionTitles(v *RSVPView) []string {
	out := make([]string, len(v.Sessions))
	for i, s := range v.Sessions {
		out[i] = s.Title
	}
	return out
}

func TestRSVPView(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newRSVPWorld(t, st)
		ctx := context.Background()

		v, err := w.s.RSVPView(ctx, w.azToken)
		if err != nil {
			t.Fatal(err)
		}
		if v.Invitation.ID != w.azInv.ID || v.Event.ID != w.event.ID || v.Name.FullName != "Камран Алиев" ||
			v.Venue == nil || v.Venue.City != "Moscow" || v.Location.String() != "Europe/Moscow" ||
			v.Delegation == nil || v.Delegation.ID != w.az.ID || v.DelegationOrg == nil || v.DelegationOrg.Name != "PGO AZ" {
			t.Fatalf("view = %+v", v)
		}
		if got := fmt.Sprint(sessionTitles(v)); got != fmt.Sprint(w.sessionTitlesForAZHead) {
			t.Fatalf("AZ head's programme = %s", got)
		}
		if v.MaxCompanions != 1 || v.Closed != RSVPOpen || v.Deadline != nil || v.FormToken == "" || v.Rooms[*v.Sessions[0].RoomID] != w.roomName {
			t.Fatalf("limit %d, closed %q, deadline %v, form token %q, rooms %v", v.MaxCompanions, v.Closed, v.Deadline, v.FormToken, v.Rooms)
		}

		// Without a delegation on the invitation, the person's delegation decides the
		// programme, but sets no companion limit (as checkInvitation).
		_, amToken := w.invite(t, w.amHead, nil)
		v, err = w.s.RSVPView(ctx, amToken)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(sessionTitles(v)); got != fmt.Sprint(w.sessionTitlesForAMHead) || v.MaxCompanions != -1 || v.Delegation.ID != w.am.ID {
			t.Fatalf("AM head's programme = %s, limit %d", got, v.MaxCompanions)
		}

		// Someone in no delegation sees the whole programme; a full delegation leaves no room.
		_, lonerToken := w.invite(t, w.loner, nil)
		if v, err = w.s.RSVPView(ctx, lonerToken); err != nil || fmt.Sprint(sessionTitles(v)) != fmt.Sprint(w.sessionTitlesForOutside) || v.Delegation != nil {
			t.Fatalf("outsider's programme = %v, %v", sessionTitles(v), err)
		}
		_, adviserToken := w.invite(t, w.azAdviser, w.az)
		if v, err = w.s.RSVPView(ctx, adviserToken); err != nil || v.MaxCompanions != 1 {
			t.Fatalf("adviser's limit = %d, %v", v.MaxCompanions, err)
		}

		if _, err := w.s.RSVPView(ctx, flip(w.azToken)); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("a wrong token: err = %v", err)
		}
	})
}

func TestRecordRSVPRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newRSVPWorld(t, st)
		ctx := context.Background()
		v, err := w.s.RSVPView(ctx, w.azToken)
		if err != nil {
			t.Fatal(err)
		}
		form := v.FormToken
		answer := func(r domain.Response, companions ...string) RSVPAnswer {
			return RSVPAnswer{Response: r, Companions: companions, Note: "Arriving on 11 January", FormToken: form}
		}

		refused := []struct {
			name  string
			a     RSVPAnswer
			check func(error) bool
		}{
			{"no form token", RSVPAnswer{Response: domain.ResponseAccepted}, func(err error) bool { return errors.Is(err, domain.ErrForbidden) }},
			{"wrong form token", RSVPAnswer{Response: domain.ResponseAccepted, FormToken: flip(form)}, func(err error) bool { return errors.Is(err, domain.ErrForbidden) }},
			{"the link token as form token", RSVPAnswer{Response: domain.ResponseAccepted, FormToken: w.azToken}, func(err error) bool { return errors.Is(err, domain.ErrForbidden) }},
			{"no response", answer(""), fieldIs("response")},
			{"needs-action", answer(domain.ResponseNeedsAction), fieldIs("response")},
			{"delegated", answer(domain.ResponseDelegated), fieldIs("response")},
			{"over the limit", answer(domain.ResponseAccepted, "A. Aide", "B. Aide"), fieldIs("companions")},
			{"line break in a name", answer(domain.ResponseAccepted, "Aide\r\nBcc: x@evil.test"), fieldIs("companions")},
			{"long note", RSVPAnswer{Response: domain.ResponseAccepted, Note: strings.Repeat("x", 2001), FormToken: form}, fieldIs("note")},
		}
		for _, tt := range refused {
			if _, err := w.s.RecordRSVP(ctx, w.azToken, tt.a); !tt.check(err) {
				t.Errorf("%s: err = %v", tt.name, err)
			}
		}
		if _, err := w.s.RecordRSVP(ctx, flip(w.azToken), answer(domain.ResponseAccepted)); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("unknown link: err = %v", err)
		}
		if inv, _ := w.s.Invitation(ctx, w.azInv.ID); inv.Response != domain.ResponseNeedsAction || inv.RespondedAt != nil {
			t.Fatalf("a refused answer changed the invitation: %+v", inv)
		}
		if h := history(t, w.s, w.azInv.ID); len(h) != 0 {
			t.Fatalf("a refused answer reached the history: %v", h)
		}

		// An accepted answer: blank fields dropped, names trimmed, stamped as through the link.
		inv, err := w.s.RecordRSVP(ctx, w.azToken, answer(domain.ResponseAccepted, "  Farid Aliyev ", "", "  "))
		if err != nil {
			t.Fatal(err)
		}
		if inv.Response != domain.ResponseAccepted || inv.ResponseChannel != domain.ChannelLink || inv.RespondedAt == nil ||
			!inv.RespondedAt.Equal(*w.now) || fmt.Sprint(inv.Companions) != "[Farid Aliyev]" || inv.Note != "Arriving on 11 January" || inv.RSVPURL == "" {
			t.Fatalf("after the answer: %+v", inv)
		}
		h := history(t, w.s, w.azInv.ID)
		if len(h) != 1 || h[0].Channel != domain.ChannelLink || h[0].Response != domain.ResponseAccepted ||
			h[0].Actor != "az@genprosecutor-az.test" || fmt.Sprint(h[0].Companions) != "[Farid Aliyev]" || h[0].Note != "Arriving on 11 January" {
			t.Fatalf("history = %+v", h)
		}
		audit, _, err := w.s.Audit(ctx, store.AuditFilter{EntityType: "invitation", EntityID: w.azInv.ID}, store.Page{})
		if err != nil || len(audit) != 2 || audit[0].Action != "rsvp" || audit[0].Actor != "az@genprosecutor-az.test" ||
			strings.Contains(audit[0].After, w.azToken) {
			t.Fatalf("audit = %+v, %v", audit, err)
		}
		if v, _ := w.s.RSVPView(ctx, w.azToken); v.Note != "Arriving on 11 January" {
			t.Fatalf("the delegate's own note is not shown back: %q", v.Note)
		}

		// Declining keeps no companions.
		if inv, err = w.s.RecordRSVP(ctx, w.azToken, answer(domain.ResponseDeclined, "Farid Aliyev")); err != nil ||
			inv.Response != domain.ResponseDeclined || len(inv.Companions) != 0 {
			t.Fatalf("declined: %+v, %v", inv, err)
		}

		// An officer's note is not the guest's to read.
		_, err = w.s.UpdateInvitation(WithActor(ctx, Actor{Name: "officer@attache.test"}), w.azInv.ID, InvitationUpdate{Answer: true,
			Apply: func(i *domain.Invitation) error {
				i.Response, i.Note = domain.ResponseTentative, "internal: seat next to the host"
				return nil
			}})
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := w.s.RSVPView(ctx, w.azToken); v.Note != "" || v.Invitation.Response != domain.ResponseTentative {
			t.Fatalf("the guest sees the officer's note %q", v.Note)
		}

		// A rotated link takes no answers, and its old form token fails with the new link.
		rotated, err := w.s.RotateRSVPToken(ctx, w.azInv.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.s.RecordRSVP(ctx, w.azToken, answer(domain.ResponseAccepted)); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("revoked link: err = %v", err)
		}
		if _, err := w.s.RecordRSVP(ctx, tokenOf(t, rotated), answer(domain.ResponseAccepted)); !errors.Is(err, domain.ErrForbidden) {
			t.Fatalf("the old form token with the new link: err = %v", err)
		}
	})
}

func TestRecordRSVPClosed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newRSVPWorld(t, st)
		ctx := WithActor(context.Background(), Actor{Name: "officer@attache.test"})
		send := func(token string) error {
			v, err := w.s.RSVPView(ctx, token)
			if err != nil {
				return err
			}
			_, err = w.s.RecordRSVP(ctx, token, RSVPAnswer{Response: domain.ResponseAccepted, FormToken: v.FormToken})
			return err
		}

		// The event's deadline applies when the invitation has none of its own.
		deadline := time.Date(2021, 1, 5, 15, 0, 0, 0, time.UTC)
		if _, err := w.s.UpdateEvent(ctx, w.event.ID, func(e *domain.Event) error { e.RSVPDeadline = &deadline; return nil }); err != nil {
			t.Fatal(err)
		}
		if err := send(w.azToken); err != nil {
			t.Fatalf("before the deadline: %v", err)
		}
		*w.now = deadline.Add(time.Second)
		if err := send(w.azToken); !isConflict(err, "deadline") {
			t.Fatalf("after the event's deadline: err = %v", err)
		}
		if v, _ := w.s.RSVPView(ctx, w.azToken); v.Closed != RSVPClosedDeadline || !v.DeadlinePassed() || !v.Deadline.Equal(deadline) {
			t.Fatalf("view after the deadline: closed %q, deadline %v", v.Closed, v.Deadline)
		}

		// The invitation's own deadline wins, later or earlier.
		later := deadline.Add(48 * time.Hour)
		if _, err := w.s.UpdateInvitation(ctx, w.azInv.ID, InvitationUpdate{Apply: func(i *domain.Invitation) error { i.Deadline = &later; return nil }}); err != nil {
			t.Fatal(err)
		}
		if err := send(w.azToken); err != nil {
			t.Fatalf("before the invitation's own deadline: %v", err)
		}
		*w.now = later.Add(time.Minute)
		if err := send(w.azToken); !isConflict(err, "deadline") {
			t.Fatalf("after the invitation's deadline: err = %v", err)
		}
		// An officer can still record a change.
		if _, err := w.s.UpdateInvitation(ctx, w.azInv.ID, InvitationUpdate{Answer: true,
			Apply: func(i *domain.Invitation) error { i.Response = domain.ResponseDeclined; return nil }}); err != nil {
			t.Fatalf("officer after the deadline: %v", err)
		}

		// A cancelled event takes no answers, whatever the deadline.
		_, amToken := w.invite(t, w.amHead, nil)
		if _, err := w.s.CancelEvent(ctx, w.event.ID); err != nil {
			t.Fatal(err)
		}
		if err := send(amToken); !isConflict(err, "status") {
			t.Fatalf("cancelled event: err = %v", err)
		}
		if v, _ := w.s.RSVPView(ctx, amToken); v.Closed != RSVPClosedCancelled {
			t.Fatalf("view of a cancelled event: closed %q", v.Closed)
		}
		if h := history(t, w.s, w.azInv.ID); len(h) != 3 || h[2].Channel != domain.ChannelOfficer {
			t.Fatalf("history = %+v", h)
		}
	})
}

// flip changes one character in the middle of a token.
func flip(tok string) string {
	b := []byte(tok)
	if b[10] == 'A' {
		b[10] = 'B'
	} else {
		b[10] = 'A'
	}
	return string(b)
}

func fieldIs(field string) func(error) bool {
	return func(err error) bool {
		var ve *domain.ValidationError
		return errors.As(err, &ve) && ve.Field == field
	}
}

func isConflict(err error, field string) bool {
	var ce *domain.ConflictError
	return errors.As(err, &ce) && ce.Field == field && errors.Is(err, domain.ErrConflict)
}

func history(t *testing.T, s *Service, id int64) []*domain.ResponseEntry {
	t.Helper()
	h, _, err := s.Responses(context.Background(), id, store.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return h
}
