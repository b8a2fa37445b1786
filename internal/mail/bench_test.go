package mail

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// The transport alone (encoding included) against a go-smtp sink in this process that
// discards what it reads, so the figures are the client's and the loopback's cost, not a
// real server's. The baseline (prebuilt messages over one reused go-mail
// connection) is BenchmarkBaselineGoMail in internal/jobs, beside the whole path. Run:
//
//	go test -run x -bench . -benchtime 2000x ./internal/mail/

// benchMessages are n distinct invitations (each its own Message-ID).
func benchMessages(n int) []*Message {
	out := make([]*Message, n)
	for i := range out {
		m := invitation()
		m.MessageID = MessageID(int64(i+1), KindInvitation, 0, 0, "attache.test")
		out[i] = m
	}
	return out
}

func BenchmarkTransportSMTP(b *testing.B) {
	for _, conns := range []int{1, 4} {
		b.Run(fmt.Sprintf("conns=%d", conns), func(b *testing.B) {
			sink := &backend{discard: true}
			tr := smtpTo(b, startServer(b, sink, "none"), "none", SMTPOptions{MaxConnections: conns})
			msgs := benchMessages(b.N)
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			for range conns { // one sender per connection, as the job workers would be
				wg.Go(func() {
					for {
						i := next.Add(1) - 1
						if i >= int64(len(msgs)) {
							return
						}
						if err := tr.Send(context.Background(), msgs[i]); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
			if got := sink.delivered.Load(); got != int32(b.N) {
				b.Fatalf("sink received %d of %d", got, b.N)
			}
			if got := sink.sessions.Load(); got > int32(conns) {
				b.Fatalf("%d connections, want at most %d", got, conns)
			}
		})
	}
}

// BenchmarkEncode is the transport's share that the baseline does not pay: building the
// go-mail message (header encoding) and Encode's fixed order and boundaries.
func BenchmarkEncode(b *testing.B) {
	m := invitation()
	var n int
	for b.Loop() {
		raw, err := m.Encode()
		if err != nil {
			b.Fatal(err)
		}
		n = len(raw)
	}
	b.ReportMetric(float64(n), "bytes/msg")
}
