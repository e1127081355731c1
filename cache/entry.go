package cache

import "sync/atomic"

// entry is one cached key and value, linked into its cache's recency or
// FIFO list and, when it has a time to live, into the expiry heap.
type entry[K comparable, V any] struct {
	key   K
	value V
	// hash is the key's hash (S3FIFO only).
	hash uint64
	// deadline is when the entry expires, in nanoseconds since the cache's
	// base instant; zero means never. Written only under the owning lock.
	deadline int64
	// prev and next link the entry into a list; nil when it is in none.
	prev, next *entry[K, V]
	// heapIndex is the entry's position in the expiry heap, -1 if absent.
	heapIndex int32
	// inMain records which S3FIFO queue holds the entry.
	inMain bool
	// freq is S3FIFO's saturating access counter (0 to maxFreq). Get
	// raises it under a read lock, hence atomic.
	freq atomic.Uint32
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
		if h[p].deadline <= h[i].deadline {
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
		if r := l + 1; r < n && h[r].deadline < h[l].deadline {
			c = r
		}
		if h[i].deadline <= h[c].deadline {
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
		e.deadline = 0
	case d == 0:
		e.deadline = 0
	case e.heapIndex >= 0:
		e.deadline = d
		h.fix(e)
	default:
		e.deadline = d
		h.push(e)
	}
}

// replace puts e where old is in l; old leaves the list.
func (l *list[K, V]) replace(old, e *entry[K, V]) {
	e.prev, e.next = old.prev, old.next
	e.prev.next = e
	e.next.prev = e
	old.prev, old.next = nil, nil
}
