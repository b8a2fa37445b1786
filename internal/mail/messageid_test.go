package mail

import "testing"

// TestResentMessageID: a letter sent again on request has an id of its own per request,
// distinct from the first copy's and from every other request's, and stays a valid id.
func TestResentMessageID(t *testing.T) {
	tests := []struct {
		id      int64
		session int64
		seq     int
		request int64
		want    string
	}{
		{42, 0, 3, 17, "inv-42-invitation-3-r17@attache.test"},
		{42, 7, 0, 18, "inv-42-invitation-s7-0-r18@attache.test"},
		{42, 0, 3, 0, "inv-42-invitation-3@attache.test"}, // no request: the first copy's
	}
	seen := map[string]bool{MessageID(42, KindInvitation, 0, 3, "attache.test"): true}
	for _, tt := range tests {
		got := ResentMessageID(tt.id, KindInvitation, tt.session, tt.seq, tt.request, "attache.test")
		if got != tt.want {
			t.Errorf("ResentMessageID(%d, invitation, %d, %d, %d) = %q, want %q", tt.id, tt.session, tt.seq, tt.request, got, tt.want)
		}
		if err := checkMessageID(got); err != nil {
			t.Error(err)
		}
		if tt.request > 0 && seen[got] {
			t.Errorf("%q repeats another letter's id", got)
		}
		seen[got] = true
	}
}
