package http

import (
	"fmt"
	"strings"
	"testing"
)

func TestAuditDiff(t *testing.T) {
	long := strings.Repeat("я", auditMaxValue+5)
	for _, tc := range []struct {
		name, before, after string
		want                string
	}{
		{"update", `{"a":1,"b":"x","c":[1, 2]}`, `{"a":1,"b":"y","c":[1,2]}`, `[{b "x" "y"}]`},
		{"create skips empty fields", ``, `{"name":"N","note":"","ids":[],"at":null,"n":0}`, `[{name  "N"}]`},
		{"delete", `{"name":"N","ok":false}`, ``, `[{name "N" }]`},
		{"added and removed keys", `{"a":1}`, `{"b":2}`, `[{a 1 } {b  2}]`},
		{"not objects", `[1]`, `[2]`, `[{ [1] [2]}]`},
		{"same", `{"a":1}`, `{ "a" : 1 }`, `[]`},
		{"long value cut", ``, `{"s":"` + long + `"}`, `[{s  "` + strings.Repeat("я", auditMaxValue-1) + `…}]`},
	} {
		got := fmt.Sprint(auditDiff(tc.before, tc.after))
		if tc.want == "[]" && got == "[]" {
			continue
		}
		if got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}
