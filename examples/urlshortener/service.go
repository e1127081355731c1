package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/backendkit/backendkit/cache"
	"github.com/backendkit/backendkit/shortener"
)

// routeWords are the first path segments of the service's own routes,
// reserved so that no alias or generated code can shadow one.
var routeWords = []string{"api", "v1", "healthz", "readyz", "metrics", "links", "static", "qr"}

// counterBlock is how many ids the counter takes from the database at a
// time: one UPDATE per this many links, and at most this many ids lost
// when the process stops.
const counterBlock = 100

func newAliases() (*shortener.Aliases, error) {
	return shortener.NewAliases(shortener.AliasConfig{Reserved: routeWords})
}

// newService builds the shortener over st and the cache tier.
func newService(st shortener.Store, tier cache.Tier[shortener.Link], codes *shortener.Issuer,
	ownHosts []string, c Config, now func() time.Time) (*shortener.Service, error) {
	urls, err := shortener.NewURLValidator(shortener.URLConfig{OwnHosts: ownHosts, AllowPrivate: c.AllowPrivateHosts})
	if err != nil {
		return nil, fmt.Errorf("urlshortener: the service's own hosts: %w", err)
	}
	aliases, err := newAliases()
	if err != nil {
		return nil, fmt.Errorf("urlshortener: %w", err)
	}
	svc, err := shortener.NewService(st, shortener.ServiceConfig{
		URLs: urls, Aliases: aliases, Codes: codes, Tier: tier, Now: now,
	})
	if err != nil {
		return nil, fmt.Errorf("urlshortener: %w", err)
	}
	return svc, nil
}

// codes returns the issuer of generated codes (nil: the Service's random
// default) and how it makes them, for the start-up log.
func (m *Main) codes(ctx context.Context, be *backend) (*shortener.Issuer, string, error) {
	if m.Config.Codes == "random" {
		return nil, fmt.Sprintf("random, %d characters from crypto/rand", shortener.DefaultCodeLen), nil
	}
	if be.blocks == nil {
		return nil, "", errors.New("urlshortener: -codes counter needs a database that hands out blocks")
	}
	key, err := m.codesKey()
	if err != nil {
		return nil, "", err
	}
	var cfg shortener.CounterConfig
	desc := fmt.Sprintf("counter, blocks of %d from the database, sequential (no key for the Feistel permutation)", counterBlock)
	if key != nil {
		if cfg.Obfuscator, err = shortener.NewFeistel(key, shortener.FeistelConfig{Domain: 3_521_614_606_208}); err != nil { // 62^7
			return nil, "", fmt.Errorf("urlshortener: codes key: %w", err)
		}
		desc = fmt.Sprintf("counter, blocks of %d from the database, obfuscated by a keyed Feistel permutation", counterBlock)
	}
	counter, err := shortener.NewCounter(be.blocks, counterBlock, cfg)
	if err != nil {
		return nil, "", fmt.Errorf("urlshortener: %w", err)
	}
	aliases, err := newAliases()
	if err != nil {
		return nil, "", fmt.Errorf("urlshortener: %w", err)
	}
	st := be.store
	taken := func(ctx context.Context, code string) (bool, error) {
		_, err := st.Get(ctx, code)
		switch {
		case err == nil, errors.Is(err, shortener.ErrGone):
			return true, nil
		case errors.Is(err, shortener.ErrNotFound):
			return false, nil
		}
		return false, err
	}
	issuer, err := shortener.NewIssuer(counter, taken, shortener.IssuerConfig{Aliases: aliases})
	if err != nil {
		return nil, "", fmt.Errorf("urlshortener: %w", err)
	}
	return issuer, desc, nil
}

// codesKey returns the Feistel key, nil when none is configured.
func (m *Main) codesKey() ([]byte, error) {
	if m.Config.CodesKeyFile != "" {
		b, err := os.ReadFile(m.Config.CodesKeyFile)
		if err != nil {
			return nil, fmt.Errorf("urlshortener: reading -codes-key-file: %w", err)
		}
		return []byte(strings.TrimRight(string(b), "\r\n")), nil
	}
	if k := m.getenv(EnvCodesKey); k != "" {
		return []byte(k), nil
	}
	return nil, nil
}
