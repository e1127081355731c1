package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Redis client timeouts: short, so that an outage is noticed in a second
// and the service falls back (local cache, local limits) instead of
// holding requests.
const (
	redisDialTimeout = time.Second
	redisIOTimeout   = 500 * time.Millisecond
	redisPoolSize    = 64
	// redisDialRetries and redisDialBackoff make a refused dial fail in
	// tens of milliseconds rather than go-redis's default half second.
	redisDialRetries = 2
	redisDialBackoff = 20 * time.Millisecond
)

// redisConn is the Redis the service uses: the cache tier, the
// invalidation bus and, when external, the shared rate limits.
type redisConn struct {
	client   redis.UniversalClient
	external bool
	describe string
	embedded *miniredis.Miniredis
}

// openRedis connects to the configured Redis, or starts an embedded one on
// a loopback port.
// onDial, when not nil, is told of every dial's outcome (tests wait for
// the first that succeeds after an outage).
func openRedis(ctx context.Context, c Config, onDial func(error)) (*redisConn, error) {
	r := &redisConn{}
	var dialer func(ctx context.Context, network, addr string) (net.Conn, error)
	if onDial != nil {
		dialer = func(ctx context.Context, network, addr string) (net.Conn, error) {
			d := net.Dialer{Timeout: redisDialTimeout, KeepAlive: 5 * time.Minute}
			conn, err := d.DialContext(ctx, network, addr)
			onDial(err)
			return conn, err
		}
	}
	switch {
	case len(c.RedisCluster) > 0:
		r.client = redis.NewClusterClient(&redis.ClusterOptions{
			Addrs:                 c.RedisCluster,
			Dialer:                dialer,
			DialTimeout:           redisDialTimeout,
			ReadTimeout:           redisIOTimeout,
			WriteTimeout:          redisIOTimeout,
			ContextTimeoutEnabled: true,
			PoolSize:              redisPoolSize,
			MaxRetries:            1,
			DialerRetries:         redisDialRetries,
			DialerRetryTimeout:    redisDialBackoff,
		})
		r.external = true
		r.describe = "cluster " + strings.Join(c.RedisCluster, ",")
	default:
		addr := c.Redis
		r.describe = addr
		if addr == "" {
			m := miniredis.NewMiniRedis()
			if err := m.StartAddr("127.0.0.1:0"); err != nil {
				return nil, fmt.Errorf("urlshortener: starting the embedded Redis: %w", err)
			}
			r.embedded = m
			addr = m.Addr()
			r.describe = "embedded miniredis at " + addr
		} else {
			r.external = true
		}
		r.client = redis.NewClient(&redis.Options{
			Addr:                  addr,
			Dialer:                dialer,
			DialTimeout:           redisDialTimeout,
			ReadTimeout:           redisIOTimeout,
			WriteTimeout:          redisIOTimeout,
			ContextTimeoutEnabled: true,
			PoolSize:              redisPoolSize,
			MaxRetries:            1,
			DialerRetries:         redisDialRetries,
			DialerRetryTimeout:    redisDialBackoff,
		})
	}
	if err := r.client.Ping(ctx).Err(); err != nil {
		_ = r.close()
		return nil, fmt.Errorf("urlshortener: Redis at %s: %w", r.describe, err)
	}
	return r, nil
}

// ping reports whether Redis answers.
func (r *redisConn) ping(ctx context.Context) error {
	if cc, ok := r.client.(*redis.ClusterClient); ok {
		return cc.ForEachShard(ctx, func(ctx context.Context, c *redis.Client) error {
			return c.Ping(ctx).Err()
		})
	}
	return r.client.Ping(ctx).Err()
}

func (r *redisConn) close() error {
	err := r.client.Close()
	if r.embedded != nil {
		r.embedded.Close()
	}
	if errors.Is(err, redis.ErrClosed) {
		err = nil
	}
	return err
}
