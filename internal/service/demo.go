package service

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/attache-app/attache/internal/domain"
)

// demoNamespace makes the demo's UIDs deterministic, so that loading it again finds what
// it made before instead of making a second copy.
var demoNamespace = uuid.MustParse("6f1d7c52-4a8e-4f0e-9b59-2a1c5e0d7a11")

// demoLoader finds or creates each part of the scenario by its natural key (name, e-mail,
// UID, event and person…), through the same services an officer uses, so the demo data
// passes every rule and leaves an audit trail. A run interrupted halfway is completed by
// the next run; a complete run changes nothing.
type demoLoader struct {
	s                *Service
	ctx              context.Context
	created, present int
	ids              map[string]int64
	// copy numbers an extra copy of the scenario (0 is the scenario itself): its
	// organizations, venues and series are named "… · N", its addresses start with
	// "cN.", its UIDs differ, so that copies never collide (no shared room or person).
	copy int
}

// LoadDemo loads the reference scenario (design.md) and returns a one-line summary.
func (s *Service) LoadDemo(ctx context.Context) (string, error) { return s.LoadDemoCopies(ctx, 1) }

// LoadDemoCopies loads the scenario and n-1 numbered copies of it, for measuring pages
// with a realistic volume ("the demo data ×100"). Idempotent like LoadDemo.
func (s *Service) LoadDemoCopies(ctx context.Context, n int) (string, error) {
	created, present := 0, 0
	for k := 0; k < max(n, 1); k++ {
		d := &demoLoader{s: s, ctx: ctx, ids: map[string]int64{}, copy: k}
		if err := d.load(); err != nil {
			return "", fmt.Errorf("load demo (copy %d): %w", k, err)
		}
		created, present = created+d.created, present+d.present
	}
	if n > 1 {
		return fmt.Sprintf("demo scenario loaded %d times: %d records created, %d already present", n, created, present), nil
	}
	return fmt.Sprintf("demo scenario loaded: %d records created, %d already present", created, present), nil
}

// tag names a copy's organization, venue or series.
func (d *demoLoader) tag(name string) string {
	if d.copy == 0 {
		return name
	}
	return fmt.Sprintf("%s · %d", name, d.copy)
}

// mail gives a copy's people their own addresses.
func (d *demoLoader) mail(addr string) string {
	if d.copy == 0 {
		return addr
	}
	return fmt.Sprintf("c%d.%s", d.copy, addr)
}

// ensure returns the id of the entity matching where, creating it with create when absent.
func (d *demoLoader) ensure(key, entity string, where map[string]any, create func() (int64, error)) error {
	id, err := d.s.st.Q(d.ctx).FindID(entity, where)
	if err != nil {
		return err
	}
	if id != 0 {
		d.present++
	} else {
		if id, err = create(); err != nil {
			return fmt.Errorf("%s %s: %w", entity, key, err)
		}
		d.created++
	}
	d.ids[key] = id
	return nil
}

// uid is the demo's fixed UID for name. Its domain does not follow http.base_url: the
// same record must be found again whatever the configuration says today.
func (d *demoLoader) uid(name string) string {
	if d.copy > 0 {
		name = fmt.Sprintf("%s#%d", name, d.copy)
	}
	return uuid.NewSHA1(demoNamespace, []byte(name)).String() + "@demo.attache.test"
}

func moscow(date, clock string) time.Time {
	loc, err := domain.LoadZone("Europe/Moscow")
	if err != nil {
		panic(err) // time/tzdata is linked into the binary; a missing zone is a build error
	}
	t, err := time.ParseInLocation("2006-01-02 15:04", date+" "+clock, loc)
	if err != nil {
		panic(err) // the dates are constants of this file
	}
	return t
}

func (d *demoLoader) load() error {
	for _, o := range demoOrgs {
		o := o
		if err := d.ensure("org:"+o.key, "organization", map[string]any{"name": d.tag(o.org.Name)}, func() (int64, error) {
			org := o.org
			org.Name = d.tag(org.Name)
			err := d.s.CreateOrganization(d.ctx, &org)
			return org.ID, err
		}); err != nil {
			return err
		}
	}
	for _, p := range demoPeople {
		p := p
		if err := d.ensure("person:"+p.key, "person", map[string]any{"email": d.mail(p.p.Email)}, func() (int64, error) {
			person := p.p
			person.Email = d.mail(person.Email)
			org := d.ids["org:"+p.org]
			person.OrganizationID = &org
			err := d.s.CreatePerson(d.ctx, &person)
			return person.ID, err
		}); err != nil {
			return err
		}
	}
	if err := d.venues(); err != nil {
		return err
	}
	if err := d.ensure("series", "series", map[string]any{"name": d.tag("Anniversary of the Prosecution Service of the Russian Federation")}, func() (int64, error) {
		sr := &domain.Series{Name: d.tag("Anniversary of the Prosecution Service of the Russian Federation"),
			FoundedOn: time.Date(1722, time.January, 12, 0, 0, 0, 0, time.UTC), Timezone: "Europe/Moscow",
			DefaultKind: domain.KindCommemoration, DefaultTitle: "Anniversary of the Prosecution Service of the Russian Federation"}
		err := d.s.CreateSeries(d.ctx, sr)
		return sr.ID, err
	}); err != nil {
		return err
	}
	if err := d.commemoration(); err != nil {
		return err
	}
	return d.followUps()
}

func (d *demoLoader) venues() error {
	steps := []struct {
		key string
		v   domain.Venue
	}{
		{"venue:pgo", domain.Venue{Name: "Prosecutor General's Office of the Russian Federation", Address: "Bolshaya Dmitrovka 15a", City: "Moscow", Timezone: "Europe/Moscow"}},
		{"venue:spb", domain.Venue{Name: "Conference centre, St. Petersburg", City: "St. Petersburg", Timezone: "Europe/Moscow"}},
	}
	for _, st := range steps {
		st := st
		if err := d.ensure(st.key, "venue", map[string]any{"name": d.tag(st.v.Name)}, func() (int64, error) {
			v := st.v
			v.Name = d.tag(v.Name)
			err := d.s.CreateVenue(d.ctx, &v)
			return v.ID, err
		}); err != nil {
			return err
		}
	}
	rooms := []struct {
		key, name string
		capacity  int
	}{{"collegium", "Hall of the Collegium", 120}, {"room-1", "Conference room 1", 24}, {"room-2", "Conference room 2", 30}}
	for _, r := range rooms {
		r := r
		venue := d.ids["venue:pgo"]
		if err := d.ensure("room:"+r.key, "room", map[string]any{"venue_id": venue, "name": r.name}, func() (int64, error) {
			room := &domain.Room{Name: r.name, Capacity: r.capacity}
			err := d.s.CreateRoom(d.ctx, venue, room)
			return room.ID, err
		}); err != nil {
			return err
		}
	}
	return nil
}

// event finds or creates an event by its deterministic UID.
func (d *demoLoader) event(key string, e domain.Event) error {
	e.UID = d.uid("event/" + key)
	return d.ensure("event:"+key, "event", map[string]any{"uid": e.UID}, func() (int64, error) {
		out, err := d.s.CreateEvent(d.ctx, &e)
		if err != nil {
			return 0, err
		}
		return out.ID, nil
	})
}

func (d *demoLoader) commemoration() error {
	venue, series := d.ids["venue:pgo"], d.ids["series"]
	deadline := moscow("2021-01-05", "18:00")
	if err := d.event("299", domain.Event{
		Title:       "Commemorative meeting for the anniversary of the Prosecution Service of the Russian Federation",
		Description: "Commemorative meeting with the Prosecutors General of Azerbaijan and Armenia, bilateral meetings and a trilateral meeting.",
		Kind:        domain.KindCommemoration, Status: domain.StatusScheduled, Visibility: domain.VisibilityPublic, Timezone: "Europe/Moscow",
		StartsAt: moscow("2021-01-12", "09:00"), EndsAt: moscow("2021-01-12", "18:00"),
		VenueID: &venue, SeriesID: &series, RSVPDeadline: &deadline,
		HostOrganizationIDs: []int64{d.ids["org:ru"]},
	}); err != nil {
		return err
	}
	event := d.ids["event:299"]
	for i, dl := range demoDelegations {
		dl := dl
		head := d.ids["person:"+dl.head]
		org := d.ids["org:"+dl.org]
		if err := d.ensure("delegation:"+dl.org, "delegation", map[string]any{"event_id": event, "organization_id": org}, func() (int64, error) {
			del := &domain.Delegation{EventID: event, OrganizationID: org, HeadPersonID: &head, SizeLimit: dl.limit, Precedence: i + 1,
				Members: []domain.DelegationMember{{PersonID: head, Role: domain.RoleHead}}}
			for _, k := range sortedKeys(dl.members) {
				del.Members = append(del.Members, domain.DelegationMember{PersonID: d.ids["person:"+k], Role: dl.members[k]})
			}
			err := d.s.CreateDelegation(d.ctx, del)
			return del.ID, err
		}); err != nil {
			return err
		}
	}
	for _, ss := range demoSessions {
		ss := ss
		uid := d.uid("session/299/" + ss.key)
		if err := d.ensure("session:"+ss.key, "session", map[string]any{"uid": uid}, func() (int64, error) {
			room := d.ids["room:"+ss.room]
			sess := &domain.Session{UID: uid, Title: ss.title, Kind: ss.kind, RoomID: &room, Agenda: ss.agenda,
				StartsAt: moscow("2021-01-12", ss.start), EndsAt: moscow("2021-01-12", ss.end)}
			for _, p := range ss.parties {
				sess.DelegationIDs = append(sess.DelegationIDs, d.ids["delegation:"+p])
			}
			out, err := d.s.CreateSession(d.ctx, event, sess)
			if err != nil {
				return 0, err
			}
			return out.ID, nil
		}); err != nil {
			return err
		}
	}
	for _, o := range demoOutcomes {
		o := o
		session := d.ids["session:"+o.session]
		where := map[string]any{"session_id": session, "title": o.title, "person_id": nil}
		var person *int64
		if o.person != "" {
			id := d.ids["person:"+o.person]
			person, where["person_id"] = &id, id
		}
		if err := d.ensure("outcome:"+o.session+o.person, "outcome", where, func() (int64, error) {
			out := &domain.Outcome{Kind: o.kind, Title: o.title, PersonID: person}
			for _, p := range o.parties {
				out.DelegationIDs = append(out.DelegationIDs, d.ids["delegation:"+p])
			}
			err := d.s.CreateOutcome(d.ctx, event, session, out)
			return out.ID, err
		}); err != nil {
			return err
		}
	}
	// The heads' answers, as the protocol office recorded them: all three attended.
	for _, dl := range demoDelegations {
		del := d.ids["delegation:"+dl.org]
		if err := d.invite("299", dl.head, &del, domain.ResponseAccepted); err != nil {
			return err
		}
	}
	// The meeting took place: mark it completed once its programme is recorded.
	e, err := d.s.Event(d.ctx, event)
	if err != nil {
		return err
	}
	if e.Status != domain.StatusCompleted {
		if _, err := d.s.UpdateEvent(d.ctx, event, func(e *domain.Event) error { e.Status = domain.StatusCompleted; return nil }); err != nil {
			return fmt.Errorf("complete the commemorative meeting: %w", err)
		}
	}
	return nil
}

// invite finds or creates the invitation of a person to a demo event.
func (d *demoLoader) invite(eventKey, personKey string, delegation *int64, answer domain.Response) error {
	event, person := d.ids["event:"+eventKey], d.ids["person:"+personKey]
	return d.ensure("invitation:"+eventKey+":"+personKey, "invitation", map[string]any{"event_id": event, "person_id": person}, func() (int64, error) {
		inv := &domain.Invitation{EventID: event, PersonID: person, DelegationID: delegation, Response: answer}
		err := d.s.CreateInvitation(d.ctx, inv)
		return inv.ID, err
	})
}

func (d *demoLoader) followUps() error {
	spb, series, ru, coe := d.ids["venue:spb"], d.ids["series"], d.ids["org:ru"], d.ids["org:coe"]
	pgo := d.ids["venue:pgo"]
	if err := d.event("spb-conference", domain.Event{
		Title: "Conference of heads of prosecution services of European states",
		Kind:  domain.KindConference, Status: domain.StatusScheduled, Timezone: "Europe/Moscow",
		StartsAt: moscow("2021-07-01", "10:00"), EndsAt: moscow("2021-07-02", "18:00"),
		VenueID: &spb, HostOrganizationIDs: []int64{ru, coe},
	}); err != nil {
		return err
	}
	if err := d.event("300", domain.Event{
		Title: "Celebrations of the anniversary of the Prosecution Service of the Russian Federation",
		Kind:  domain.KindCommemoration, Status: domain.StatusScheduled, Timezone: "Europe/Moscow",
		StartsAt: moscow("2022-01-12", "10:00"), EndsAt: moscow("2022-01-12", "18:00"),
		VenueID: &pgo, SeriesID: &series, HostOrganizationIDs: []int64{ru},
	}); err != nil {
		return err
	}
	for _, ev := range []string{"spb-conference", "300"} {
		for _, guest := range []string{"az-head", "am-head"} {
			if err := d.invite(ev, guest, nil, domain.ResponseNeedsAction); err != nil {
				return err
			}
		}
	}
	// The series' next occurrence after today, as a draft to invite the same guests to.
	sr, err := d.s.Series(d.ctx, series)
	if err != nil {
		return err
	}
	start := sr.NextAnniversary(d.s.opt.Now(), 10)
	key := fmt.Sprintf("anniversary-%d", sr.OrdinalFor(start))
	return d.event(key, domain.Event{
		Title: "Anniversary of the Prosecution Service of the Russian Federation",
		Kind:  domain.KindCommemoration, Status: domain.StatusDraft, Timezone: "Europe/Moscow",
		StartsAt: start, EndsAt: start.Add(8 * time.Hour),
		VenueID: &pgo, SeriesID: &series, HostOrganizationIDs: []int64{ru},
	})
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
