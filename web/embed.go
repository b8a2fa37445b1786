// Package web holds Attaché's HTML templates and static files (CSS, small scripts),
// embedded in the binary so that a release is one file and pages can not drift from
// the code that fills them.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:templates static
var files embed.FS

// Templates is the templates folder: pages, their layouts and partials, and mail templates.
func Templates() fs.FS { return sub("templates") }

// Static is the static folder, served at /static/.
func Static() fs.FS { return sub("static") }

func sub(dir string) fs.FS {
	f, err := fs.Sub(files, dir)
	if err != nil {
		panic("web: " + err.Error()) // the folder is embedded above: can not happen
	}
	return f
}
