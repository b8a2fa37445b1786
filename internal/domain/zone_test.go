package domain

import (
	"testing"
	"time"
)

func TestLoadZone(t *testing.T) {
	a, err := LoadZone("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := LoadZone("Europe/Moscow")
	if a != b {
		t.Fatal("the zone was loaded twice")
	}
	if _, err := LoadZone("Mars/Olympus_Mons"); err == nil {
		t.Fatal("an unknown zone loaded")
	}
	if got := ZoneOr("Mars/Olympus_Mons", time.UTC); got != time.UTC {
		t.Fatalf("fallback: %v", got)
	}
}
