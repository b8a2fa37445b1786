package store

import (
	"strings"

	"github.com/attache-app/attache/internal/domain"
)

// ChoiceLimit caps the lists the officer forms offer to choose from (organizations,
// people, venues), so that no form can make the server read a whole table of any size.
const ChoiceLimit = 5000

// ChoiceOrganizations returns organizations by name, for the forms' selects: one query.
func (q *Q) ChoiceOrganizations() ([]*domain.Organization, error) {
	var rows []organizationRow
	if err := q.db.Order("name, id").Limit(ChoiceLimit).Find(&rows).Error; err != nil {
		return nil, translate(err, "organizations")
	}
	out := make([]*domain.Organization, len(rows))
	for i := range rows {
		out[i] = orgFromRow(&rows[i])
	}
	return out, nil
}

// ChoicePeople returns people by name without their localized names, for the forms'
// selects and checkbox lists: one query. orgID narrows to one organization's people;
// extra adds these people whatever their organization (a delegation's current members).
func (q *Q) ChoicePeople(orgID *int64, extra []int64) ([]*domain.Person, error) {
	db := q.db.Order("full_name, id").Limit(ChoiceLimit)
	switch {
	case orgID != nil && len(extra) > 0:
		db = db.Where("organization_id = ? OR id IN ?", *orgID, extra)
	case orgID != nil:
		db = db.Where("organization_id = ?", *orgID)
	}
	var rows []personRow
	if err := db.Find(&rows).Error; err != nil {
		return nil, translate(err, "people")
	}
	out := make([]*domain.Person, len(rows))
	for i := range rows {
		out[i] = personFromRow(&rows[i])
	}
	return out, nil
}

// VenueWithRooms is a venue and its rooms in id order.
type VenueWithRooms struct {
	Venue *domain.Venue
	Rooms []*domain.Room
}

// ChoiceVenues returns venues by name with their rooms, in two queries however many
// there are; search narrows by name or city as ListVenues does.
func (q *Q) ChoiceVenues(search string) ([]VenueWithRooms, error) {
	db := q.db.Order("name, id").Limit(ChoiceLimit)
	if s := strings.TrimSpace(search); s != "" {
		cond, args := likeAnyCase([]string{"name", "city"}, s)
		db = db.Where(cond, args...)
	}
	var vrows []venueRow
	if err := db.Find(&vrows).Error; err != nil {
		return nil, translate(err, "venues")
	}
	if len(vrows) == 0 {
		return nil, nil
	}
	out := make([]VenueWithRooms, len(vrows))
	byID := make(map[int64]int, len(vrows))
	ids := make([]int64, len(vrows))
	for i := range vrows {
		out[i].Venue = venueFromRow(&vrows[i])
		byID[vrows[i].ID], ids[i] = i, vrows[i].ID
	}
	var rrows []roomRow
	if err := q.db.Where("venue_id IN ?", ids).Order("venue_id, name, id").Find(&rrows).Error; err != nil {
		return nil, translate(err, "rooms")
	}
	for i := range rrows {
		v := &out[byID[rrows[i].VenueID]]
		v.Rooms = append(v.Rooms, roomFromRow(&rrows[i]))
	}
	return out, nil
}
