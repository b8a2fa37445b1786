package store

import (
	"github.com/attache-app/attache/internal/domain"
)

func seriesFromRow(r *seriesRow) *domain.Series {
	return &domain.Series{ID: r.ID, Name: r.Name, FoundedOn: r.FoundedOn.UTC(), Timezone: r.Timezone,
		DefaultKind: domain.EventKind(r.DefaultKind), DefaultTitle: r.DefaultTitle}
}

func seriesToRow(s *domain.Series) *seriesRow {
	return &seriesRow{ID: s.ID, Name: s.Name, FoundedOn: s.FoundedOn.UTC(), Timezone: s.Timezone,
		DefaultKind: string(s.DefaultKind), DefaultTitle: s.DefaultTitle}
}

// CreateSeries inserts s and sets its ID.
func (q *Q) CreateSeries(s *domain.Series) error {
	r := seriesToRow(s)
	if err := q.db.Create(r).Error; err != nil {
		return translate(err, "series")
	}
	s.ID = r.ID
	return nil
}

// GetSeries reads one series.
func (q *Q) GetSeries(id int64) (*domain.Series, error) {
	var r seriesRow
	if err := q.db.First(&r, id).Error; err != nil {
		return nil, translate(err, "series")
	}
	return seriesFromRow(&r), nil
}

// UpdateSeries writes every field of s. The ordinals of its events follow, since they
// are derived on reading rather than stored.
func (q *Q) UpdateSeries(s *domain.Series) error {
	res := q.db.Model(&seriesRow{ID: s.ID}).
		Select("name", "founded_on", "timezone", "default_kind", "default_title", "updated_at").
		Updates(seriesToRow(s))
	if res.Error != nil {
		return translate(res.Error, "series")
	}
	if res.RowsAffected == 0 {
		return domain.NotFound("series")
	}
	return nil
}

// ListSeries returns one page of series in id order.
func (q *Q) ListSeries(p Page) ([]*domain.Series, string, error) {
	pq, err := q.idPage(p)
	if err != nil {
		return nil, "", err
	}
	var rows []seriesRow
	if err := pq.db.Find(&rows).Error; err != nil {
		return nil, "", translate(err, "series")
	}
	rows, next := trim(rows, p, func(r seriesRow) []int64 { return []int64{r.ID} })
	out := make([]*domain.Series, len(rows))
	for i := range rows {
		out[i] = seriesFromRow(&rows[i])
	}
	return out, next, nil
}

// seriesByID reads the series of ids in one query, for setting event ordinals.
func (q *Q) seriesByID(ids []int64) (map[int64]*domain.Series, error) {
	out := map[int64]*domain.Series{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []seriesRow
	if err := q.db.Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, translate(err, "series")
	}
	for i := range rows {
		out[rows[i].ID] = seriesFromRow(&rows[i])
	}
	return out, nil
}
