//go:build amd64 && !purego

#include "textflag.h"

// SPLAT32 defines a 32-byte constant of one 8-byte value repeated; LANES32
// one whose two 16-byte lanes both hold lo, hi (shuffles work lane by
// lane, so their tables are repeated in each).
#define SPLAT32(name, q) \
	DATA name+0(SB)/8, q; DATA name+8(SB)/8, q; DATA name+16(SB)/8, q; DATA name+24(SB)/8, q; \
	GLOBL name(SB), RODATA|NOPTR, $32

#define LANES32(name, lo, hi) \
	DATA name+0(SB)/8, lo; DATA name+8(SB)/8, hi; DATA name+16(SB)/8, lo; DATA name+24(SB)/8, hi; \
	GLOBL name(SB), RODATA|NOPTR, $32

// decodeAVX2 decodes 32 characters of base64url at a time, as described
// in base64_amd64.go. Each character's high nibble picks, through two
// 16-byte tables (one per nibble, ANDed), whether it is in the alphabet,
// and, through a third, what to add to it to get its six bits; '_' shares
// its high nibble with 'P'..'Z' and gets a correction of its own. Two
// multiply-adds then pack four six-bit values into 24 bits per 32-bit
// lane, and two shuffles put the 24 bytes of the block in order.

// lutLo[lo] has a bit set for each class of high nibble for which a
// character with low nibble lo is NOT in the alphabet; lutHi[hi] is the
// class of hi. 0x20 is the class of high nibbles with no character in the
// alphabet, set in every lutLo entry. Classes: 0x01 '-' (2), 0x02 digits
// (3), 0x04 letters A-O and a-o (4 and 6), 0x08 P-Z and '_' (5), 0x10 p-z
// (7).
LANES32(b64lutLo<>, $0x2121212121212125, $0x333B3A3B3B232121)

LANES32(b64lutHi<>, $0x1004080402012020, $0x2020202020202020)

// roll[hi] is added to a character to give its value: +17 for '-', +4 for
// digits, -65 for upper case, -71 for lower case.
LANES32(b64roll<>, $0xB9B9BFBF04110000, $0x0000000000000000)

SPLAT32(b64mask0F<>, $0x0F0F0F0F0F0F0F0F)

// '_' (0x5F) gets -65 from roll and needs -32: +33 more.
SPLAT32(b64under<>, $0x5F5F5F5F5F5F5F5F)

SPLAT32(b64underFix<>, $0x2121212121212121)

// Byte pairs (a, b) become a<<6 | b in 16 bits...
SPLAT32(b64pairs<>, $0x0140014001400140)

// ...and word pairs (x, y) x<<12 | y in 32 bits.
SPLAT32(b64quads<>, $0x0001100000011000)

// Within each 16-byte lane, the three low bytes of each 32-bit lane, most
// significant first, then four unused bytes.
LANES32(b64order<>, $0x090A040506000102, $0x808080800C0D0E08)

// The 32-bit lanes holding the 24 bytes: 0-2 of the low lane, 4-6 of the
// high one.
DATA b64gather<>+0(SB)/8, $0x0000000100000000
DATA b64gather<>+8(SB)/8, $0x0000000400000002
DATA b64gather<>+16(SB)/8, $0x0000000600000005
DATA b64gather<>+24(SB)/8, $0x0000000700000007
GLOBL b64gather<>(SB), RODATA|NOPTR, $32

// func decodeAVX2(dst, src *byte, blocks int) bool
TEXT ·decodeAVX2(SB), NOSPLIT, $0-25
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ blocks+16(FP), CX
	VMOVDQU b64gather<>(SB), Y6
	VPXOR   Y7, Y7, Y7 // bad characters seen
	VMOVDQU b64mask0F<>(SB), Y8
	VMOVDQU b64lutLo<>(SB), Y9
	VMOVDQU b64lutHi<>(SB), Y10
	VMOVDQU b64roll<>(SB), Y11
	VMOVDQU b64under<>(SB), Y12
	VMOVDQU b64underFix<>(SB), Y13
	VMOVDQU b64pairs<>(SB), Y14
	VMOVDQU b64quads<>(SB), Y15

loop:
	VMOVDQU (SI), Y0
	VPSRLD  $4, Y0, Y1
	VPAND   Y8, Y1, Y1 // high nibbles
	VPAND   Y8, Y0, Y2 // low nibbles
	VPSHUFB Y2, Y9, Y3
	VPSHUFB Y1, Y10, Y4
	VPAND   Y3, Y4, Y3
	VPOR    Y3, Y7, Y7
	VPSHUFB Y1, Y11, Y4
	VPCMPEQB Y12, Y0, Y5
	VPAND   Y13, Y5, Y5
	VPADDB  Y4, Y0, Y0
	VPADDB  Y5, Y0, Y0 // six-bit values
	VPMADDUBSW Y14, Y0, Y0
	VPMADDWD Y15, Y0, Y0
	VPSHUFB b64order<>(SB), Y0, Y0
	VPERMD  Y0, Y6, Y0
	VMOVDQU Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $24, DI
	DECQ    CX
	JNZ     loop

	VPTEST  Y7, Y7
	SETEQ   ret+24(FP)
	VZEROUPPER
	RET

// encodeAVX2 works the other way round: each 16-byte lane takes 12 bytes,
// a shuffle spreads every 3 bytes over 4, two multiplies move the four
// six-bit fields into the four bytes, and a table indexed by the value's
// class (A-Z, a-z, one per digit, '-', '_') gives what to add for its
// character.

// Bytes a, b, c of each group of three become b, a, c, b.
LANES32(b64spread<>, $0x0405030401020001, $0x0A0B090A07080607)

// The fields a>>2 and (b&15)<<2|c>>6, and the multipliers that bring them
// to bits 0 and 16 (high halves of 16-bit products)...
SPLAT32(b64fields1<>, $0x0FC0FC000FC0FC00)

SPLAT32(b64mul1<>, $0x0400004004000040)

// ...and (a&3)<<4|b>>4 and c&63, brought to bits 8 and 24 (low halves).
SPLAT32(b64fields2<>, $0x003F03F0003F03F0)

SPLAT32(b64mul2<>, $0x0100001001000010)

SPLAT32(b64c51<>, $0x3333333333333333)

SPLAT32(b64c25<>, $0x1919191919191919)

// What to add to a value of each class: 'A', 'a'-26, '0'-52 for each
// digit, '-'-62, '_'-63.
LANES32(b64shift<>, $0xFCFCFCFCFCFC4741, $0x000020EFFCFCFCFC)

// func encodeAVX2(dst, src *byte, blocks int)
TEXT ·encodeAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ blocks+16(FP), CX
	VMOVDQU b64spread<>(SB), Y8
	VMOVDQU b64fields1<>(SB), Y9
	VMOVDQU b64mul1<>(SB), Y10
	VMOVDQU b64fields2<>(SB), Y11
	VMOVDQU b64mul2<>(SB), Y12
	VMOVDQU b64c51<>(SB), Y13
	VMOVDQU b64c25<>(SB), Y14
	VMOVDQU b64shift<>(SB), Y15

encloop:
	VMOVDQU     (SI), X0
	VINSERTI128 $1, 12(SI), Y0, Y0
	VPSHUFB     Y8, Y0, Y0
	VPAND       Y9, Y0, Y1
	VPMULHUW    Y10, Y1, Y1
	VPAND       Y11, Y0, Y2
	VPMULLW     Y12, Y2, Y2
	VPOR        Y1, Y2, Y0 // six-bit values
	VPSUBUSB    Y13, Y0, Y1
	VPCMPGTB    Y14, Y0, Y2
	VPSUBB      Y2, Y1, Y1 // classes
	VPSHUFB     Y1, Y15, Y1
	VPADDB      Y1, Y0, Y0
	VMOVDQU     Y0, (DI)
	ADDQ        $24, SI
	ADDQ        $32, DI
	DECQ        CX
	JNZ         encloop

	VZEROUPPER
	RET
