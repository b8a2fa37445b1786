package calendar

import (
	"testing"
	"time"
)

// BenchmarkEncodeInvitation encodes what the sending path encodes once per e-mailed
// invitation: a REQUEST with one event in Europe/Moscow, its organizer and one attendee.
func BenchmarkEncodeInvitation(b *testing.B) {
	cal := &Calendar{Method: MethodRequest, Events: []Event{meeting(b)}}
	now := time.Date(2020, 12, 20, 9, 30, 0, 0, time.UTC)
	if _, err := Encode(cal, now); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Encode(cal, now); err != nil {
			b.Fatal(err)
		}
	}
}
