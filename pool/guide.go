package pool

import (
	"fmt"
	"sync"
)

// GuidePool is the guide's answer to "Design a connection pool", ported
// from its Python as written, and kept as the measured baseline. Python's
// queue.Queue(size) becomes a buffered channel of the same capacity;
// create_connection, get_connection and release_connection keep their
// shape.
//
// Its flaws, each shown by a test: every connection is built up front,
// whether or not it is ever used; GetConnection blocks forever when the
// pool is empty, with no context or timeout to give up; a connection is
// never checked, so a broken one is handed out again; nothing stops a
// connection from being released twice (two holders then share it) or a
// foreign one from being released (ReleaseConnection then blocks forever
// on a full queue); and there is no way to close the pool. Its lock is
// created and never used, as in the original.
//
// Two differences from Python, both where Go would block for ever and
// Python would not: queue.Queue(0) is unbounded, while a channel of
// capacity 0 is unbuffered, so NewGuidePool refuses a size below 1; and Go
// has zero values, and a zero GuidePool's queue is a nil channel, so every
// method of a GuidePool not made by NewGuidePool panics instead of
// blocking.
type GuidePool struct {
	size        int
	connections chan map[string]string
	//lint:ignore U1000 created and never used, as in the guide
	lock sync.Mutex
}

// NewGuidePool returns a pool holding size connections, all created now,
// or an error wrapping ErrInvalidConfig when size is below 1.
func NewGuidePool(size int) (*GuidePool, error) {
	if size < 1 {
		return nil, fmt.Errorf("%w: size must be at least 1, got %d", ErrInvalidConfig, size)
	}
	p := &GuidePool{size: size, connections: make(chan map[string]string, size)}
	// Initialize pool
	for range size {
		p.connections <- p.createConnection()
	}
	return p, nil
}

// createConnection stands in for creating a database connection.
func (p *GuidePool) createConnection() map[string]string {
	return map[string]string{"connection": "db_connection"}
}

// notMade is the panic message of a method of a GuidePool not made by
// NewGuidePool.
const notMade = "pool: GuidePool used without NewGuidePool"

// GetConnection takes a connection, waiting as long as it takes.
func (p *GuidePool) GetConnection() map[string]string {
	if p.connections == nil {
		panic(notMade)
	}
	return <-p.connections
}

// ReleaseConnection puts connection back, waiting as long as it takes if
// the queue is full.
func (p *GuidePool) ReleaseConnection(connection map[string]string) {
	if p.connections == nil {
		panic(notMade)
	}
	p.connections <- connection
}

// Idle reports how many connections are in the queue. It is not in the
// guide; tests and benchmarks use it to observe the pool.
func (p *GuidePool) Idle() int {
	if p.connections == nil {
		panic(notMade)
	}
	return len(p.connections)
}
