// Package pool measures backendkit's pool.Pool against jackc/puddle/v2, the
// generic pool under pgx, at the same MaxSize on the same work: acquire a
// resource, increment a counter in it, release it.
//
// Both are used as their documentation shows: puddle.NewPool with a
// Config of Constructor, Destructor and MaxSize, then Acquire(ctx) and
// Release. backendkit-pool has the same configuration, as pool.New(maxSize,
// constructor, pool.Config{Destructor: ...}); backendkit-pool-checked
// also sets MaxLifetime (with jitter), MaxIdleTime and a HealthCheck after a
// second idle, which puddle does not have, and so reads the clock on every
// acquire and release as puddle does for its statistics.
package pool
