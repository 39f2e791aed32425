#include "textflag.h"

// Folds one 128-bit lane forward: lane = lane.lo*k.lo ^ lane.hi*k.hi, where
// the low qword of a lane holds the higher-degree half (reflected order).
#define FOLD(lane, k, tmp) \
	MOVO      lane, tmp;       \
	PCLMULQDQ $0x00, k, tmp;   \
	PCLMULQDQ $0x11, k, lane;  \
	PXOR      tmp, lane

// func foldBlocks(init uint64, p []byte, k *[8]uint64) (lo, hi uint64)
TEXT ·foldBlocks(SB), NOSPLIT, $0-56
	MOVQ init+0(FP), AX
	MOVQ p_base+8(FP), SI
	MOVQ p_len+16(FP), CX
	MOVQ k+32(FP), DX

	// Four lanes take blocks 0, 1, 2, 3 (mod 4) of the input.
	MOVOU 0(SI), X0
	MOVOU 16(SI), X1
	MOVOU 32(SI), X2
	MOVOU 48(SI), X3
	MOVQ  AX, X4
	PXOR  X4, X0
	ADDQ  $64, SI
	SUBQ  $64, CX

	MOVOU 0(DX), X8 // fold by 4 blocks

loop:
	CMPQ CX, $64
	JB   combine
	FOLD(X0, X8, X5)
	FOLD(X1, X8, X6)
	FOLD(X2, X8, X7)
	FOLD(X3, X8, X9)
	MOVOU 0(SI), X5
	MOVOU 16(SI), X6
	MOVOU 32(SI), X7
	MOVOU 48(SI), X9
	PXOR  X5, X0
	PXOR  X6, X1
	PXOR  X7, X2
	PXOR  X9, X3
	ADDQ  $64, SI
	SUBQ  $64, CX
	JMP   loop

combine:
	// Bring lanes 0, 1, 2 forward by 3, 2 and 1 blocks onto lane 3.
	MOVOU 48(DX), X10
	FOLD(X0, X10, X5)
	MOVOU 32(DX), X10
	FOLD(X1, X10, X6)
	MOVOU 16(DX), X10
	FOLD(X2, X10, X7)
	PXOR  X0, X3
	PXOR  X1, X3
	PXOR  X2, X3

	MOVQ   X3, AX
	MOVQ   AX, lo+40(FP)
	PSRLDQ $8, X3
	MOVQ   X3, AX
	MOVQ   AX, hi+48(FP)
	RET
