package store

// Tally counts an event's invitations by answer, for the dashboard and the event page.
// Withdrawn invitations are not counted; an undeliverable one counts as undeliverable
// whatever its answer.
type Tally struct {
	Total         int
	Accepted      int
	Declined      int
	Tentative     int
	NoAnswer      int
	Undeliverable int
	Sent          int // sent at least once (send state sent)
}

// InvitationTallies returns the tally of each listed event (absent when it has none).
func (q *Q) InvitationTallies(eventIDs []int64) (map[int64]*Tally, error) {
	out := map[int64]*Tally{}
	if len(eventIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		EventID   int64
		Response  string
		SendState string
		N         int
	}
	err := q.db.Model(&invitationRow{}).Select("event_id, response, send_state, COUNT(*) AS n").
		Where("event_id IN ? AND send_state <> ?", eventIDs, "withdrawn").
		Group("event_id, response, send_state").Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "invitation tallies")
	}
	for _, r := range rows {
		t := out[r.EventID]
		if t == nil {
			t = &Tally{}
			out[r.EventID] = t
		}
		t.Total += r.N
		if r.SendState == "sent" {
			t.Sent += r.N
		}
		switch {
		case r.SendState == "undeliverable":
			t.Undeliverable += r.N
		case r.Response == "accepted":
			t.Accepted += r.N
		case r.Response == "declined":
			t.Declined += r.N
		case r.Response == "tentative":
			t.Tentative += r.N
		default:
			t.NoAnswer += r.N
		}
	}
	return out, nil
}
