package http

import (
	"time"

	"github.com/labstack/echo/v4"

	"github.com/attache-app/attache/internal/domain"
)

// parseInstant reads an RFC 3339 time with its offset ("2021-01-12T11:00:00+03:00" or
// "…Z"). A time without an offset is refused rather than guessed: the server's own zone
// means nothing to a protocol office in another country. A bad value is a 422 naming the
// field.
func parseInstant(field, v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, domain.Invalid(field, "must be an RFC 3339 time with offset, such as 2021-01-12T11:00:00+03:00")
	}
	return t, nil
}

// parseDay reads a calendar date as YYYY-MM-DD or as an RFC 3339 time, keeping the day
// as written (midnight UTC of that day), whatever the offset.
func parseDay(field, v string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		if t, err = time.Parse(time.RFC3339, v); err != nil {
			return time.Time{}, domain.Invalid(field, "must be a date such as 1722-01-12")
		}
	}
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
}

// applyInstant parses a present time field into dst; null clears it to zero, which
// validation then reports as missing.
func applyInstant(field string, o Optional[string], dst *time.Time) error {
	switch {
	case !o.Set:
		return nil
	case o.Null:
		*dst = time.Time{}
		return nil
	}
	t, err := parseInstant(field, o.Value)
	if err != nil {
		return err
	}
	*dst = t
	return nil
}

// applyInstantPtr parses a present optional time field into dst; null clears it.
func applyInstantPtr(field string, o Optional[string], dst **time.Time) error {
	switch {
	case !o.Set:
		return nil
	case o.Null:
		*dst = nil
		return nil
	}
	t, err := parseInstant(field, o.Value)
	if err != nil {
		return err
	}
	*dst = &t
	return nil
}

// queryInstant reads an optional RFC 3339 query parameter; absent is the zero time.
func queryInstant(c echo.Context, name string) (time.Time, error) {
	v := c.QueryParam(name)
	if v == "" {
		return time.Time{}, nil
	}
	return parseInstant(name, v)
}

// eventInZone returns a copy of e with every time shown in the event's own timezone, as
// its guests read it; the instants are unchanged.
func eventInZone(e *domain.Event) *domain.Event {
	loc := e.Location()
	out := *e
	out.StartsAt, out.EndsAt = e.StartsAt.In(loc), e.EndsAt.In(loc)
	out.CreatedAt, out.UpdatedAt = e.CreatedAt.In(loc), e.UpdatedAt.In(loc)
	if e.RSVPDeadline != nil {
		d := e.RSVPDeadline.In(loc)
		out.RSVPDeadline = &d
	}
	return &out
}

// sessionInZone returns a copy of s with its times in loc, its event's timezone.
func sessionInZone(s *domain.Session, loc *time.Location) *domain.Session {
	out := *s
	out.StartsAt, out.EndsAt = s.StartsAt.In(loc), s.EndsAt.In(loc)
	return &out
}

// serverSet is a field the server assigns (uid, sequence, ordinal…). Sending it is a 422
// naming the field rather than a silent ignore, so a client never believes it changed a
// UID or typed an anniversary number.
type serverSet struct{ set bool }

// UnmarshalJSON records that the field was sent.
func (f *serverSet) UnmarshalJSON([]byte) error {
	f.set = true
	return nil
}

func (f serverSet) check(field string) error {
	if f.set {
		return domain.Invalid(field, "is set by the server and can not be written")
	}
	return nil
}
