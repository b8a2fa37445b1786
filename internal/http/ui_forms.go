package http

// Forms to create and edit organizations, people, venues and rooms, events, sessions,
// delegations and invitations.

func (s *Server) uiFormRoutes(r uiRoutes) {}
