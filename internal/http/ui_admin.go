package http

// Directory, inbound messages, audit log and users.

func (s *Server) uiAdminRoutes(r uiRoutes) {}
