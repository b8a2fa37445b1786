package http

// The event page and its actions, progress and exports.

func (s *Server) uiEventRoutes(r uiRoutes) {}
