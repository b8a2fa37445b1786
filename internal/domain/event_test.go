package domain

import (
	"errors"
	"testing"
	"time"
)

func TestCanMove(t *testing.T) {
	tests := []struct {
		from, to EventStatus
		want     bool
	}{
		{StatusDraft, StatusDraft, true},
		{StatusDraft, StatusScheduled, true},
		{StatusDraft, StatusCancelled, true},
		{StatusDraft, StatusPostponed, false},
		{StatusDraft, StatusCompleted, false},
		{StatusScheduled, StatusPostponed, true},
		{StatusScheduled, StatusCancelled, true},
		{StatusScheduled, StatusCompleted, true},
		{StatusScheduled, StatusDraft, true},
		{StatusPostponed, StatusScheduled, true},
		{StatusPostponed, StatusCancelled, true},
		{StatusPostponed, StatusCompleted, false},
		{StatusCancelled, StatusScheduled, false},
		{StatusCancelled, StatusDraft, false},
		{StatusCancelled, StatusCancelled, true},
		{StatusCompleted, StatusScheduled, false},
		{StatusCompleted, StatusCancelled, false},
	}
	for _, tt := range tests {
		if got := CanMove(tt.from, tt.to); got != tt.want {
			t.Errorf("CanMove(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.want)
		}
	}
}

// prosecutionService is the reference scenario's series: founded 12 January 1722.
func prosecutionService(tz string) *Series {
	return &Series{Name: "Anniversary of the Prosecution Service", Timezone: tz,
		FoundedOn: time.Date(1722, time.January, 12, 0, 0, 0, 0, time.UTC)}
}

func TestSeriesOrdinalFor(t *testing.T) {
	tests := []struct {
		name string
		tz   string
		at   string
		want int
	}{
		{"299th anniversary, Moscow morning", "Europe/Moscow", "2021-01-12T08:00:00Z", 299},
		{"300th anniversary", "Europe/Moscow", "2022-01-12T08:00:00Z", 300},
		// 22:30 UTC on 11 January is 01:30 on 12 January in Moscow: the anniversary day.
		{"late evening UTC is the next day in Moscow", "Europe/Moscow", "2021-01-11T22:30:00Z", 299},
		// New Year's night: 21:30 UTC on 31 December 2021 is already 2022 in Moscow…
		{"new year in Moscow first", "Europe/Moscow", "2021-12-31T21:30:00Z", 300},
		// …but not yet in a series counted in UTC or further west.
		{"same instant counted in UTC", "UTC", "2021-12-31T21:30:00Z", 299},
		{"same instant counted in New York", "America/New_York", "2021-12-31T21:30:00Z", 299},
		{"Baku is ahead of Moscow", "Asia/Baku", "2021-12-31T20:30:00Z", 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at, err := time.Parse(time.RFC3339, tt.at)
			if err != nil {
				t.Fatal(err)
			}
			if got := prosecutionService(tt.tz).OrdinalFor(at); got != tt.want {
				t.Fatalf("OrdinalFor(%s) in %s = %d, want %d", tt.at, tt.tz, got, tt.want)
			}
		})
	}
}

func TestSeriesDayInItsTimezone(t *testing.T) {
	at := time.Date(2021, time.January, 11, 22, 30, 0, 0, time.UTC)
	s := prosecutionService("Europe/Moscow")
	loc, err := time.LoadLocation(s.Timezone)
	if err != nil {
		t.Fatal(err)
	}
	if _, m, d := at.In(loc).Date(); m != s.FoundedOn.Month() || d != s.FoundedOn.Day() {
		t.Fatalf("%s is %s %d in Moscow, want the anniversary day", at, m, d)
	}
}

func TestSeriesNextAnniversary(t *testing.T) {
	s := prosecutionService("Europe/Moscow")
	msk, _ := time.LoadLocation("Europe/Moscow")
	tests := []struct {
		now  time.Time
		want time.Time
	}{
		{time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2021, 1, 12, 11, 0, 0, 0, msk)},
		{time.Date(2021, 1, 12, 7, 59, 0, 0, time.UTC), time.Date(2021, 1, 12, 11, 0, 0, 0, msk)},
		{time.Date(2021, 1, 12, 8, 1, 0, 0, time.UTC), time.Date(2022, 1, 12, 11, 0, 0, 0, msk)},
		{time.Date(2021, 7, 1, 0, 0, 0, 0, time.UTC), time.Date(2022, 1, 12, 11, 0, 0, 0, msk)},
	}
	for _, tt := range tests {
		got := s.NextAnniversary(tt.now, 11)
		if !got.Equal(tt.want) {
			t.Errorf("NextAnniversary(%s) = %s, want %s", tt.now, got, tt.want)
		}
		if n := s.OrdinalFor(got); n != got.In(msk).Year()-1722 {
			t.Errorf("ordinal of %s = %d", got, n)
		}
	}
}

func TestSeriesValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(s *Series)
		field string
	}{
		{"valid", func(*Series) {}, ""},
		{"no name", func(s *Series) { s.Name = " " }, "name"},
		{"no founding date", func(s *Series) { s.FoundedOn = time.Time{} }, "founded_on"},
		{"Local", func(s *Series) { s.Timezone = "Local" }, "timezone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := prosecutionService("Europe/Moscow")
			tt.edit(s)
			eventCheckField(t, s.Validate(), tt.field)
		})
	}
}

func moscowEvent() *Event {
	return &Event{Title: "Commemorative meeting", Timezone: "Europe/Moscow", Status: StatusScheduled,
		StartsAt: time.Date(2021, 1, 12, 8, 0, 0, 0, time.UTC), EndsAt: time.Date(2021, 1, 12, 16, 0, 0, 0, time.UTC)}
}

func TestEventValidate(t *testing.T) {
	deadline := time.Date(2021, 1, 13, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		edit  func(e *Event)
		field string
	}{
		{"valid", func(*Event) {}, ""},
		{"end before start", func(e *Event) { e.EndsAt = e.StartsAt.Add(-time.Hour) }, "ends_at"},
		{"end equals start", func(e *Event) { e.EndsAt = e.StartsAt }, "ends_at"},
		{"no start", func(e *Event) { e.StartsAt = time.Time{} }, "starts_at"},
		{"Local", func(e *Event) { e.Timezone = "Local" }, "timezone"},
		{"abbreviation", func(e *Event) { e.Timezone = "MSK" }, "timezone"},
		{"unknown status", func(e *Event) { e.Status = "tentative" }, "status"},
		{"deadline after start", func(e *Event) { e.RSVPDeadline = &deadline }, "rsvp_deadline"},
		{"host twice", func(e *Event) { e.HostOrganizationIDs = []int64{1, 2, 1} }, "host_organization_ids"},
		{"title with a line break", func(e *Event) { e.Title = "Meeting\r\nBcc: x@evil.test" }, "title"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := moscowEvent()
			tt.edit(e)
			e.Normalize()
			eventCheckField(t, e.Validate(), tt.field)
		})
	}
}

func TestEventSignificantChange(t *testing.T) {
	venue := int64(7)
	tests := []struct {
		name string
		edit func(e *Event)
		want bool
	}{
		{"title typo", func(e *Event) { e.Title = "Commemorative meeting." }, false},
		{"description", func(e *Event) { e.Description = "Agenda attached" }, false},
		{"hosts", func(e *Event) { e.HostOrganizationIDs = []int64{3} }, false},
		{"same instant in another offset", func(e *Event) { e.StartsAt = e.StartsAt.In(time.FixedZone("MSK", 3*3600)) }, false},
		{"start moved", func(e *Event) { e.StartsAt = e.StartsAt.Add(time.Hour) }, true},
		{"end moved", func(e *Event) { e.EndsAt = e.EndsAt.Add(time.Hour) }, true},
		{"status", func(e *Event) { e.Status = StatusPostponed }, true},
		{"venue", func(e *Event) { e.VenueID = &venue }, true},
		{"timezone", func(e *Event) { e.Timezone = "Asia/Baku" }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old, e := moscowEvent(), moscowEvent()
			tt.edit(e)
			if got := e.SignificantChange(old); got != tt.want {
				t.Fatalf("SignificantChange = %v, want %v", got, tt.want)
			}
		})
	}
}

func eventCheckField(t *testing.T, err error, field string) {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error = %v, want a validation error on %s", err, field)
	}
	if ve.Field != field {
		t.Fatalf("error on %q (%s), want %q", ve.Field, ve.Message, field)
	}
}
