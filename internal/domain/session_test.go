package domain

import (
	"testing"
	"time"
)

func TestSessionValidate(t *testing.T) {
	ten := time.Date(2021, 1, 12, 10, 0, 0, 0, time.UTC) // 13:00 in Moscow
	tests := []struct {
		name  string
		kind  SessionKind
		ids   []int64
		edit  func(s *Session)
		field string
	}{
		{"bilateral with 2", SessionBilateral, []int64{1, 2}, nil, ""},
		{"bilateral with 1", SessionBilateral, []int64{1}, nil, "delegation_ids"},
		{"bilateral with 3", SessionBilateral, []int64{1, 2, 3}, nil, "delegation_ids"},
		{"trilateral with 3", SessionTrilateral, []int64{1, 2, 3}, nil, ""},
		{"trilateral with 2", SessionTrilateral, []int64{1, 2}, nil, "delegation_ids"},
		{"trilateral with 4", SessionTrilateral, []int64{1, 2, 3, 4}, nil, "delegation_ids"},
		{"multilateral with 2", SessionMultilateral, []int64{1, 2}, nil, ""},
		{"multilateral with 5", SessionMultilateral, []int64{1, 2, 3, 4, 5}, nil, ""},
		{"multilateral with 1", SessionMultilateral, []int64{1}, nil, "delegation_ids"},
		{"plenary with none", SessionPlenary, nil, nil, ""},
		{"ceremony with many", SessionCeremony, []int64{1, 2, 3, 4}, nil, ""},
		{"the same party twice", SessionBilateral, []int64{1, 1}, nil, "delegation_ids"},
		{"unknown kind", "summit", nil, nil, "kind"},
		{"no title", SessionPlenary, nil, func(s *Session) { s.Title = "" }, "title"},
		{"end before start", SessionPlenary, nil, func(s *Session) { s.EndsAt = s.StartsAt.Add(-time.Minute) }, "ends_at"},
		{"starts before its event", SessionPlenary, nil, func(s *Session) { s.StartsAt = s.StartsAt.Add(-3 * time.Hour) }, "starts_at"},
		{"ends after its event", SessionPlenary, nil, func(s *Session) { s.EndsAt = s.EndsAt.Add(12 * time.Hour) }, "ends_at"},
		{"both outside", SessionPlenary, nil, func(s *Session) { s.StartsAt, s.EndsAt = s.StartsAt.Add(-3*time.Hour), s.EndsAt.Add(12*time.Hour) }, "starts_at"},
		{"exactly the event", SessionPlenary, nil, func(s *Session) {
			s.StartsAt, s.EndsAt = moscowEvent().StartsAt, moscowEvent().EndsAt
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Session{Title: "Meeting", Kind: tt.kind, StartsAt: ten, EndsAt: ten.Add(time.Hour), DelegationIDs: tt.ids}
			if tt.edit != nil {
				tt.edit(s)
			}
			s.Normalize()
			eventCheckField(t, s.Validate(moscowEvent()), tt.field)
		})
	}
}

func TestSessionNormalize(t *testing.T) {
	s := &Session{Title: "  Bilateral meeting  ", StartsAt: time.Date(2021, 1, 12, 10, 0, 0, 0, time.FixedZone("MSK", 3*3600))}
	s.Normalize()
	if s.Title != "Bilateral meeting" || s.Kind != SessionPlenary || s.Status != SessionScheduled ||
		s.DelegationIDs == nil || s.StartsAt.Location() != time.UTC || s.StartsAt.Hour() != 7 {
		t.Fatalf("normalized = %+v", s)
	}
}

func TestOverlaps(t *testing.T) {
	at := func(h, m int) time.Time { return time.Date(2021, 1, 12, h, m, 0, 0, time.UTC) }
	tests := []struct {
		name         string
		aStart, aEnd time.Time
		bStart, bEnd time.Time
		want         bool
	}{
		{"same slot", at(10, 0), at(11, 0), at(10, 0), at(11, 0), true},
		{"back to back", at(10, 0), at(11, 0), at(11, 0), at(12, 0), false},
		{"back to back, other order", at(11, 0), at(12, 0), at(10, 0), at(11, 0), false},
		{"one minute over", at(10, 0), at(11, 1), at(11, 0), at(12, 0), true},
		{"inside", at(10, 0), at(12, 0), at(10, 30), at(11, 0), true},
		{"around", at(10, 30), at(11, 0), at(10, 0), at(12, 0), true},
		{"apart", at(9, 0), at(10, 0), at(11, 0), at(12, 0), false},
		{"same instant, other offsets", at(10, 0), at(11, 0),
			at(10, 30).In(time.FixedZone("AZT", 4*3600)), at(12, 0).In(time.FixedZone("AZT", 4*3600)), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Overlaps(tt.aStart, tt.aEnd, tt.bStart, tt.bEnd); got != tt.want {
				t.Fatalf("Overlaps = %v, want %v", got, tt.want)
			}
			if got := Overlaps(tt.bStart, tt.bEnd, tt.aStart, tt.aEnd); got != tt.want {
				t.Fatalf("Overlaps is not symmetric")
			}
		})
	}
}
