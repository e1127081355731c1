package main

import (
	"errors"

	"github.com/backendkit/backendkit/shortener"
)

// shardStore spreads links over stores by code.
func shardStore(stores []shortener.Store) (shortener.Store, error) {
	return nil, errors.New("several -db need shortener/shardstore, which this build lacks")
}
