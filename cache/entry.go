package cache

import "sync/atomic"

// entry is one cached key and value, linked into its cache's recency or
// FIFO list and, when it has a time to live, into the expiry heap.
//
// With a string key and a word-sized value it is 64 bytes, a size class
// whose objects start on a cache line, so that a lock-free S3FIFO Get
// reads one line: the fields it reads come first.
type entry[K comparable, V any] struct {
	key K
	// value is the entry's value. LRU updates it in place under its lock.
	// S3FIFO updates it in place, with atomic stores, only when V fits
	// one (see valueKind); otherwise value keeps what the entry was
	// created with, and later values are boxed. getRef hands out pointers
	// to value and to boxes on that promise: neither is written once
	// readers can see it.
	value V
	// boxed, when not nil, holds the value S3FIFO last set for a V that
	// no atomic store fits, replacing value: readers without a lock load
	// it atomically.
	boxed atomic.Pointer[V]
	// deadline is when the entry expires, in nanoseconds since the cache's
	// base instant; zero means never. Written only under the owning lock,
	// read by S3FIFO's Get without one.
	deadline atomic.Int64
	// flags holds S3FIFO's bits for the entry (see accessed). Get sets
	// one without a lock, and a Set without the lock counts itself in the
	// upper bits while it stores, so all are changed atomically, with Or,
	// And and Add.
	flags atomic.Uint32
	// heapIndex is the entry's position in the expiry heap, -1 if absent.
	heapIndex int32
	// prev and next link the entry into a list; nil when it is in none.
	prev, next *entry[K, V]
}

// load returns the entry's current value when it is boxed or guarded by a
// lock.
func (e *entry[K, V]) load() V {
	if p := e.boxed.Load(); p != nil {
		return *p
	}
	return e.value
}

// list is a doubly linked list of entries with a sentinel root: root.next is
// the front (newest), root.prev the back (oldest). Its zero value must be
// initialised with init.
type list[K comparable, V any] struct {
	root entry[K, V]
	len  int
}

func (l *list[K, V]) init() {
	l.root.next = &l.root
	l.root.prev = &l.root
	l.len = 0
}

func (l *list[K, V]) pushFront(e *entry[K, V]) {
	e.prev = &l.root
	e.next = l.root.next
	e.prev.next = e
	e.next.prev = e
	l.len++
}

func (l *list[K, V]) remove(e *entry[K, V]) {
	e.prev.next = e.next
	e.next.prev = e.prev
	e.prev, e.next = nil, nil
	l.len--
}

// replace puts n, in no list, where e is in l, and takes e out.
func (l *list[K, V]) replace(e, n *entry[K, V]) {
	n.prev, n.next = e.prev, e.next
	n.prev.next = n
	n.next.prev = n
	e.prev, e.next = nil, nil
}

func (l *list[K, V]) moveToFront(e *entry[K, V]) {
	if l.root.next == e {
		return
	}
	e.prev.next = e.next
	e.next.prev = e.prev
	e.prev = &l.root
	e.next = l.root.next
	e.prev.next = e
	e.next.prev = e
}

// back returns the oldest entry, or nil when the list is empty.
func (l *list[K, V]) back() *entry[K, V] {
	if l.len == 0 {
		return nil
	}
	return l.root.prev
}

// expiryHeap is a min-heap of the entries that have a deadline, each
// knowing its index so that removing one from the middle is O(log n).
type expiryHeap[K comparable, V any] []*entry[K, V]

func (h *expiryHeap[K, V]) push(e *entry[K, V]) {
	e.heapIndex = int32(len(*h))
	*h = append(*h, e)
	h.up(len(*h) - 1)
}

// fix restores the heap after e's deadline changed.
func (h expiryHeap[K, V]) fix(e *entry[K, V]) {
	if i := int(e.heapIndex); !h.down(i) {
		h.up(i)
	}
}

func (h *expiryHeap[K, V]) remove(e *entry[K, V]) {
	s := *h
	i, last := int(e.heapIndex), len(s)-1
	if i != last {
		s.swap(i, last)
	}
	s[last] = nil
	s = s[:last]
	e.heapIndex = -1
	if i != last && !s.down(i) {
		s.up(i)
	}
	if cap(s) > 64 && len(s) < cap(s)/4 {
		s = append(expiryHeap[K, V](nil), s...)
	}
	*h = s
}

func (h expiryHeap[K, V]) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIndex = int32(i)
	h[j].heapIndex = int32(j)
}

func (h expiryHeap[K, V]) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if h[p].deadline.Load() <= h[i].deadline.Load() {
			return
		}
		h.swap(i, p)
		i = p
	}
}

// down moves the entry at i towards the leaves and reports whether it moved.
func (h expiryHeap[K, V]) down(i int) bool {
	start, n := i, len(h)
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		c := l
		if r := l + 1; r < n && h[r].deadline.Load() < h[l].deadline.Load() {
			c = r
		}
		if h[i].deadline.Load() <= h[c].deadline.Load() {
			break
		}
		h.swap(i, c)
		i = c
	}
	return i > start
}

// setDeadline gives e a new deadline (zero for none) and keeps h in step.
func (h *expiryHeap[K, V]) setDeadline(e *entry[K, V], d int64) {
	switch {
	case d == 0 && e.heapIndex >= 0:
		h.remove(e)
		e.deadline.Store(0)
	case d == 0:
		// No deadline before or after: nothing to write, which keeps
		// the entry's cache line clean for readers.
	case e.heapIndex >= 0:
		e.deadline.Store(d)
		h.fix(e)
	default:
		e.deadline.Store(d)
		h.push(e)
	}
}
