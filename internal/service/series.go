package service

import (
	"context"
	"strings"
	"time"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/store"
)

// CreateSeries validates and stores a new yearly series.
func (s *Service) CreateSeries(ctx context.Context, sr *domain.Series) error {
	if err := prepareSeries(sr); err != nil {
		return err
	}
	return s.st.InTx(ctx, func(q *store.Q) error {
		if err := q.CreateSeries(sr); err != nil {
			return err
		}
		return s.audit(ctx, q, "create", "series", sr.ID, nil, sr)
	})
}

// Series reads one series.
func (s *Service) Series(ctx context.Context, id int64) (*domain.Series, error) {
	return s.st.Q(ctx).GetSeries(id)
}

// SeriesList lists series in creation order.
func (s *Service) SeriesList(ctx context.Context, p store.Page) ([]*domain.Series, string, error) {
	return s.st.Q(ctx).ListSeries(p)
}

// UpdateSeries applies a partial change. The ordinals of the series' events follow at
// once, as they are derived on reading.
func (s *Service) UpdateSeries(ctx context.Context, id int64, apply func(*domain.Series) error) (*domain.Series, error) {
	var out *domain.Series
	err := s.st.InTx(ctx, func(q *store.Q) error {
		sr, err := q.GetSeries(id)
		if err != nil {
			return err
		}
		before := *sr
		if err := apply(sr); err != nil {
			return err
		}
		sr.ID = id
		if err := prepareSeries(sr); err != nil {
			return err
		}
		if err := q.UpdateSeries(sr); err != nil {
			return err
		}
		out = sr
		return s.audit(ctx, q, "update", "series", id, &before, sr)
	})
	return out, err
}

// prepareSeries fills defaults and validates. The founding date is kept as a calendar
// date (midnight UTC of the day as written): converting "12 January 1722 in Moscow" to
// an instant would land on 11 January in UTC and shift every anniversary by a day.
func prepareSeries(sr *domain.Series) error {
	sr.Name = strings.TrimSpace(sr.Name)
	sr.DefaultTitle = strings.TrimSpace(sr.DefaultTitle)
	if sr.DefaultKind == "" {
		sr.DefaultKind = domain.KindCommemoration
	}
	if !sr.FoundedOn.IsZero() {
		y, m, d := sr.FoundedOn.Date()
		sr.FoundedOn = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	if err := sr.Validate(); err != nil {
		return err
	}
	return domain.First(
		domain.OneOf("default_kind", sr.DefaultKind, domain.KindCommemoration, domain.KindVisit,
			domain.KindConference, domain.KindCeremony, domain.KindMeeting),
		domain.Line("default_title", sr.DefaultTitle, false, 300),
	)
}
