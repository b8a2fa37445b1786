package domain

import "time"

// MemberRole is a person's role within a delegation.
type MemberRole string

// Member roles.
const (
	RoleHead        MemberRole = "head"
	RoleMember      MemberRole = "member"
	RoleAdviser     MemberRole = "adviser"
	RoleInterpreter MemberRole = "interpreter"
	RoleSecurity    MemberRole = "security"
)

// DelegationMember is one person in a delegation.
type DelegationMember struct {
	PersonID int64      `json:"person_id"`
	Role     MemberRole `json:"role"`
}

// Delegation is an organization's party at an event: its head, members and logistics.
type Delegation struct {
	ID             int64              `json:"id"`
	EventID        int64              `json:"event_id"`
	OrganizationID int64              `json:"organization_id"`
	HeadPersonID   *int64             `json:"head_person_id"`
	Members        []DelegationMember `json:"members"`
	SizeLimit      int                `json:"size_limit"`
	ArrivalAt      *time.Time         `json:"arrival_at"`
	DepartureAt    *time.Time         `json:"departure_at"`
	Accommodation  string             `json:"accommodation"`
	LiaisonOfficer string             `json:"liaison_officer"`
	Precedence     int                `json:"precedence"`
}

// Normalize puts the head among the members (as head) when the caller named a head but
// left them out of the list, which is how officers usually fill the form. A listed member
// without a role is a member, or the head when they are head_person_id. Times become UTC.
func (d *Delegation) Normalize() {
	d.ArrivalAt, d.DepartureAt = instantUTC(d.ArrivalAt), instantUTC(d.DepartureAt)
	if d.Members == nil {
		d.Members = []DelegationMember{}
	}
	for i := range d.Members {
		if d.Members[i].Role == "" {
			d.Members[i].Role = RoleMember
			if d.HeadPersonID != nil && d.Members[i].PersonID == *d.HeadPersonID {
				d.Members[i].Role = RoleHead
			}
		}
	}
	if d.HeadPersonID == nil {
		return
	}
	for _, m := range d.Members {
		if m.PersonID == *d.HeadPersonID {
			return
		}
	}
	d.Members = append([]DelegationMember{{PersonID: *d.HeadPersonID, Role: RoleHead}}, d.Members...)
}

// Validate checks the delegation: the head is a member with the role head, nobody is
// listed twice, at most one head, and the size limit (0 = none) holds.
func (d *Delegation) Validate() error {
	if d.OrganizationID == 0 {
		return Invalid("organization_id", "is required")
	}
	if err := First(
		Line("accommodation", d.Accommodation, false, 500),
		Line("liaison_officer", d.LiaisonOfficer, false, 200),
	); err != nil {
		return err
	}
	if d.SizeLimit < 0 {
		return Invalid("size_limit", "must not be negative")
	}
	seen := map[int64]bool{}
	heads := 0
	for _, m := range d.Members {
		if m.PersonID == 0 {
			return Invalid("members", "every member needs a person_id")
		}
		if seen[m.PersonID] {
			return Invalid("members", "person %d is listed twice", m.PersonID)
		}
		seen[m.PersonID] = true
		if err := OneOf("members.role", m.Role, RoleHead, RoleMember, RoleAdviser, RoleInterpreter, RoleSecurity); err != nil {
			return err
		}
		if m.Role == RoleHead {
			heads++
			if d.HeadPersonID == nil || *d.HeadPersonID != m.PersonID {
				return Invalid("members", "person %d has the role head but is not head_person_id", m.PersonID)
			}
		}
	}
	if heads > 1 {
		return Invalid("members", "a delegation has one head")
	}
	if d.HeadPersonID != nil && !seen[*d.HeadPersonID] {
		return Invalid("head_person_id", "the head must be a member of the delegation")
	}
	if d.HeadPersonID != nil && heads == 0 {
		return Invalid("members", "person %d is head_person_id and must have the role head", *d.HeadPersonID)
	}
	if d.SizeLimit > 0 && len(d.Members) > d.SizeLimit {
		return Invalid("members", "the delegation is limited to %d people, got %d", d.SizeLimit, len(d.Members))
	}
	if d.ArrivalAt != nil && d.DepartureAt != nil && !d.DepartureAt.After(*d.ArrivalAt) {
		return Invalid("departure_at", "must be after arrival_at")
	}
	return nil
}

// HasMember reports whether the person belongs to the delegation.
func (d *Delegation) HasMember(personID int64) bool {
	for _, m := range d.Members {
		if m.PersonID == personID {
			return true
		}
	}
	return false
}
