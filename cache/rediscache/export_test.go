package rediscache

// SetTestHookPublish sets the hook a Publish runs after taking its
// sequence number and before sending, and returns a function restoring
// the previous one.
func SetTestHookPublish(f func(seq uint64)) func() {
	prev := testHookPublish
	testHookPublish = f
	return func() { testHookPublish = prev }
}
