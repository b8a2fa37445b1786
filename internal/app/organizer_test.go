package app

import (
	"testing"

	"github.com/attache-app/attache/internal/calendar"
	"github.com/attache-app/attache/internal/config"
)

func TestOrganizerOf(t *testing.T) {
	tests := []struct {
		name string
		mail config.Mail
		want calendar.Organizer
	}{
		{"same mailbox", config.Mail{From: "Protocol Office <protocol@attache.test>", Organizer: "protocol@attache.test"},
			calendar.Organizer{Name: "Protocol Office", Email: "protocol@attache.test"}},
		{"same mailbox, other case", config.Mail{From: "Protocol <Protocol@Attache.test>", Organizer: "protocol@attache.test"},
			calendar.Organizer{Name: "Protocol", Email: "protocol@attache.test"}},
		{"service account sends", config.Mail{From: "Attaché <noreply@attache.test>", Organizer: "protocol@attache.test"},
			calendar.Organizer{Name: "Attaché", Email: "protocol@attache.test", SentBy: "noreply@attache.test"}},
		{"per-invitation reply address", config.Mail{From: "Protocol <rsvp@attache.test>", Organizer: "rsvp+{token}@attache.test"},
			calendar.Organizer{Name: "Protocol", Email: "rsvp+{token}@attache.test"}},
	}
	for _, tt := range tests {
		if got := organizerOf(tt.mail); got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
}
