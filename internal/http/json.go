package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/attache-app/attache/internal/service"
)

// decode reads a JSON body strictly: unknown fields and trailing data are a 400 naming
// the problem, so a typo in a field name is never silently ignored.
func decode(c echo.Context, v any) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge, "request body too large")
		}
		return &badRequest{Message: "could not read the request body"}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return &badRequest{Message: "the body holds more than one JSON value"}
	}
	return nil
}

func jsonError(err error) error {
	var (
		te *json.UnmarshalTypeError
		se *json.SyntaxError
		fe *fieldError
	)
	switch {
	case errors.As(err, &fe):
		return &badRequest{Field: fe.field, Message: fmt.Sprintf("%s: %s", fe.field, fe.msg)}
	case errors.As(err, &te):
		field := te.Field
		return &badRequest{Field: field, Message: fmt.Sprintf("%s: want %s", field, te.Type.String())}
	case errors.As(err, &se):
		return &badRequest{Message: fmt.Sprintf("malformed JSON at byte %d", se.Offset)}
	case errors.Is(err, io.EOF):
		return &badRequest{Message: "the request body is empty; send a JSON object"}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &badRequest{Field: field, Message: fmt.Sprintf("unknown field %q", field)}
	}
	return &badRequest{Message: "malformed JSON: " + err.Error()}
}

// fieldError is returned by custom unmarshalers (times) to name the field.
type fieldError struct{ field, msg string }

func (e *fieldError) Error() string { return e.field + ": " + e.msg }

// list is the shape of every collection response.
type list[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

func listOf[T any](items []T, next string) list[T] {
	if items == nil {
		items = []T{}
	}
	l := list[T]{Items: items}
	if next != "" {
		l.NextCursor = &next
	}
	return l
}

// page reads limit and cursor; limit is capped by the store.
func page(c echo.Context) (service.Page, error) {
	p := service.Page{Cursor: c.QueryParam("cursor")}
	if l := c.QueryParam("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			return p, &badRequest{Field: "limit", Message: "limit: want a positive whole number"}
		}
		p.Limit = n
	}
	return p, nil
}

// pathID reads a numeric path parameter; anything else is 404, as ids are numeric.
func pathID(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id < 1 {
		return 0, echo.NewHTTPError(http.StatusNotFound, "not found")
	}
	return id, nil
}
