package ratelimit

import (
	"fmt"
	"time"
)

// Baseline is the guide's answer to "Implement a rate limiter", ported from
// its Python as written, so that its flaws can be measured rather than
// described:
//
//	class RateLimiter:
//	    def __init__(self, requests_per_second):
//	        self.requests_per_second = requests_per_second
//	        self.requests = defaultdict(list)
//
//	    def is_allowed(self, user_id):
//	        current_time = time()
//	        user_requests = self.requests[user_id]
//	        while user_requests and user_requests[0] <= current_time - 1:
//	            user_requests.pop(0)
//	        if len(user_requests) < self.requests_per_second:
//	            user_requests.append(current_time)
//	            return True
//	        return False
//
// It is a sliding-window log over one second and decides as [SlidingLog]
// does, but:
//
//   - list.pop(0) shifts the whole list, so each expired request costs
//     O(limit) (BenchmarkSteadyState shows a call growing about 290 times
//     dearer from limit=10 to limit=100000, 68 ns to 19 931 ns, where the
//     ring buffer of SlidingLog stays near 90 ns);
//   - it keeps a list for every user it has ever seen, including empty
//     ones, so memory grows with the number of users forever;
//   - it has no lock, so concurrent use is a data race: it is NOT safe for
//     concurrent use, and its tests and benchmarks never share it;
//   - it stores float seconds from the wall clock, which can step.
//
// Use [Keyed] over a [SlidingLog], [SlidingWindow] or [GCRA] instead.
//
// Build one with [NewBaseline]: the methods of a zero Baseline (or a nil
// one) panic with an error wrapping [ErrNotInitialized], where the guide's
// code would write to a nil map.
type Baseline struct {
	requestsPerSecond int
	requests          map[string][]float64
}

// NewBaseline returns the guide's rate limiter, admitting
// requestsPerSecond requests per user in any second. It returns an error
// wrapping [ErrInvalidConfig] when requestsPerSecond is below 1.
func NewBaseline(requestsPerSecond int) (*Baseline, error) {
	if requestsPerSecond < 1 {
		return nil, fmt.Errorf("%w: requests per second %d must be at least 1", ErrInvalidConfig, requestsPerSecond)
	}
	return &Baseline{requestsPerSecond: requestsPerSecond, requests: map[string][]float64{}}, nil
}

// IsAllowed is is_allowed: it reports whether userID may make a request
// now, and records it if so.
func (b *Baseline) IsAllowed(userID string) bool {
	if b == nil || b.requests == nil {
		panic(errBaselineZero)
	}
	return b.IsAllowedAt(time.Now(), userID)
}

// IsAllowedAt is IsAllowed at the given instant, for tests.
func (b *Baseline) IsAllowedAt(now time.Time, userID string) bool {
	if b == nil || b.requests == nil {
		panic(errBaselineZero)
	}
	currentTime := float64(now.UnixNano()) / 1e9
	userRequests := b.requests[userID] // defaultdict: looking a user up adds it
	for len(userRequests) > 0 && userRequests[0] <= currentTime-1 {
		userRequests = popFront(userRequests)
	}
	if len(userRequests) < b.requestsPerSecond {
		userRequests = append(userRequests, currentTime)
		b.requests[userID] = userRequests
		return true
	}
	b.requests[userID] = userRequests
	return false
}

// Users returns how many users the limiter holds a list for.
func (b *Baseline) Users() int {
	if b == nil || b.requests == nil {
		panic(errBaselineZero)
	}
	return len(b.requests)
}

// popFront is Python's list.pop(0): it moves every remaining element one
// place forward.
func popFront(s []float64) []float64 {
	copy(s, s[1:])
	return s[:len(s)-1]
}
