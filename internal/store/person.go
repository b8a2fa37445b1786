package store

import (
	"errors"
	"slices"
	"strings"
	"unicode"

	"gorm.io/gorm"

	"github.com/attache-app/attache/internal/domain"
)

func personFromRow(r *personRow) *domain.Person {
	return &domain.Person{ID: r.ID, OrganizationID: r.OrganizationID, FullName: r.FullName, Honorific: r.Honorific,
		Email: r.Email, Language: r.Language, Phone: r.Phone, Notes: r.Notes, Names: map[string]domain.PersonName{}}
}

func personToRow(p *domain.Person) *personRow {
	return &personRow{ID: p.ID, OrganizationID: p.OrganizationID, FullName: p.FullName, Honorific: p.Honorific,
		Email: p.Email, Language: p.Language, Phone: p.Phone, Notes: p.Notes}
}

// CreatePerson inserts p with its localized names and sets its ID. Call it inside a
// transaction so that a person is never stored without its names.
func (q *Q) CreatePerson(p *domain.Person) error {
	r := personToRow(p)
	if err := q.db.Create(r).Error; err != nil {
		return translate(err, "person")
	}
	p.ID = r.ID
	return q.insertPersonNames(p)
}

// GetPerson reads one person with their localized names.
func (q *Q) GetPerson(id int64) (*domain.Person, error) {
	var r personRow
	if err := q.db.First(&r, id).Error; err != nil {
		return nil, translate(err, "person")
	}
	p := personFromRow(&r)
	if err := q.loadPersonNames([]*domain.Person{p}); err != nil {
		return nil, err
	}
	return p, nil
}

// GetPeople reads the people with the given ids, names loaded, in one query per table,
// so that callers building a list of members or invitees never query per person. Ids
// that do not exist are absent from the map.
func (q *Q) GetPeople(ids []int64) (map[int64]*domain.Person, error) {
	out := make(map[int64]*domain.Person, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []personRow
	if err := q.db.Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, translate(err, "people")
	}
	list := make([]*domain.Person, len(rows))
	for i := range rows {
		list[i] = personFromRow(&rows[i])
		out[rows[i].ID] = list[i]
	}
	if err := q.loadPersonNames(list); err != nil {
		return nil, err
	}
	return out, nil
}

// UpdatePerson writes every field of p and replaces its localized names with p.Names.
func (q *Q) UpdatePerson(p *domain.Person) error {
	res := q.db.Model(&personRow{ID: p.ID}).
		Select("organization_id", "full_name", "honorific", "email", "language", "phone", "notes", "updated_at").
		Updates(personToRow(p))
	if res.Error != nil {
		return translate(res.Error, "person")
	}
	if res.RowsAffected == 0 {
		return domain.NotFound("person")
	}
	if err := q.db.Where("person_id = ?", p.ID).Delete(&personNameRow{}).Error; err != nil {
		return translate(err, "person names")
	}
	return q.insertPersonNames(p)
}

// DeletePerson removes a person and their names. A person who is still a delegation
// member, head or invitee is a conflict: the foreign keys restrict it.
func (q *Q) DeletePerson(id int64) error {
	res := q.db.Delete(&personRow{}, id)
	if res.Error != nil {
		return restrictConflict(res.Error, "person", "the person is still a member, head or invitee of an event's delegation or invitations")
	}
	if res.RowsAffected == 0 {
		return domain.NotFound("person")
	}
	return nil
}

// sqliteConstraintTrigger is SQLITE_CONSTRAINT_TRIGGER. SQLite enforces ON DELETE
// RESTRICT with an internal trigger and reports a violation with this code, not with
// SQLITE_CONSTRAINT_FOREIGNKEY, so gorm's translator does not see a foreign-key error.
const sqliteConstraintTrigger = 1811

// restrictConflict maps a delete refused by a restricting foreign key, on either
// dialect, to a ConflictError that says what still refers to the row; other errors go
// through translate.
func restrictConflict(err error, what, message string) error {
	var coded interface{ Code() int }
	if errors.Is(err, gorm.ErrForeignKeyViolated) ||
		errors.As(err, &coded) && coded.Code() == sqliteConstraintTrigger && strings.Contains(err.Error(), "FOREIGN KEY") {
		return domainConflict("", "%s can not be deleted: %s", what, message)
	}
	return translate(err, what)
}

func (q *Q) insertPersonNames(p *domain.Person) error {
	if len(p.Names) == 0 {
		return nil
	}
	rows := make([]personNameRow, 0, len(p.Names))
	for _, tag := range p.NameLanguages() {
		n := p.Names[tag]
		rows = append(rows, personNameRow{PersonID: p.ID, Language: tag, FullName: n.FullName, Honorific: n.Honorific, Address: n.Address})
	}
	if err := q.db.Create(&rows).Error; err != nil {
		return translate(err, "person names")
	}
	return nil
}

// loadPersonNames fills Names of every person in one query.
func (q *Q) loadPersonNames(people []*domain.Person) error {
	if len(people) == 0 {
		return nil
	}
	byID := make(map[int64]*domain.Person, len(people))
	ids := make([]int64, len(people))
	for i, p := range people {
		byID[p.ID], ids[i] = p, p.ID
	}
	var rows []personNameRow
	if err := q.db.Where("person_id IN ?", ids).Order("person_id, language").Find(&rows).Error; err != nil {
		return translate(err, "person names")
	}
	for _, r := range rows {
		if p := byID[r.PersonID]; p != nil {
			p.Names[r.Language] = domain.PersonName{FullName: r.FullName, Honorific: r.Honorific, Address: r.Address}
		}
	}
	return nil
}

// PersonFilter narrows ListPeople.
type PersonFilter struct {
	// Search is a substring of the full name, any localized full name or the e-mail;
	// with SearchOrganization also of the name or short name of the person's organization
	// (the directory's one search box).
	Search             string
	SearchOrganization bool
	OrganizationID     *int64
}

// ListPeople returns one page in id order, names loaded: two queries whatever the page
// size.
func (q *Q) ListPeople(f PersonFilter, p Page) ([]*domain.Person, string, error) {
	pq, err := q.idPage(p)
	if err != nil {
		return nil, "", err
	}
	db := pq.db
	if f.OrganizationID != nil {
		db = db.Where("organization_id = ?", *f.OrganizationID)
	}
	if search := strings.TrimSpace(f.Search); search != "" {
		nameSQL, nameArgs := likeAnyCase([]string{"person_names.full_name"}, search)
		ownSQL, ownArgs := likeAnyCase([]string{"people.full_name", "people.email"}, search)
		cond := ownSQL + " OR people.id IN (SELECT person_names.person_id FROM person_names WHERE " + nameSQL + ")"
		args := append(ownArgs, nameArgs...)
		if f.SearchOrganization {
			orgSQL, orgArgs := likeAnyCase([]string{"organizations.name", "organizations.short_name"}, search)
			cond += " OR people.organization_id IN (SELECT organizations.id FROM organizations WHERE " + orgSQL + ")"
			args = append(args, orgArgs...)
		}
		db = db.Where("("+cond+")", args...)
	}
	var rows []personRow
	if err := db.Find(&rows).Error; err != nil {
		return nil, "", translate(err, "people")
	}
	rows, next := trim(rows, p, func(r personRow) []int64 { return []int64{r.ID} })
	out := make([]*domain.Person, len(rows))
	for i := range rows {
		out[i] = personFromRow(&rows[i])
	}
	if err := q.loadPersonNames(out); err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// likeAnyCase builds a case-insensitive substring match of s against any of cols that
// works for Cyrillic on both dialects. LOWER() folds only ASCII in SQLite (and in a
// PostgreSQL database with the C locale), so besides comparing LOWER(col) with the
// lower-cased search, the column is also compared as stored with the search as typed,
// in upper case and in title case ("алиев" finds "Алиев", "АЛИЕВ" and "алиев").
func likeAnyCase(cols []string, s string) (string, []any) {
	lower := "%" + escapeLike(strings.ToLower(s)) + "%"
	var variants []string
	for _, v := range []string{s, strings.ToUpper(s), titleCaseWords(s)} {
		if v != strings.ToLower(s) && !slices.Contains(variants, v) {
			variants = append(variants, v)
		}
	}
	var conds []string
	var args []any
	for _, c := range cols {
		conds = append(conds, "LOWER("+c+") LIKE ? ESCAPE '\\'")
		args = append(args, lower)
		for _, v := range variants {
			conds = append(conds, c+" LIKE ? ESCAPE '\\'")
			args = append(args, "%"+escapeLike(v)+"%")
		}
	}
	return "(" + strings.Join(conds, " OR ") + ")", args
}

// titleCaseWords upper-cases the first letter of each word and lower-cases the rest, as
// names are usually written; a hyphen starts a word ("тер-петросян" → "Тер-Петросян").
func titleCaseWords(s string) string {
	out := []rune(s)
	start := true
	for i, r := range out {
		if start {
			out[i] = unicode.ToUpper(r)
		} else {
			out[i] = unicode.ToLower(r)
		}
		start = unicode.IsSpace(r) || r == '-'
	}
	return string(out)
}
