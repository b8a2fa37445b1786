package http

import (
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// perAddressLimit lets each client address make at most perMinute requests in any
// sliding minute through the routes it guards, and answers the next with 429 and
// Retry-After (security.md row 1: guessing secret links by volume). Each call makes a
// budget of its own, so /rsvp/ and /feeds/ do not share one.
//
// The counts live in this process's memory: with several `attache serve` instances
// behind a balancer, each keeps its own, and an address may make perMinute requests to
// each. That still bounds guessing to a rate no 128-bit secret notices; a global limit
// would belong in the database or in the proxy.
//
// The address is the connection's peer unless the server was given an IPExtractor
// (echo.Echo.IPExtractor) for a trusted proxy: forwarding headers sent by a client
// would otherwise let it pick a new address for every request. IPv6 clients are
// counted per /64, the block one subscriber usually holds.
func (s *Server) perAddressLimit(perMinute int) echo.MiddlewareFunc {
	w := newSlidingWindow(perMinute, time.Minute, time.Now)
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: w,
		IdentifierExtractor: func(c echo.Context) (string, error) {
			return s.clientKey(c), nil
		},
		DenyHandler: func(c echo.Context, id string, err error) error {
			wait := w.retryAfter(id)
			c.Response().Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
			return echo.NewHTTPError(http.StatusTooManyRequests, "too many requests; try again later")
		},
	})
}

// clientKey is the rate limit's identity of the caller: the peer address (or the trusted
// proxy's view of it), IPv6 reduced to its /64.
func (s *Server) clientKey(c echo.Context) string {
	var ip string
	if s.Echo.IPExtractor != nil {
		ip = c.RealIP()
	} else {
		ip = echo.ExtractIPDirect()(c.Request())
	}
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	addr = addr.Unmap()
	if addr.Is6() {
		if p, err := addr.Prefix(64); err == nil {
			return p.String()
		}
	}
	return addr.String()
}

// slidingWindow counts each key's allowed requests over the last window: it keeps their
// times (at most limit per key), so that the limit holds in every window, not only in
// fixed minutes (a fixed window lets 2×limit through around its edge). Refused requests
// are not counted, so a client that waits gets through again. Keys idle for a whole
// window are dropped as others arrive, which bounds memory by the addresses seen in the
// last window.
type slidingWindow struct {
	mu        sync.Mutex
	limit     int
	window    time.Duration
	now       func() time.Time
	hits      map[string][]int64 // unix nanoseconds of allowed requests, oldest first
	lastSweep int64
}

func newSlidingWindow(limit int, window time.Duration, now func() time.Time) *slidingWindow {
	if limit < 1 {
		limit = 1
	}
	return &slidingWindow{limit: limit, window: window, now: now, hits: map[string][]int64{}}
}

// Allow implements middleware.RateLimiterStore.
func (w *slidingWindow) Allow(key string) (bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.now().UnixNano()
	from := now - int64(w.window)
	w.sweep(now, from)
	times := dropBefore(w.hits[key], from)
	if len(times) >= w.limit {
		w.hits[key] = times
		return false, nil
	}
	w.hits[key] = append(times, now)
	return true, nil
}

// retryAfter is how long until key may make another request.
func (w *slidingWindow) retryAfter(key string) time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.now().UnixNano()
	times := dropBefore(w.hits[key], now-int64(w.window))
	if len(times) < w.limit {
		return 0
	}
	return time.Duration(times[len(times)-w.limit] + int64(w.window) - now)
}

// sweep drops idle keys, at most once per window.
func (w *slidingWindow) sweep(now, from int64) {
	if now-w.lastSweep < int64(w.window) {
		return
	}
	w.lastSweep = now
	for k, times := range w.hits {
		if len(times) == 0 || times[len(times)-1] <= from {
			delete(w.hits, k)
		}
	}
}

// dropBefore removes the times at or before from; times is sorted.
func dropBefore(times []int64, from int64) []int64 {
	i := 0
	for i < len(times) && times[i] <= from {
		i++
	}
	if i == 0 {
		return times
	}
	// Copy down rather than reslice, so the backing array does not creep forward and grow.
	n := copy(times, times[i:])
	return times[:n]
}
