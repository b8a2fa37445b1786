package domain

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDelegationNormalize(t *testing.T) {
	head := int64(1)
	tests := []struct {
		name string
		in   Delegation
		want []DelegationMember
	}{
		{"no head, no members", Delegation{}, []DelegationMember{}},
		{"head left out is put first as head",
			Delegation{HeadPersonID: &head, Members: []DelegationMember{{PersonID: 2, Role: RoleAdviser}}},
			[]DelegationMember{{PersonID: 1, Role: RoleHead}, {PersonID: 2, Role: RoleAdviser}}},
		{"head already listed is kept where it is",
			Delegation{HeadPersonID: &head, Members: []DelegationMember{{PersonID: 2}, {PersonID: 1, Role: RoleHead}}},
			[]DelegationMember{{PersonID: 2, Role: RoleMember}, {PersonID: 1, Role: RoleHead}}},
		{"head listed without a role becomes head",
			Delegation{HeadPersonID: &head, Members: []DelegationMember{{PersonID: 2}, {PersonID: 1}}},
			[]DelegationMember{{PersonID: 2, Role: RoleMember}, {PersonID: 1, Role: RoleHead}}},
		{"missing role becomes member",
			Delegation{Members: []DelegationMember{{PersonID: 3}}},
			[]DelegationMember{{PersonID: 3, Role: RoleMember}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.in
			d.Normalize()
			if !reflect.DeepEqual(d.Members, tt.want) {
				t.Fatalf("members = %v, want %v", d.Members, tt.want)
			}
		})
	}
}

func TestDelegationValidate(t *testing.T) {
	one, two, nine := int64(1), int64(2), int64(9)
	arrive := time.Date(2021, 1, 11, 9, 0, 0, 0, time.UTC)
	leave := arrive.Add(48 * time.Hour)
	tests := []struct {
		name  string
		edit  func(d *Delegation)
		field string // "" when valid
	}{
		{"valid", func(*Delegation) {}, ""},
		{"head only, added by Normalize", func(d *Delegation) { d.Members = nil }, ""},
		{"no head", func(d *Delegation) { d.HeadPersonID, d.Members = nil, []DelegationMember{{PersonID: 2}} }, ""},
		{"size limit met exactly", func(d *Delegation) { d.SizeLimit = 3 }, ""},
		{"arrival and departure", func(d *Delegation) { d.ArrivalAt, d.DepartureAt = &arrive, &leave }, ""},
		{"missing organization", func(d *Delegation) { d.OrganizationID = 0 }, "organization_id"},
		{"size limit exceeded", func(d *Delegation) { d.SizeLimit = 2 }, "members"},
		{"negative size limit", func(d *Delegation) { d.SizeLimit = -1 }, "size_limit"},
		{"member without person", func(d *Delegation) { d.Members = append(d.Members, DelegationMember{Role: RoleMember}) }, "members"},
		{"member listed twice", func(d *Delegation) { d.Members = append(d.Members, DelegationMember{PersonID: 2, Role: RoleSecurity}) }, "members"},
		{"unknown role", func(d *Delegation) { d.Members[1].Role = "driver" }, "members.role"},
		{"a second head", func(d *Delegation) { d.Members[1].Role = RoleHead }, "members"},
		{"head role on someone not the head", func(d *Delegation) { d.HeadPersonID = &two; d.Members[1].Role = RoleMember }, "members"},
		{"head role without a head", func(d *Delegation) { d.HeadPersonID = nil }, "members"},
		{"departure before arrival", func(d *Delegation) { d.ArrivalAt, d.DepartureAt = &leave, &arrive }, "departure_at"},
		{"line break in accommodation", func(d *Delegation) { d.Accommodation = "Hotel\r\nBcc: x@evil.test" }, "accommodation"},
		{"liaison officer too long", func(d *Delegation) { d.LiaisonOfficer = strings.Repeat("a", 201) }, "liaison_officer"},
		{"head listed with another role", func(d *Delegation) { d.Members[0].Role = RoleAdviser }, "members"},
		{"head not a member (Normalize skipped)", func(d *Delegation) { d.HeadPersonID = &nine; d.Members[0].Role = RoleMember }, "head_person_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Delegation{OrganizationID: 7, HeadPersonID: &one, Members: []DelegationMember{
				{PersonID: 1, Role: RoleHead}, {PersonID: 2, Role: RoleAdviser}, {PersonID: 3, Role: RoleInterpreter}}}
			tt.edit(&d)
			if tt.field != "head_person_id" {
				d.Normalize()
			}
			delegationCheckField(t, d.Validate(), tt.field)
		})
	}
}

func TestDelegationNormalizeTimes(t *testing.T) {
	yerevan := time.FixedZone("Asia/Yerevan", 4*3600)
	arrive := time.Date(2021, 1, 11, 15, 30, 0, 0, yerevan)
	d := Delegation{ArrivalAt: &arrive}
	d.Normalize()
	if d.ArrivalAt.Location() != time.UTC || !d.ArrivalAt.Equal(arrive) || d.DepartureAt != nil {
		t.Fatalf("arrival = %v, departure = %v", d.ArrivalAt, d.DepartureAt)
	}
}

func TestDelegationHasMember(t *testing.T) {
	d := Delegation{Members: []DelegationMember{{PersonID: 1}, {PersonID: 2}}}
	for id, want := range map[int64]bool{1: true, 2: true, 3: false, 0: false} {
		if got := d.HasMember(id); got != want {
			t.Errorf("HasMember(%d) = %v, want %v", id, got, want)
		}
	}
}

// delegationCheckField fails unless err is nil (field "") or a ValidationError on field.
func delegationCheckField(t *testing.T, err error, field string) {
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
