package main

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/backendkit/backendkit/internal/problem"
	"github.com/backendkit/backendkit/ratelimit"
	"github.com/backendkit/backendkit/ratelimit/redislimit"
)

// Limiter settings.
const (
	// limiterKeys bounds the clients an in-process limiter remembers.
	limiterKeys = 100_000
	// limiterTimeout bounds a Redis-backed decision; past it the local
	// fallback decides.
	limiterTimeout = 200 * time.Millisecond
)

// limit returns the rate-limit middleware of one policy: limit requests
// per period per client, burst at once. On an external Redis the state is
// shared by every instance (redislimit), with the in-process limiter as
// the fallback while Redis does not answer, so an outage neither opens the
// service to floods nor refuses everyone; on the embedded Redis, which no
// other instance sees, it is the in-process limiter alone. A limit of 0
// turns the policy off.
func (a *app) limit(policy string, limit int, per time.Duration, burst int) (func(http.Handler) http.Handler, error) {
	if limit == 0 {
		return func(h http.Handler) http.Handler { return h }, nil
	}
	tmpl, err := ratelimit.NewGCRA(limit, per, burst)
	if err != nil {
		return nil, fmt.Errorf("urlshortener: %s limit: %w", policy, err)
	}
	local, err := ratelimit.NewKeyed(tmpl, ratelimit.KeyedConfig{MaxKeys: limiterKeys})
	if err != nil {
		return nil, fmt.Errorf("urlshortener: %s limit: %w", policy, err)
	}
	a.closers = append(a.closers, local.Close)
	var lim ratelimit.Limiter = local
	if a.redis.external {
		lim, err = redislimit.NewGCRA(a.redis.client, limit, per, burst, redislimit.Config{
			Prefix:   a.cfg.RedisPrefix + "ratelimit:" + policy + ":",
			Timeout:  limiterTimeout,
			Policy:   redislimit.FallBack,
			Fallback: local,
		})
		if err != nil {
			return nil, fmt.Errorf("urlshortener: %s limit: %w", policy, err)
		}
	}
	mw, err := ratelimit.Middleware(ratelimit.MiddlewareConfig{
		Limiter:        lim,
		Policy:         policy,
		TrustedProxies: a.cfg.TrustedProxies,
		WriteError: func(w http.ResponseWriter, r *http.Request, status int, err error) {
			a.metrics.refusals.WithLabelValues(policy, strconv.Itoa(status)).Inc()
			detail := "too many requests; retry after the time Retry-After gives"
			if !errors.Is(err, ratelimit.ErrLimited) {
				detail = "the rate limiter could not decide; retry later"
				a.log.Warn("rate limiter failed", "policy", policy, "err", err)
			}
			problem.Status(w, r, status, detail)
		},
	})
	if err != nil {
		return nil, fmt.Errorf("urlshortener: %s limit: %w", policy, err)
	}
	return mw, nil
}
