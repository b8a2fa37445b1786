package store

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/attache-app/attache/internal/domain"
)

// Page limits: a caller asking for more than MaxLimit gets MaxLimit, so no request can
// make the server read a whole table.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// Page asks for one page of a list: at most Limit items after Cursor.
type Page struct {
	Limit  int
	Cursor string
}

// Size is the effective page size.
func (p Page) Size() int {
	switch {
	case p.Limit <= 0:
		return DefaultLimit
	case p.Limit > MaxLimit:
		return MaxLimit
	}
	return p.Limit
}

// EncodeCursor makes an opaque cursor from the sort key of the last item returned.
func EncodeCursor(parts ...int64) string {
	s := make([]string, len(parts))
	for i, p := range parts {
		s[i] = strconv.FormatInt(p, 10)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(s, ":")))
}

// DecodeCursor reads a cursor made by EncodeCursor with n parts.
func DecodeCursor(c string, n int) ([]int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, domain.Invalid("cursor", "is not a cursor returned by this list")
	}
	parts := strings.Split(string(raw), ":")
	if len(parts) != n {
		return nil, domain.Invalid("cursor", "is not a cursor returned by this list")
	}
	out := make([]int64, n)
	for i, p := range parts {
		if out[i], err = strconv.ParseInt(p, 10, 64); err != nil {
			return nil, domain.Invalid("cursor", "is not a cursor returned by this list")
		}
	}
	return out, nil
}

// idPage applies keyset pagination by id to q and returns the rows' query.
func (q *Q) idPage(p Page) (*Q, error) {
	db := q.db.Order("id").Limit(p.Size() + 1)
	if p.Cursor != "" {
		c, err := DecodeCursor(p.Cursor, 1)
		if err != nil {
			return nil, err
		}
		db = db.Where("id > ?", c[0])
	}
	return &Q{db: db, dialect: q.dialect}, nil
}

// trim cuts the extra row fetched to learn whether another page exists and returns the
// cursor for it.
func trim[T any](rows []T, p Page, key func(T) []int64) ([]T, string) {
	if len(rows) <= p.Size() {
		return rows, ""
	}
	rows = rows[:p.Size()]
	return rows, EncodeCursor(key(rows[len(rows)-1])...)
}
