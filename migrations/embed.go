// Package migrations embeds the versioned SQL schema of both dialects. The two folders
// share version numbers: a change is written twice, once per dialect, and a store test
// proves both match the GORM models.
package migrations

import "embed"

// FS holds postgres/*.sql and sqlite/*.sql.
//
//go:embed postgres/*.sql sqlite/*.sql
var FS embed.FS
