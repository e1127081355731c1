// Package redisslot computes Redis Cluster hash slots, for code that must
// keep a script's or a transaction's keys in one slot and for the tests
// that check it.
package redisslot

import "strings"

// Count is the number of hash slots of a Redis Cluster.
const Count = 16384

// Of returns the hash slot of key: CRC16 (XMODEM) of its hash tag, the text
// between the first '{' and the next '}' when that is not empty, else of
// the whole key, modulo 16384 (the Redis Cluster specification, "Keys
// distribution model").
func Of(key string) uint16 {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			key = key[i+1 : i+1+j]
		}
	}
	return crc16(key) % Count
}

// crc16 is CRC-16/XMODEM: polynomial 0x1021, initial value 0.
func crc16(s string) uint16 {
	var crc uint16
	for i := 0; i < len(s); i++ {
		crc ^= uint16(s[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}
