package cache

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

// TestWriteBehindCloseOvertakesASet: a Close that lands between a Set's
// reserving a slot and its queueing makes the Set fail with ErrClosed;
// the write is never left in a queue nobody flushes.
func TestWriteBehindCloseOvertakesASet(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		m, err := NewS3FIFO[string, Entry[string]](10, Config[string, Entry[string]]{})
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		tier, _ := NewLocal[string](m)
		store := NewMemoryStore[string]()
		wb, err := NewWriteBehind[string](store, tier, time.Hour, WriteBehindConfig[string]{})
		if err != nil {
			t.Fatal(err)
		}
		closed := make(chan error, 1)
		testHookReserved = func() {
			go func() { closed <- wb.Close(ctx) }()
			synctest.Wait() // Close is waiting for the flusher
		}
		defer func() { testHookReserved = nil }()
		if err := wb.Set(ctx, "k", "v"); !errors.Is(err, ErrClosed) {
			t.Fatalf("Set overtaken by Close returned %v, want ErrClosed", err)
		}
		testHookReserved = nil
		if err := <-closed; err != nil {
			t.Fatalf("Close: %v", err)
		}
		if n := wb.Pending(); n != 0 {
			t.Fatalf("%d writes left pending after Close", n)
		}
	})
}
