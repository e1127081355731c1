package rediscache

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/backendkit/backendkit/cache"
	"github.com/backendkit/backendkit/internal/redisslot"
)

// The package's sentinel errors; every error it returns wraps one.
var (
	// ErrInvalidConfig is wrapped by the error a constructor returns for
	// arguments or a configuration it cannot honour.
	ErrInvalidConfig = errors.New("rediscache: invalid configuration")
	// ErrNotInitialized is what a method of a zero value returns, wrapped
	// in an error that names the type, such as "rediscache: Tier used
	// without NewTier".
	ErrNotInitialized = errors.New("rediscache: used without its constructor")
	// ErrCodec wraps a codec's error. A value that cannot be decoded is
	// deleted from Redis, never served as a zero value.
	ErrCodec = errors.New("rediscache: codec failed")
	// ErrRedis wraps an error from Redis (a command, a script, the
	// connection).
	ErrRedis = errors.New("rediscache: redis failed")
	// ErrClosed is returned by a Bus or TwoTier used after Close.
	ErrClosed = errors.New("rediscache: closed")
)

type notInitialized string

func (e notInitialized) Error() string {
	return "rediscache: " + string(e) + " used without New" + string(e)
}

func (notInitialized) Unwrap() error { return ErrNotInitialized }

var (
	errTierZero    error = notInitialized("Tier")
	errStoreZero   error = notInitialized("Store")
	errBusZero     error = notInitialized("Bus")
	errTwoTierZero error = notInitialized("TwoTier")
)

func redisErr(op string, err error) error { return fmt.Errorf("%w: %s: %w", ErrRedis, op, err) }

// Codec turns values into bytes and back. Implementations must be safe for
// concurrent use.
type Codec[V any] interface {
	Marshal(v V) ([]byte, error)
	Unmarshal(data []byte) (V, error)
}

// JSON is the default Codec: encoding/json.
type JSON[V any] struct{}

// Marshal encodes v as JSON.
func (JSON[V]) Marshal(v V) ([]byte, error) { return json.Marshal(v) }

// Unmarshal decodes JSON into a V.
func (JSON[V]) Unmarshal(data []byte) (V, error) {
	var v V
	err := json.Unmarshal(data, &v)
	return v, err
}

// checkPrefix refuses a prefix that would decide the keys' hash slot.
func checkPrefix(prefix string) error {
	if strings.ContainsAny(prefix, "{}") {
		return fmt.Errorf("%w: prefix must not contain braces, got %q", ErrInvalidConfig, prefix)
	}
	return nil
}

// keyspace names the Redis keys of one prefix. A cache key k is stored at
// prefix+"v{"+k+"}" and its fill lease at prefix+"l{"+k+"}": the same hash
// tag, so one script may touch both on a Redis Cluster. A key that is
// empty or holds a '}' (which would end the tag early) is tagged by its
// hash instead and follows the tag in full; a tag is at prefix+"t{"+tag+"}".
type keyspace string

func (p keyspace) tagged(kind, k string) string {
	if k == "" || strings.IndexByte(k, '}') >= 0 {
		h := fnv.New64a()
		h.Write([]byte(k))
		return string(p) + kind + "{#" + hex.EncodeToString(h.Sum(nil)) + "}" + k
	}
	return string(p) + kind + "{" + k + "}"
}

func (p keyspace) value(k string) string { return p.tagged("v", k) }
func (p keyspace) lease(k string) string { return p.tagged("l", k) }
func (p keyspace) tag(t string) string   { return p.tagged("t", t) }

// slot returns the Redis Cluster hash slot of key.
func slot(key string) uint16 { return redisslot.Of(key) }

// isCluster reports whether c spreads keys over slots.
func isCluster(c redis.UniversalClient) bool {
	_, ok := c.(*redis.ClusterClient)
	return ok
}

// The stored form of an entry: a header, then the codec's bytes.
//
//	byte 0      format version (1)
//	byte 1      flags: bit 0 = negative entry
//	bytes 2-9   Expires, Unix ns, big-endian
//	bytes 10-17 Delta, ns
//	uvarint n, then n varints: the versions of the key's tags at load start
//	the rest    the value, encoded by the codec (empty for a negative entry)
const envelopeVersion = 1

func encode[V any](codec Codec[V], e cache.Entry[V], versions []int64) ([]byte, error) {
	buf := make([]byte, 18, 32)
	buf[0] = envelopeVersion
	if e.NotFound {
		buf[1] = 1
	}
	binary.BigEndian.PutUint64(buf[2:], uint64(e.Expires))
	binary.BigEndian.PutUint64(buf[10:], uint64(e.Delta))
	buf = binary.AppendUvarint(buf, uint64(len(versions)))
	for _, v := range versions {
		buf = binary.AppendVarint(buf, v)
	}
	if e.NotFound {
		return buf, nil
	}
	data, err := codec.Marshal(e.Value)
	if err != nil {
		return nil, fmt.Errorf("%w: marshal: %w", ErrCodec, err)
	}
	return append(buf, data...), nil
}

func decode[V any](codec Codec[V], b []byte) (cache.Entry[V], []int64, error) {
	var e cache.Entry[V]
	if len(b) < 18 || b[0] != envelopeVersion {
		return e, nil, fmt.Errorf("%w: not an entry of this format (%d bytes)", ErrCodec, len(b))
	}
	e.NotFound = b[1]&1 != 0
	e.Expires = int64(binary.BigEndian.Uint64(b[2:]))
	e.Delta = time.Duration(binary.BigEndian.Uint64(b[10:]))
	rest := b[18:]
	n, k := binary.Uvarint(rest)
	if k <= 0 || n > uint64(len(rest)) {
		return e, nil, fmt.Errorf("%w: bad tag count", ErrCodec)
	}
	rest = rest[k:]
	var versions []int64
	if n > 0 {
		versions = make([]int64, n)
		for i := range versions {
			v, k := binary.Varint(rest)
			if k <= 0 {
				return e, nil, fmt.Errorf("%w: bad tag version", ErrCodec)
			}
			versions[i], rest = v, rest[k:]
		}
	}
	if e.NotFound {
		return e, versions, nil
	}
	v, err := codec.Unmarshal(rest)
	if err != nil {
		return cache.Entry[V]{}, nil, fmt.Errorf("%w: unmarshal: %w", ErrCodec, err)
	}
	e.Value = v
	return e, versions, nil
}

// ms returns d in whole milliseconds, at least 1, for PX.
func ms(d time.Duration) int64 { return max(1, d.Milliseconds()) }
