package service

import "context"

// LoadDemo loads the reference scenario; see demo_data.go.
func (s *Service) LoadDemo(ctx context.Context) (string, error) {
	return "", nil
}
