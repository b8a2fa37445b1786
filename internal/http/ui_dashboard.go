package http

import (
	"math"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/attache-app/attache/internal/service"
)

// dashboardLimit is how many upcoming events the dashboard lists.
const dashboardLimit = 50

type dashboardRow struct {
	service.EventSummary
	// DaysLeft to the RSVP deadline (negative once passed); HasDeadline false without one.
	DaysLeft    int
	HasDeadline bool
}

type dashboardPage struct {
	uiPage
	Events []dashboardRow
}

// dashboard lists the upcoming events with their date in their own zone, the answers so
// far and the days left to the RSVP deadline.
func (s *Server) dashboard(c echo.Context) error {
	sums, err := s.svc.Upcoming(c.Request().Context(), dashboardLimit)
	if err != nil {
		return err
	}
	now := time.Now()
	p := dashboardPage{uiPage: s.page(c, "dashboard", "ui.dashboard.title")}
	for _, e := range sums {
		row := dashboardRow{EventSummary: e}
		if d := e.Event.RSVPDeadline; d != nil {
			row.HasDeadline = true
			row.DaysLeft = int(math.Ceil(d.Sub(now).Hours() / 24))
		}
		p.Events = append(p.Events, row)
	}
	return s.render(c, http.StatusOK, "dashboard.html", p)
}
