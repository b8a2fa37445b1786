package store

import (
	"github.com/attache-app/attache/internal/domain"
	"strings"
)

func orgFromRow(r *organizationRow) *domain.Organization {
	return &domain.Organization{ID: r.ID, Name: r.Name, ShortName: r.ShortName, CountryCode: r.CountryCode, Kind: domain.OrganizationKind(r.Kind)}
}

func orgToRow(o *domain.Organization) *organizationRow {
	return &organizationRow{ID: o.ID, Name: o.Name, ShortName: o.ShortName, CountryCode: o.CountryCode, Kind: string(o.Kind)}
}

// CreateOrganization inserts o and sets its ID.
func (q *Q) CreateOrganization(o *domain.Organization) error {
	r := orgToRow(o)
	if err := q.db.Create(r).Error; err != nil {
		return translate(err, "organization")
	}
	o.ID = r.ID
	return nil
}

// GetOrganization reads one organization.
func (q *Q) GetOrganization(id int64) (*domain.Organization, error) {
	var r organizationRow
	if err := q.db.First(&r, id).Error; err != nil {
		return nil, translate(err, "organization")
	}
	return orgFromRow(&r), nil
}

// UpdateOrganization writes every field of o.
func (q *Q) UpdateOrganization(o *domain.Organization) error {
	res := q.db.Model(&organizationRow{ID: o.ID}).Select("name", "short_name", "country_code", "kind", "updated_at").Updates(orgToRow(o))
	if res.Error != nil {
		return translate(res.Error, "organization")
	}
	if res.RowsAffected == 0 {
		return domain.NotFound("organization")
	}
	return nil
}

// DeleteOrganization removes an organization that nothing refers to.
func (q *Q) DeleteOrganization(id int64) error {
	res := q.db.Delete(&organizationRow{}, id)
	if res.Error != nil {
		return translate(res.Error, "organization")
	}
	if res.RowsAffected == 0 {
		return domain.NotFound("organization")
	}
	return nil
}

// OrganizationFilter narrows ListOrganizations.
type OrganizationFilter struct {
	// Search is a substring of the name, short name or country code, in any case and
	// script (likeAnyCase): the API's q and the web directory.
	Search string
}

// ListOrganizations returns one page in id order.
func (q *Q) ListOrganizations(f OrganizationFilter, p Page) ([]*domain.Organization, string, error) {
	pq, err := q.idPage(p)
	if err != nil {
		return nil, "", err
	}
	db := pq.db
	if search := strings.TrimSpace(f.Search); search != "" {
		cond, args := likeAnyCase([]string{"name", "short_name", "country_code"}, search)
		db = db.Where(cond, args...)
	}
	var rows []organizationRow
	if err := db.Find(&rows).Error; err != nil {
		return nil, "", translate(err, "organizations")
	}
	rows, next := trim(rows, p, func(r organizationRow) []int64 { return []int64{r.ID} })
	out := make([]*domain.Organization, len(rows))
	for i := range rows {
		out[i] = orgFromRow(&rows[i])
	}
	return out, next, nil
}

// MissingOrganization returns the first of ids that does not exist, or 0.
func (q *Q) MissingOrganization(ids []int64) (int64, error) {
	return q.missing("organizations", ids)
}
