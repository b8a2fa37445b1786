package store

import (
	"strings"

	"github.com/attache-app/attache/internal/domain"
)

func venueFromRow(r *venueRow) *domain.Venue {
	return &domain.Venue{ID: r.ID, Name: r.Name, Address: r.Address, City: r.City, Timezone: r.Timezone}
}

func venueToRow(v *domain.Venue) *venueRow {
	return &venueRow{ID: v.ID, Name: v.Name, Address: v.Address, City: v.City, Timezone: v.Timezone}
}

func roomFromRow(r *roomRow) *domain.Room {
	return &domain.Room{ID: r.ID, VenueID: r.VenueID, Name: r.Name, Capacity: r.Capacity}
}

func roomToRow(r *domain.Room) *roomRow {
	return &roomRow{ID: r.ID, VenueID: r.VenueID, Name: r.Name, Capacity: r.Capacity}
}

// CreateVenue inserts v and sets its ID.
func (q *Q) CreateVenue(v *domain.Venue) error {
	r := venueToRow(v)
	if err := q.db.Create(r).Error; err != nil {
		return translate(err, "venue")
	}
	v.ID = r.ID
	return nil
}

// GetVenue reads one venue.
func (q *Q) GetVenue(id int64) (*domain.Venue, error) {
	var r venueRow
	if err := q.db.First(&r, id).Error; err != nil {
		return nil, translate(err, "venue")
	}
	return venueFromRow(&r), nil
}

// UpdateVenue writes every field of v.
func (q *Q) UpdateVenue(v *domain.Venue) error {
	res := q.db.Model(&venueRow{ID: v.ID}).Select("name", "address", "city", "timezone", "updated_at").Updates(venueToRow(v))
	if res.Error != nil {
		return translate(res.Error, "venue")
	}
	if res.RowsAffected == 0 {
		return domain.NotFound("venue")
	}
	return nil
}

// DeleteVenue removes a venue and, by cascade, its rooms. A venue an event refers to,
// or whose room a session uses, is a conflict: the foreign keys restrict it.
func (q *Q) DeleteVenue(id int64) error {
	res := q.db.Delete(&venueRow{}, id)
	if res.Error != nil {
		return restrictConflict(res.Error, "venue", "an event takes place there, or a session is held in one of its rooms")
	}
	if res.RowsAffected == 0 {
		return domain.NotFound("venue")
	}
	return nil
}

// VenueFilter narrows ListVenues.
type VenueFilter struct {
	Search string // substring of name or city, case-insensitive (Cyrillic too)
}

// ListVenues returns one page in id order.
func (q *Q) ListVenues(f VenueFilter, p Page) ([]*domain.Venue, string, error) {
	pq, err := q.idPage(p)
	if err != nil {
		return nil, "", err
	}
	db := pq.db
	if search := strings.TrimSpace(f.Search); search != "" {
		cond, args := likeAnyCase([]string{"name", "city"}, search)
		db = db.Where(cond, args...)
	}
	var rows []venueRow
	if err := db.Find(&rows).Error; err != nil {
		return nil, "", translate(err, "venues")
	}
	rows, next := trim(rows, p, func(r venueRow) []int64 { return []int64{r.ID} })
	out := make([]*domain.Venue, len(rows))
	for i := range rows {
		out[i] = venueFromRow(&rows[i])
	}
	return out, next, nil
}

// CreateRoom inserts r and sets its ID; r.VenueID must exist.
func (q *Q) CreateRoom(r *domain.Room) error {
	row := roomToRow(r)
	if err := q.db.Create(row).Error; err != nil {
		return translate(err, "room")
	}
	r.ID = row.ID
	return nil
}

// GetRoom reads one room, whatever its venue.
func (q *Q) GetRoom(id int64) (*domain.Room, error) {
	var r roomRow
	if err := q.db.First(&r, id).Error; err != nil {
		return nil, translate(err, "room")
	}
	return roomFromRow(&r), nil
}

// UpdateRoom writes the name and capacity of r; a room never moves to another venue.
func (q *Q) UpdateRoom(r *domain.Room) error {
	res := q.db.Model(&roomRow{ID: r.ID}).Select("name", "capacity", "updated_at").Updates(roomToRow(r))
	if res.Error != nil {
		return translate(res.Error, "room")
	}
	if res.RowsAffected == 0 {
		return domain.NotFound("room")
	}
	return nil
}

// DeleteRoom removes a room no session uses; one still in use is a conflict.
func (q *Q) DeleteRoom(id int64) error {
	res := q.db.Delete(&roomRow{}, id)
	if res.Error != nil {
		return restrictConflict(res.Error, "room", "a session is held there")
	}
	if res.RowsAffected == 0 {
		return domain.NotFound("room")
	}
	return nil
}

// ListRooms returns one page of a venue's rooms in id order.
func (q *Q) ListRooms(venueID int64, p Page) ([]*domain.Room, string, error) {
	pq, err := q.idPage(p)
	if err != nil {
		return nil, "", err
	}
	var rows []roomRow
	if err := pq.db.Where("venue_id = ?", venueID).Find(&rows).Error; err != nil {
		return nil, "", translate(err, "rooms")
	}
	rows, next := trim(rows, p, func(r roomRow) []int64 { return []int64{r.ID} })
	out := make([]*domain.Room, len(rows))
	for i := range rows {
		out[i] = roomFromRow(&rows[i])
	}
	return out, next, nil
}

// VenueRooms returns every room of a venue in id order; a venue has a handful, so no
// paging. Deleting a venue uses it to record the rooms that go with it.
func (q *Q) VenueRooms(venueID int64) ([]*domain.Room, error) {
	var rows []roomRow
	if err := q.db.Where("venue_id = ?", venueID).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, "rooms")
	}
	out := make([]*domain.Room, len(rows))
	for i := range rows {
		out[i] = roomFromRow(&rows[i])
	}
	return out, nil
}
