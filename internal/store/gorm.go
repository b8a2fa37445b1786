package store

import "gorm.io/gorm"

// Gorm is the writer's GORM handle. Tests use it to read the migrated schema with the
// same naming strategy as the models; application code goes through Q and InTx.
func (s *Store) Gorm() *gorm.DB { return s.w }
