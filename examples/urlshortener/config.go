package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
)

// Config is what the command line sets. Its zero value is not usable: the
// defaults are those of ParseFlags.
type Config struct {
	// Addr is the address the HTTP server listens on.
	Addr string
	// BaseURL starts every short_url; empty means http:// and the address
	// the server listens on.
	BaseURL string
	// DBs are the databases: an SQLite file path or a postgres:// DSN
	// each. One is a single store; several are shards of one ring.
	DBs []string
	// Redis is the address of one Redis server; empty with no
	// RedisCluster means an embedded one (miniredis).
	Redis string
	// RedisCluster are the seed addresses of a Redis Cluster.
	RedisCluster []string
	// RedisPrefix starts every Redis key and channel the service uses,
	// so that several deployments (or tests) can share one server.
	RedisPrefix string
	// Codes is how codes are generated: "random" or "counter".
	Codes string
	// CodesKeyFile holds the key of the Feistel permutation that hides a
	// counter's order; empty means SHORTENER_CODES_KEY, and without
	// either the counter's codes are sequential.
	CodesKeyFile string
	// Permanent answers redirects with 301 instead of 302.
	Permanent bool
	// PermanentMaxAge is the longest max-age of a 301, and never past
	// the link's expiry.
	PermanentMaxAge time.Duration
	// AllowPrivateHosts lets links point at private addresses and
	// intranet names.
	AllowPrivateHosts bool
	// CreateRate is the write requests allowed per client per minute,
	// and CreateBurst how many at once; a rate of 0 turns the limit off.
	CreateRate, CreateBurst int
	// RedirectRate is the reads allowed per client per second, and
	// RedirectBurst how many at once; a rate of 0 turns the limit off.
	RedirectRate, RedirectBurst int
	// TrustedProxies is how many proxies' X-Forwarded-For entries to
	// trust for the client's address.
	TrustedProxies int
	// JWTSecretFile holds the HS256 secret; empty means
	// SHORTENER_JWT_SECRET, and without either the write endpoints are
	// open.
	JWTSecretFile string
	// PrintToken prints a one-hour token for the secret and exits.
	PrintToken bool
	// CacheCapacity is the number of links each instance keeps in
	// process.
	CacheCapacity int
	// ShutdownTimeout bounds the graceful shutdown.
	ShutdownTimeout time.Duration
}

// Environment variables that hold secrets, so that they need not be on the
// command line.
const (
	EnvJWTSecret = "SHORTENER_JWT_SECRET"
	EnvCodesKey  = "SHORTENER_CODES_KEY"
)

// Limits of the flags' values.
const (
	minSecretLen = 32
	maxRate      = 1_000_000
)

// listFlag is a flag that may be given several times; each value is kept
// whole, since a PostgreSQL DSN may itself hold commas.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, " ") }

func (l *listFlag) Set(s string) error {
	if s == "" {
		return errors.New("empty value")
	}
	*l = append(*l, s)
	return nil
}

// parseFlags fills a Config from args; output is where -h writes.
func parseFlags(args []string, output io.Writer) (Config, error) {
	var c Config
	var dbs, cluster listFlag
	fs := flag.NewFlagSet("urlshortener", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "`host:port` to listen on")
	fs.StringVar(&c.BaseURL, "base-url", "", "`URL` every short_url starts with (default http://<addr>)")
	fs.Var(&dbs, "db", "SQLite file or postgres:// DSN; repeat it to shard links across databases (default urlshortener.db)")
	fs.StringVar(&c.Redis, "redis", "", "`host:port` of a Redis server (default: an embedded one)")
	fs.Var(&cluster, "redis-cluster", "`host:port` of a Redis Cluster seed; repeatable")
	fs.StringVar(&c.RedisPrefix, "redis-prefix", "urlshortener:", "`prefix` of every Redis key and channel")
	fs.StringVar(&c.Codes, "codes", "random", "code generation: random or counter (blocks from the database)")
	fs.StringVar(&c.CodesKeyFile, "codes-key-file", "", "`file` with the key (16+ bytes) that hides the counter's order (or $"+EnvCodesKey+")")
	fs.BoolVar(&c.Permanent, "permanent", false, "answer redirects with 301 and a max-age, instead of 302")
	fs.DurationVar(&c.PermanentMaxAge, "permanent-max-age", 24*time.Hour, "longest max-age of a 301")
	fs.BoolVar(&c.AllowPrivateHosts, "allow-private-hosts", false, "allow links to private addresses and intranet names")
	fs.IntVar(&c.CreateRate, "create-rate", 10, "write requests per client per minute; 0 turns the limit off")
	fs.IntVar(&c.CreateBurst, "create-burst", 5, "write requests per client at once")
	fs.IntVar(&c.RedirectRate, "redirect-rate", 100, "redirects and reads per client per second; 0 turns the limit off")
	fs.IntVar(&c.RedirectBurst, "redirect-burst", 200, "redirects and reads per client at once")
	fs.IntVar(&c.TrustedProxies, "trusted-proxies", 0, "proxy hops to trust in X-Forwarded-For")
	fs.StringVar(&c.JWTSecretFile, "jwt-secret-file", "", "`file` with the HS256 secret (32+ bytes) that write endpoints require (or $"+EnvJWTSecret+")")
	fs.BoolVar(&c.PrintToken, "print-token", false, "print a token valid for one hour for the secret, and exit")
	fs.IntVar(&c.CacheCapacity, "cache-capacity", 100_000, "links kept in process")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 10*time.Second, "how long a graceful shutdown may take")
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("urlshortener: unexpected argument %q", fs.Arg(0))
	}
	c.DBs, c.RedisCluster = dbs, cluster
	if len(c.DBs) == 0 {
		c.DBs = []string{"urlshortener.db"}
	}
	if err := c.validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// validate reports the first setting the service cannot run with.
func (c *Config) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("urlshortener: "+format, args...)
	}
	switch {
	case c.Addr == "":
		return bad("-addr is empty")
	case c.Redis != "" && len(c.RedisCluster) > 0:
		return bad("-redis and -redis-cluster exclude each other")
	case c.Codes != "random" && c.Codes != "counter":
		return bad("-codes must be random or counter, not %q", c.Codes)
	case c.PermanentMaxAge < time.Second:
		return bad("-permanent-max-age must be at least 1s")
	case c.CreateRate < 0 || c.CreateRate > maxRate || c.CreateBurst < 1 || c.CreateBurst > maxRate:
		return bad("-create-rate must be between 0 and %d, -create-burst between 1 and %[1]d", maxRate)
	case c.RedirectRate < 0 || c.RedirectRate > maxRate || c.RedirectBurst < 1 || c.RedirectBurst > maxRate:
		return bad("-redirect-rate must be between 0 and %d, -redirect-burst between 1 and %[1]d", maxRate)
	case c.TrustedProxies < 0 || c.TrustedProxies > 16:
		return bad("-trusted-proxies must be between 0 and 16")
	case c.CacheCapacity < 1:
		return bad("-cache-capacity must be at least 1")
	case c.ShutdownTimeout <= 0:
		return bad("-shutdown-timeout must be positive")
	case strings.ContainsAny(c.RedisPrefix, "{}"):
		return bad("-redis-prefix must not contain braces")
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			return bad("-base-url must be an absolute http(s) URL without credentials, query or fragment")
		}
		c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	}
	return nil
}
