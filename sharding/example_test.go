package sharding_test

import (
	"fmt"

	"github.com/backendkit/backendkit/sharding"
)

func ExampleRing() {
	ring, err := sharding.NewRing(sharding.DefaultVirtualNodes, sharding.Named("cache-a", "cache-b", "cache-c")...)
	if err != nil {
		panic(err)
	}
	node, err := ring.Lookup("user:42")
	if err != nil {
		panic(err)
	}
	fmt.Println("user:42 lives on", node)

	// Adding a node returns a new ring; the old one is unchanged, so the
	// two can be compared.
	bigger, err := ring.Add(sharding.Node{Name: "cache-d"})
	if err != nil {
		panic(err)
	}
	plan, err := sharding.PlanRing(ring, bigger)
	if err != nil {
		panic(err)
	}
	fmt.Printf("moving to cache-d: %.0f%% of the keys\n", 100*plan.Inflow["cache-d"])
	for _, t := range plan.Transfers {
		fmt.Printf("%s → %s: %d ranges\n", t.From, t.To, len(t.Ranges))
	}
	// Output:
	// user:42 lives on cache-c
	// moving to cache-d: 27% of the keys
	// cache-a → cache-d: 50 ranges
	// cache-b → cache-d: 39 ranges
	// cache-c → cache-d: 34 ranges
}

func ExampleMeasureMovement() {
	keys := make([]string, 100_000)
	for i := range keys {
		keys[i] = fmt.Sprintf("order:%d", i)
	}
	nodes := []string{"db0", "db1", "db2", "db3", "db4", "db5", "db6", "db7", "db8", "db9"}

	modn, _ := sharding.NewModN(nodes...)
	modn11, _ := sharding.NewModN(append(nodes, "db10")...)
	m, _ := sharding.MeasureMovement(modn, modn11, keys)
	fmt.Printf("mod-n:      %.1f%% moved, %.1f%% between old nodes\n",
		100*m.Fraction(), 100*float64(m.BetweenSurvivors)/float64(m.Keys))

	jump, _ := sharding.NewJump(nodes...)
	jump11, _ := jump.Add("db10")
	m, _ = sharding.MeasureMovement(jump, jump11, keys)
	fmt.Printf("jump:       %.1f%% moved, %.1f%% between old nodes\n",
		100*m.Fraction(), 100*float64(m.BetweenSurvivors)/float64(m.Keys))
	// Output:
	// mod-n:      91.1% moved, 82.2% between old nodes
	// jump:       9.1% moved, 0.0% between old nodes
}

func ExampleJump_RemoveLast() {
	j, _ := sharding.NewJump("shard-0", "shard-1", "shard-2")
	// Jump hash numbers its nodes, so only the last one can go.
	smaller, err := j.RemoveLast()
	if err != nil {
		panic(err)
	}
	fmt.Println(smaller.Members())
	// Output:
	// [shard-0 shard-1]
}

func ExampleBoundedLoads() {
	// Two points per node make very unequal arcs: a plain ring would give
	// one node far more than its share.
	cfg := sharding.BoundedLoadsConfig{LoadFactor: 1.1, VirtualNodes: 2}
	b, err := sharding.NewBoundedLoads([]string{"lb-a", "lb-b", "lb-c", "lb-d"}, cfg)
	if err != nil {
		panic(err)
	}
	for i := range 1000 {
		if _, err := b.Lookup(fmt.Sprintf("session:%d", i)); err != nil {
			panic(err)
		}
	}
	// No node holds more than ⌈1.1 × 1000 / 4⌉ = 275 sessions.
	fmt.Println("capacity per node:", b.Capacity())
	loads := b.Loads()
	for _, node := range b.Members() {
		fmt.Println(node, loads[node])
	}
	// Output:
	// capacity per node: 275
	// lb-a 272
	// lb-b 275
	// lb-c 178
	// lb-d 275

}
