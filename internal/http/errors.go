package http

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/attache-app/attache/internal/domain"
)

// apiError is the JSON error body of the API: {"error":{"code","message","field"}}.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// badRequest is a malformed request (not JSON, wrong type, unknown field).
type badRequest struct {
	Field   string
	Message string
}

func (e *badRequest) Error() string { return e.Message }

// handleError maps domain and echo errors to a status and a client-safe body, once for
// the whole server. Only 5xx are logged in full; their bodies carry no internal detail.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var (
		status = http.StatusInternalServerError
		body   = apiError{Code: "internal", Message: "internal error"}
		ve     *domain.ValidationError
		ce     *domain.ConflictError
		br     *badRequest
		he     *echo.HTTPError
	)
	switch {
	case errors.As(err, &ve):
		status, body = http.StatusUnprocessableEntity, apiError{Code: "invalid", Message: ve.Error(), Field: ve.Field}
	case errors.As(err, &br):
		status, body = http.StatusBadRequest, apiError{Code: "bad_request", Message: br.Message, Field: br.Field}
	case errors.As(err, &ce):
		status, body = http.StatusConflict, apiError{Code: "conflict", Message: ce.Message, Field: ce.Field}
	case errors.Is(err, domain.ErrConflict):
		status, body = http.StatusConflict, apiError{Code: "conflict", Message: "conflict"}
	case errors.Is(err, domain.ErrNotFound):
		status, body = http.StatusNotFound, apiError{Code: "not_found", Message: "not found"}
	case errors.Is(err, domain.ErrUnauthorized):
		status, body = http.StatusUnauthorized, apiError{Code: "unauthorized", Message: "a valid Authorization: Bearer token is required"}
	case errors.Is(err, domain.ErrForbidden):
		status, body = http.StatusForbidden, apiError{Code: "forbidden", Message: "your role may not do this"}
	case errors.As(err, &he):
		status = he.Code
		body = apiError{Code: codeFor(he.Code), Message: http.StatusText(he.Code)}
		if m, ok := he.Message.(string); ok && status < 500 {
			body.Message = m
		}
	}
	if status >= 500 {
		s.log.ErrorContext(c.Request().Context(), "request failed", "route", c.Path(), "status", status, "err", err)
	}
	if status == http.StatusUnauthorized {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="attache"`)
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	if htmlErrors(c) { // the delegate's pages are read in a browser: answer with a page
		s.writeErrorPage(c, status, body.Message)
		return
	}
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	c.Response().WriteHeader(status)
	_ = json.NewEncoder(c.Response()).Encode(map[string]apiError{"error": body})
}

func codeFor(status int) string {
	switch status {
	case http.StatusNotFound:
		return "not_found"
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusRequestEntityTooLarge:
		return "too_large"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusTooManyRequests:
		return "rate_limited"
	case http.StatusServiceUnavailable:
		return "unavailable"
	}
	if status >= 500 {
		return "internal"
	}
	return "bad_request"
}
