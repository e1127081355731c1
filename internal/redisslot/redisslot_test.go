package redisslot_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/backendkit/backendkit/internal/redisslot"
)

// The specification's example: CRC16 of "123456789" is 0x31C3. The other
// slots are what CLUSTER KEYSLOT answers on redis-server 7.
func TestOf(t *testing.T) {
	for key, want := range map[string]uint16{
		"123456789":     0x31C3,
		"foo":           12182,
		"{foo}.bar":     12182,
		"a{foo}b{x}":    12182,
		"{user1000}.a":  redisslot.Of("user1000"),
		"foo{{bar}}zap": redisslot.Of("{bar"),
	} {
		assert.Equal(t, want, redisslot.Of(key), "Of(%q)", key)
	}
	assert.NotEqual(t, redisslot.Of("bar"), redisslot.Of("foo{}{bar}"), "an empty first tag hashes the whole key")
}
