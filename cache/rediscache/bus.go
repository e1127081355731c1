package rediscache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// DefaultMaxSenders is how many senders a Bus tracks sequence numbers for
// when BusConfig.MaxSenders is zero.
const DefaultMaxSenders = 1024

// FlushReason says why a Bus asked for the local tier to be flushed.
type FlushReason uint8

const (
	// Resubscribed: the subscription was re-established after a dropped
	// connection; messages sent meanwhile were lost.
	Resubscribed FlushReason = iota + 1
	// Gap: a sender's sequence number skipped, so a message was lost (a
	// full client buffer drops messages too).
	Gap
	// Requested: a sender asked every instance to flush (PublishFlush, as
	// a tag bump does).
	Requested
	// SendersReset: more senders than MaxSenders were tracked, so their
	// sequence numbers were forgotten.
	SendersReset
)

// String returns the reason's name in lower case.
func (r FlushReason) String() string {
	switch r {
	case Resubscribed:
		return "resubscribed"
	case Gap:
		return "gap"
	case Requested:
		return "requested"
	case SendersReset:
		return "senders-reset"
	}
	return fmt.Sprintf("FlushReason(%d)", int(r))
}

// BusConfig configures a [Bus] beyond its client and channel. Its zero
// value means the documented defaults.
type BusConfig struct {
	// OnInvalidate is called with the keys another instance published. It
	// runs on the Bus's goroutine, one message at a time.
	OnInvalidate func(keys []string)
	// OnFlush is called when this instance may have missed invalidations
	// and must drop every local copy, or when another instance asked for
	// that. It runs on the Bus's goroutine.
	OnFlush func(reason FlushReason)
	// OnError is told of messages that cannot be decoded. Nil drops them.
	OnError func(err error)
	// MaxSenders bounds the senders whose sequence numbers are kept. Zero
	// means DefaultMaxSenders.
	MaxSenders int
}

// Bus is event-based invalidation over Redis pub/sub: every instance
// publishes the keys it writes on one channel and drops its local copies
// of the keys others publish.
//
// Pub/sub delivers at most once: a message sent while a subscriber is
// disconnected is lost to it (go-redis/cache #96: nobody noticed, and the
// local copy stayed). So every message carries its sender's instance id,
// which lets a Bus ignore its own echo, and the sender's sequence number;
// the Bus calls OnFlush, so the whole local tier is dropped, when the
// subscription is re-established after a dropped connection (go-redis
// reconnects and resubscribes by itself, and says so), and when a sender's
// sequence skips a number. What remains is the window between a message's
// loss and the next resubscription or message from that sender; the local
// TTL bounds it. So that one sender's messages keep their order (an
// overtaken one would read as a gap, and cost every receiver a flush), a
// Bus sends one message at a time: a Publish waits for the one before it
// to be answered, one round trip each. On a Cluster it publishes through
// the master of the channel's slot, the node go-redis subscribes through
// (a PUBLISH sent to any node could overtake another).
//
// A Bus owns one goroutine, which Close stops and waits for; Close takes a
// context because it waits for the callbacks. Make one with [NewBus]; it
// is safe for concurrent use.
type Bus struct {
	c       redis.UniversalClient
	channel string
	id      string
	cfg     BusConfig
	seq     atomic.Uint64
	pub     chan struct{} // cap 1: held from taking a seq to its PUBLISH's answer
	ps      *redis.PubSub

	subscribed atomic.Bool
	ready      chan struct{} // closed on the first subscription
	done       chan struct{} // closed when the goroutine exits

	closeOnce sync.Once
	closeErr  error
}

// message is what a Bus publishes.
type message struct {
	ID    string   `json:"i"`
	Seq   uint64   `json:"s"`
	Keys  []string `json:"k,omitempty"`
	Flush bool     `json:"f,omitempty"`
}

// NewBus subscribes to channel through client and starts the Bus's
// goroutine; use [Bus.Ready] to wait for the subscription. It returns an
// error wrapping ErrInvalidConfig for a nil client, an empty channel or a
// bad cfg.
func NewBus(client redis.UniversalClient, channel string, cfg BusConfig) (*Bus, error) {
	switch {
	case client == nil:
		return nil, fmt.Errorf("%w: NewBus: client must not be nil", ErrInvalidConfig)
	case channel == "":
		return nil, fmt.Errorf("%w: NewBus: channel must not be empty", ErrInvalidConfig)
	case cfg.MaxSenders < 0:
		return nil, fmt.Errorf("%w: MaxSenders must not be negative, got %d", ErrInvalidConfig, cfg.MaxSenders)
	}
	if cfg.MaxSenders == 0 {
		cfg.MaxSenders = DefaultMaxSenders
	}
	var id [8]byte
	_, _ = rand.Read(id[:]) // crypto/rand.Read never fails
	b := &Bus{
		c: client, channel: channel, id: hex.EncodeToString(id[:]), cfg: cfg,
		ready: make(chan struct{}), done: make(chan struct{}), pub: make(chan struct{}, 1),
	}
	b.ps = client.Subscribe(context.Background(), channel)
	go b.run(b.ps.ChannelWithSubscriptions())
	return b, nil
}

// ID returns this instance's id, which its messages carry.
func (b *Bus) ID() string {
	if b == nil || b.c == nil {
		panic(errBusZero)
	}
	return b.id
}

// Ready waits until the Bus is subscribed for the first time, or ctx
// ends.
func (b *Bus) Ready(ctx context.Context) error {
	if b == nil || b.c == nil {
		return errBusZero
	}
	select {
	case <-b.done:
		return ErrClosed
	default:
	}
	select {
	case <-b.ready:
		return nil
	case <-b.done:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Subscribed reports whether the first subscription has been confirmed
// and the Bus is not closed.
func (b *Bus) Subscribed() bool {
	if b == nil || b.c == nil {
		panic(errBusZero)
	}
	return b.subscribed.Load()
}

// Publish tells every other instance to drop keys. It waits, until ctx
// ends, for the Bus's publish in progress, if any, to be answered. The
// error, wrapping ErrRedis, means they were not told; when it was the
// PUBLISH that failed, they flush on this Bus's next message, whose
// sequence number skips.
func (b *Bus) Publish(ctx context.Context, keys ...string) error {
	if b == nil || b.c == nil {
		return errBusZero
	}
	if len(keys) == 0 {
		return nil
	}
	return b.publish(ctx, message{Keys: keys})
}

// PublishFlush tells every other instance to drop its whole local tier.
func (b *Bus) PublishFlush(ctx context.Context) error {
	if b == nil || b.c == nil {
		return errBusZero
	}
	return b.publish(ctx, message{Flush: true})
}

func (b *Bus) publish(ctx context.Context, m message) error {
	select {
	case <-b.done:
		return ErrClosed
	default:
	}
	// One publish at a time, from taking the number to the server's
	// answer: two at once could reach the server out of order, which
	// every receiver would read as a lost message, and flush.
	select {
	case b.pub <- struct{}{}:
	case <-ctx.Done():
		return redisErr("waiting for the publish before", ctx.Err())
	}
	defer func() { <-b.pub }()
	m.ID, m.Seq = b.id, b.seq.Add(1)
	if testHookPublish != nil {
		testHookPublish(m.Seq)
	}
	data, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrCodec, err)
	}
	if err := publishOrdered(ctx, b.c, b.channel, data); err != nil {
		return redisErr("PUBLISH", err)
	}
	return nil
}

// publishOrdered publishes so that one sender's messages arrive in the
// order sent. A Cluster client sends a PUBLISH, which has no key, to any
// node, and messages published on different nodes can arrive out of
// order, which would read as gaps: so on a Cluster every message goes to
// the master of the channel's slot, the node the subscribers' client
// subscribes through.
func publishOrdered(ctx context.Context, c redis.UniversalClient, channel string, msg any) error {
	if cc, ok := c.(*redis.ClusterClient); ok {
		n, err := cc.MasterForKey(ctx, channel)
		if err != nil {
			return err
		}
		return n.Publish(ctx, channel, msg).Err()
	}
	return c.Publish(ctx, channel, msg).Err()
}

// Close unsubscribes, stops the Bus's goroutine and waits for it (and so
// for a callback in progress) until ctx ends. It is idempotent.
func (b *Bus) Close(ctx context.Context) error {
	if b == nil || b.c == nil {
		return errBusZero
	}
	b.closeOnce.Do(func() {
		b.subscribed.Store(false)
		if err := b.ps.Close(); err != nil {
			b.closeErr = redisErr("closing the subscription", err)
		}
	})
	select {
	case <-b.done:
		return b.closeErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run is the Bus's goroutine: it reads the subscription until Close.
func (b *Bus) run(ch <-chan any) {
	defer close(b.done)
	defer b.subscribed.Store(false)
	last := map[string]uint64{}
	first := true
	for msg := range ch {
		switch msg := msg.(type) {
		case *redis.Subscription:
			if msg.Kind != "subscribe" {
				continue
			}
			if first {
				first = false
				b.subscribed.Store(true)
				close(b.ready)
				continue
			}
			b.flush(Resubscribed)
		case *redis.Message:
			var m message
			if err := json.Unmarshal([]byte(msg.Payload), &m); err != nil || m.ID == "" {
				if b.cfg.OnError != nil {
					b.cfg.OnError(fmt.Errorf("%w: bad invalidation message: %v", ErrCodec, err))
				}
				continue
			}
			if m.ID == b.id {
				continue // our own echo
			}
			prev, known := last[m.ID]
			if !known && len(last) >= b.cfg.MaxSenders {
				clear(last)
				b.flush(SendersReset)
			}
			last[m.ID] = m.Seq
			if known && m.Seq != prev+1 {
				b.flush(Gap)
				continue // the flush covers this message too
			}
			switch {
			case m.Flush:
				b.flush(Requested)
			case len(m.Keys) > 0 && b.cfg.OnInvalidate != nil:
				b.cfg.OnInvalidate(m.Keys)
			}
		}
	}
}

// testHookPublish, nil outside tests, runs in a publish after it took its
// sequence number and before it sends.
var testHookPublish func(seq uint64)

func (b *Bus) flush(r FlushReason) {
	if b.cfg.OnFlush != nil {
		b.cfg.OnFlush(r)
	}
}
