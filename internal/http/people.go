package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/service"
)

type personInput struct {
	OrganizationID Optional[int64]       `json:"organization_id"`
	FullName       Optional[string]      `json:"full_name"`
	Honorific      Optional[string]      `json:"honorific"`
	Email          Optional[string]      `json:"email"`
	Language       Optional[string]      `json:"language"`
	Phone          Optional[string]      `json:"phone"`
	Notes          Optional[string]      `json:"notes"`
	Names          Optional[personNames] `json:"names"`
}

// apply copies the fields sent; "names" replaces the whole map, and null clears it.
func (in *personInput) apply(p *domain.Person) error {
	in.OrganizationID.applyPtr(&p.OrganizationID)
	in.FullName.apply(&p.FullName)
	in.Honorific.apply(&p.Honorific)
	in.Email.apply(&p.Email)
	in.Language.apply(&p.Language)
	in.Phone.apply(&p.Phone)
	in.Notes.apply(&p.Notes)
	if in.Names.Set {
		p.Names = map[string]domain.PersonName(in.Names.Value)
	}
	return nil
}

// personNames decodes "names" strictly, like the body around it: Optional decodes its
// value with a plain json.Unmarshal, which would silently drop a misspelt "adress".
type personNames map[string]domain.PersonName

func (n *personNames) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*n = make(personNames, len(raw))
	for _, tag := range slices.Sorted(maps.Keys(raw)) {
		var name domain.PersonName
		dec := json.NewDecoder(bytes.NewReader(raw[tag]))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&name); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				return &fieldError{field: "names." + tag + "." + te.Field, msg: "want " + te.Type.String()}
			}
			return &fieldError{field: "names." + tag, msg: strings.TrimPrefix(err.Error(), "json: ")}
		}
		(*n)[tag] = name
	}
	return nil
}

func (s *Server) createPerson(c echo.Context) error {
	var in personInput
	if err := decode(c, &in); err != nil {
		return err
	}
	p := &domain.Person{}
	_ = in.apply(p)
	if err := s.svc.CreatePerson(c.Request().Context(), p); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, p)
}

func (s *Server) getPerson(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := s.svc.Person(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (s *Server) listPeople(c echo.Context) error {
	p, err := page(c)
	if err != nil {
		return err
	}
	f := service.PersonFilter{Search: c.QueryParam("q")}
	if v := c.QueryParam("organization_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return &badRequest{Field: "organization_id", Message: fmt.Sprintf("organization_id: want a number, got %q", v)}
		}
		f.OrganizationID = &id
	}
	items, next, err := s.svc.People(c.Request().Context(), f, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(items, next))
}

func (s *Server) updatePerson(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in personInput
	if err := decode(c, &in); err != nil {
		return err
	}
	p, err := s.svc.UpdatePerson(c.Request().Context(), id, in.apply)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (s *Server) deletePerson(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.svc.DeletePerson(c.Request().Context(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
