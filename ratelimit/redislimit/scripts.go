package redislimit

import (
	"embed"

	"github.com/redis/go-redis/v9"
)

//go:embed lua/*.lua
var luaFiles embed.FS

// newScript assembles one script from the shared preamble, the algorithms'
// check functions and the driver that runs them. A single-algorithm limiter
// gets a script holding its algorithm alone; Multi gets them all.
func newScript(algos ...string) *redis.Script {
	src := read("common")
	for _, a := range algos {
		src += read(a)
	}
	return redis.NewScript(src + read("driver"))
}

func read(name string) string {
	b, err := luaFiles.ReadFile("lua/" + name + ".lua")
	if err != nil {
		panic("redislimit: missing embedded script " + name) // a build defect, caught by every test
	}
	return string(b)
}

var (
	scriptFixedWindow   = newScript("fixedwindow")
	scriptSlidingLog    = newScript("slidinglog")
	scriptSlidingWindow = newScript("slidingwindow")
	scriptTokenBucket   = newScript("tokenbucket")
	scriptGCRA          = redis.NewScript(read("gcraonly"))
	scriptMulti         = newScript("fixedwindow", "slidinglog", "slidingwindow", "tokenbucket", "gcra")
)
