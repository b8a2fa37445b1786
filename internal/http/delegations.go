package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/attache-app/attache/internal/domain"
)

type delegationInput struct {
	OrganizationID Optional[int64]             `json:"organization_id"`
	HeadPersonID   Optional[int64]             `json:"head_person_id"`
	Members        Optional[delegationMembers] `json:"members"`
	SizeLimit      Optional[int]               `json:"size_limit"`
	ArrivalAt      Optional[string]            `json:"arrival_at"`
	DepartureAt    Optional[string]            `json:"departure_at"`
	Accommodation  Optional[string]            `json:"accommodation"`
	LiaisonOfficer Optional[string]            `json:"liaison_officer"`
	Precedence     Optional[int]               `json:"precedence"`
}

// apply copies the fields sent; "members" replaces the whole list (null empties it, and
// the head, if any, is put back by the service).
func (in *delegationInput) apply(d *domain.Delegation) error {
	in.OrganizationID.apply(&d.OrganizationID)
	in.HeadPersonID.applyPtr(&d.HeadPersonID)
	if in.Members.Set {
		d.Members = []domain.DelegationMember(in.Members.Value)
	}
	in.SizeLimit.apply(&d.SizeLimit)
	in.Accommodation.apply(&d.Accommodation)
	in.LiaisonOfficer.apply(&d.LiaisonOfficer)
	in.Precedence.apply(&d.Precedence)
	if err := applyInstantPtr("arrival_at", in.ArrivalAt, &d.ArrivalAt); err != nil {
		return err
	}
	return applyInstantPtr("departure_at", in.DepartureAt, &d.DepartureAt)
}

// delegationMembers decodes "members" strictly, like the body around it, so that a
// misspelt "person" is a 400 rather than a member without a person.
type delegationMembers []domain.DelegationMember

func (m *delegationMembers) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return &fieldError{field: "members", msg: "want an array of {person_id, role}"}
	}
	*m = make(delegationMembers, len(raw))
	for i, v := range raw {
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&(*m)[i]); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				return &fieldError{field: "members." + te.Field, msg: "want " + te.Type.String()}
			}
			return &fieldError{field: "members", msg: strings.TrimPrefix(err.Error(), "json: ")}
		}
	}
	return nil
}

func (s *Server) createDelegation(c echo.Context) error {
	eventID, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in delegationInput
	if err := decode(c, &in); err != nil {
		return err
	}
	d := &domain.Delegation{EventID: eventID}
	if err := in.apply(d); err != nil {
		return err
	}
	if err := s.svc.CreateDelegation(c.Request().Context(), d); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, d)
}

func (s *Server) getDelegation(c echo.Context) error {
	eventID, id, err := delegationPath(c)
	if err != nil {
		return err
	}
	d, err := s.svc.Delegation(c.Request().Context(), eventID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

func (s *Server) listDelegations(c echo.Context) error {
	eventID, err := pathID(c, "id")
	if err != nil {
		return err
	}
	items, err := s.svc.Delegations(c.Request().Context(), eventID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(items, ""))
}

func (s *Server) updateDelegation(c echo.Context) error {
	eventID, id, err := delegationPath(c)
	if err != nil {
		return err
	}
	var in delegationInput
	if err := decode(c, &in); err != nil {
		return err
	}
	d, err := s.svc.UpdateDelegation(c.Request().Context(), eventID, id, in.apply)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

func (s *Server) deleteDelegation(c echo.Context) error {
	eventID, id, err := delegationPath(c)
	if err != nil {
		return err
	}
	if err := s.svc.DeleteDelegation(c.Request().Context(), eventID, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// delegationPath reads /events/:id/delegations/:did.
func delegationPath(c echo.Context) (eventID, id int64, err error) {
	if eventID, err = pathID(c, "id"); err != nil {
		return 0, 0, err
	}
	id, err = pathID(c, "did")
	return eventID, id, err
}
