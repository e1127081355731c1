//go:build !linux

package jwtdemo_test

import "time"

// threadCPU is not measured outside Linux; the cpu-ns/op figure is then
// left out.
func threadCPU() (time.Duration, bool) { return 0, false }
