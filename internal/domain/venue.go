package domain

import "strings"

// Venue is a building where events happen; its timezone is the default for events there.
type Venue struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Address  string `json:"address"`
	City     string `json:"city"`
	Timezone string `json:"timezone"`
}

// Normalize trims text fields.
func (v *Venue) Normalize() {
	v.Name = strings.TrimSpace(v.Name)
	v.Address = strings.TrimSpace(v.Address)
	v.City = strings.TrimSpace(v.City)
}

// Validate checks the venue's fields.
func (v *Venue) Validate() error {
	if err := First(
		Line("name", v.Name, true, 300),
		Line("address", v.Address, false, 500),
		Line("city", v.City, false, 200),
	); err != nil {
		return err
	}
	_, err := Timezone("timezone", v.Timezone)
	return err
}

// Room is a room of a venue; a room can host one session at a time.
type Room struct {
	ID       int64  `json:"id"`
	VenueID  int64  `json:"venue_id"`
	Name     string `json:"name"`
	Capacity int    `json:"capacity"`
}

// Validate checks the room's fields.
func (r *Room) Validate() error {
	r.Name = strings.TrimSpace(r.Name)
	if err := Line("name", r.Name, true, 200); err != nil {
		return err
	}
	if r.Capacity < 0 {
		return Invalid("capacity", "must not be negative")
	}
	return nil
}
