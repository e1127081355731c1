package main

import (
	"github.com/backendkit/backendkit/shortener"
	"github.com/backendkit/backendkit/shortener/shardstore"
)

// shardStore spreads links over stores by code on sharding's ring. A
// shard is placed by its name, the -db value without its password, so
// the flags may be given in any order but each must be written the same
// way on every instance and across restarts.
func shardStore(stores []shortener.Store, names []string) (shortener.Store, error) {
	shards := make([]shardstore.Shard, len(stores))
	for i, st := range stores {
		shards[i] = shardstore.Shard{Name: names[i], Store: st}
	}
	return shardstore.New(shards, shardstore.Config{})
}
