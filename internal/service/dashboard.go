package service

import (
	"context"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/store"
)

// Tally is the store's count of an event's invitations by answer.
type Tally = store.Tally

// EventSummary is one event on the dashboard: the event and its answers so far.
type EventSummary struct {
	Event *domain.Event
	Tally Tally
}

// Upcoming lists events that have not ended, soonest first, with their tallies (at most
// limit events; the dashboard links to the full list).
func (s *Service) Upcoming(ctx context.Context, limit int) ([]EventSummary, error) {
	q := s.st.Q(ctx)
	events, _, err := q.ListEvents(store.EventFilter{From: s.now()}, store.Page{Limit: limit})
	if err != nil {
		return nil, err
	}
	return s.summaries(q, events)
}

// Tallies returns the answers so far of each event.
func (s *Service) Tallies(ctx context.Context, events []*domain.Event) ([]EventSummary, error) {
	return s.summaries(s.st.Q(ctx), events)
}

func (s *Service) summaries(q *store.Q, events []*domain.Event) ([]EventSummary, error) {
	ids := make([]int64, len(events))
	for i, e := range events {
		ids[i] = e.ID
	}
	tallies, err := q.InvitationTallies(ids)
	if err != nil {
		return nil, err
	}
	out := make([]EventSummary, len(events))
	for i, e := range events {
		out[i] = EventSummary{Event: e}
		if t := tallies[e.ID]; t != nil {
			out[i].Tally = *t
		}
	}
	return out, nil
}
