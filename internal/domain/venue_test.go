package domain

import (
	"errors"
	"testing"
)

func TestVenueValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(v *Venue)
		field string // "" when valid
	}{
		{"valid", func(*Venue) {}, ""},
		{"Cyrillic name", func(v *Venue) {
			v.Name = "Генеральная прокуратура Российской Федерации"
		}, ""},
		{"UTC", func(v *Venue) { v.Timezone = "UTC" }, ""},
		{"three-part zone", func(v *Venue) { v.Timezone = "America/Argentina/Buenos_Aires" }, ""},
		{"missing name", func(v *Venue) { v.Name = "" }, "name"},
		{"line break in name", func(v *Venue) { v.Name = "Hall\r\nX-Injected: 1" }, "name"},
		{"line break in address", func(v *Venue) { v.Address = "ul. Bolshaya Dmitrovka, 15a\nMoscow" }, "address"},
		{"missing timezone", func(v *Venue) { v.Timezone = "" }, "timezone"},
		{"Local", func(v *Venue) { v.Timezone = "Local" }, "timezone"},
		{"abbreviation MSK", func(v *Venue) { v.Timezone = "MSK" }, "timezone"},
		{"abbreviation EST", func(v *Venue) { v.Timezone = "EST" }, "timezone"},
		{"offset", func(v *Venue) { v.Timezone = "+03:00" }, "timezone"},
		{"misspelt zone", func(v *Venue) { v.Timezone = "Europe/Moskva" }, "timezone"},
		{"path traversal", func(v *Venue) { v.Timezone = "Europe/../../etc/passwd" }, "timezone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Venue{Name: " Prosecutor General's Office ", Address: "ul. Bolshaya Dmitrovka, 15a", City: "Moscow", Timezone: "Europe/Moscow"}
			tt.edit(&v)
			v.Normalize()
			venueCheckField(t, v.Validate(), tt.field)
		})
	}
}

func TestRoomValidate(t *testing.T) {
	tests := []struct {
		name  string
		room  Room
		field string
	}{
		{"valid", Room{Name: "Колонный зал", Capacity: 120}, ""},
		{"capacity unknown", Room{Name: "Hall B"}, ""},
		{"missing name", Room{Name: " ", Capacity: 10}, "name"},
		{"line break in name", Room{Name: "Hall\nB"}, "name"},
		{"negative capacity", Room{Name: "Hall B", Capacity: -1}, "capacity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			venueCheckField(t, tt.room.Validate(), tt.field)
		})
	}
}

// venueCheckField fails unless err is nil (field "") or a ValidationError on field.
func venueCheckField(t *testing.T, err error, field string) {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Fatalf("Validate() = %v, want nil", err)
		}
		return
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Validate() = %v, want a ValidationError on %s", err, field)
	}
	if ve.Field != field {
		t.Fatalf("error on %q (%v), want %q", ve.Field, err, field)
	}
}
