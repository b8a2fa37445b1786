package domain

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestInvitationNormalize(t *testing.T) {
	baku := time.FixedZone("Asia/Baku", 4*3600)
	deadline := time.Date(2021, 1, 5, 22, 0, 0, 0, baku)
	deadlineUTC := time.Date(2021, 1, 5, 18, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   Invitation
		want Invitation
	}{
		{"defaults",
			Invitation{Email: " Guest@Example.ORG "},
			Invitation{Email: "guest@example.org", Response: ResponseNeedsAction, SendState: SendDraft, Companions: []string{}}},
		{"language tag canonicalised",
			Invitation{Language: "EN-gb", Response: ResponseAccepted, SendState: SendSent, Companions: []string{" Aide "}},
			Invitation{Language: "en-GB", Response: ResponseAccepted, SendState: SendSent, Companions: []string{"Aide"}}},
		{"deadline in UTC",
			Invitation{Deadline: &deadline},
			Invitation{Deadline: &deadlineUTC, Response: ResponseNeedsAction, SendState: SendDraft, Companions: []string{}}},
		{"unparsable language left for Validate",
			Invitation{Language: "not a tag"},
			Invitation{Language: "not a tag", Response: ResponseNeedsAction, SendState: SendDraft, Companions: []string{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.in
			got.Normalize()
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Normalize() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestInvitationValidate(t *testing.T) {
	tests := []struct {
		name          string
		edit          func(i *Invitation)
		maxCompanions int
		field         string // "" when valid
	}{
		{"valid", func(*Invitation) {}, -1, ""},
		{"companions without limit", func(i *Invitation) { i.Companions = []string{"A", "B", "C", "D"} }, -1, ""},
		{"companions within the room left", func(i *Invitation) { i.Companions = []string{"A", "B"} }, 2, ""},
		{"companions beyond the room left", func(i *Invitation) { i.Companions = []string{"A", "B", "C"} }, 2, "companions"},
		{"no room left", func(i *Invitation) { i.Companions = []string{"A"} }, 0, "companions"},
		{"blank companion", func(i *Invitation) { i.Companions = []string{"  "} }, -1, "companions"},
		{"line break in a companion", func(i *Invitation) { i.Companions = []string{"Aide\r\nBcc: x@evil.test"} }, -1, "companions"},
		{"every answer", func(i *Invitation) { i.Response = ResponseTentative }, -1, ""},
		{"unknown answer", func(i *Invitation) { i.Response = "maybe" }, -1, "response"},
		{"unknown send state", func(i *Invitation) { i.SendState = "lost" }, -1, "send_state"},
		{"missing person", func(i *Invitation) { i.PersonID = 0 }, -1, "person_id"},
		{"missing e-mail", func(i *Invitation) { i.Email = "" }, -1, "email"},
		{"e-mail with a display name", func(i *Invitation) { i.Email = "Guest <guest@example.org>" }, -1, "email"},
		{"missing language", func(i *Invitation) { i.Language = "" }, -1, "language"},
		{"bad language", func(i *Invitation) { i.Language = "english please" }, -1, "language"},
		{"multi-line note", func(i *Invitation) { i.Note = "by phone\nwill arrive late" }, -1, ""},
		{"note too long", func(i *Invitation) { i.Note = strings.Repeat("a", 2001) }, -1, "note"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i := Invitation{PersonID: 1, EventID: 1, Email: "guest@example.org", Language: "az-Latn"}
			tt.edit(&i)
			i.Normalize()
			delegationCheckField(t, i.Validate(tt.maxCompanions), tt.field)
		})
	}
}

func TestInvitationAnswered(t *testing.T) {
	for r, want := range map[Response]bool{ResponseNeedsAction: false, ResponseAccepted: true, ResponseDeclined: true, ResponseTentative: true} {
		if got := (&Invitation{Response: r}).Answered(); got != want {
			t.Errorf("Answered() with %s = %v, want %v", r, got, want)
		}
	}
}
