//go:build !amd64 || purego

package jwtdemo

// useAVX2 is false where decodeAVX2 does not exist.
var useAVX2 = false

func decodeAVX2(dst, src *byte, blocks int) bool { panic("jwtdemo: no vector decoder") }

func encodeAVX2(dst, src *byte, blocks int) { panic("jwtdemo: no vector encoder") }
