//go:build amd64 && !purego

#include "textflag.h"

// func blockKernelAVX2(sums *float64, dm *int64, count *int32, codes *uint16, table *float64, ddt *int64, n, k, ncodes, regs, tail, slots int) (bad int)
//
// For each sample i < n with events codes[i*slots:][:count[i]]: its run
// of sums (regs-1 full registers, then tail sums: 4 a register, 2 an X
// register, 1 a scalar, 3 both) is loaded, each event's table row added
// in order (sum + delta, as Go's sum += delta), and stored; the events'
// ddt entries are summed and added to dm[i]. A code not below ncodes
// stops the kernel before that sample's sums change. Nothing outside the
// run's m = 4*(regs-1)+tail sums is read or written.
//
// Registers: DI the sample's sums, SI dm, R8 count, R9 the sample's
// codes, R10 table, R11 ddt, CX n, R12 k*8, R13 ncodes, BX i, DX the
// event, R15 the end of the sample's events, R14 its packed counter
// change, AX the (regs, tail) pair, then a code; Y0-Y3 the run of sums,
// X14 a third tail sum.
//
// There is one loop (KERNEL) for each (regs, tail) pair, as the registers
// a run fills are fixed in the instructions; an unknown pair returns bad 0.

// A run of sums is a list of pieces, each one register at an offset from
// the run's start: V a vector register (Y, 4 sums, or X, 2 sums), S a
// scalar in an X register. LOAD, ADD and STORE are what the kernel does
// with a piece (mov and add its instructions, r its register, off its
// offset): load it from the sample's sums, add the event's row (AX its
// byte offset in the table), store it back.
#define LOAD(mov, add, r, off) mov off(DI), r
#define ADD(mov, add, r, off) add off(R10)(AX*1), r, r
#define STORE(mov, add, r, off) mov r, off(DI)
#define V(op, r, off) op(VMOVUPD, VADDPD, r, off)
#define S(op, r, off) op(VMOVSD, VADDSD, r, off)

// RUNregs_tail(op) does op to each piece of a run of regs registers whose
// last holds tail sums.
#define RUN1_1(op) S(op, X0, 0)
#define RUN1_2(op) V(op, X0, 0)
#define RUN1_3(op) V(op, X0, 0); S(op, X14, 16)
#define RUN1_4(op) V(op, Y0, 0)
#define RUN2_1(op) V(op, Y0, 0); S(op, X1, 32)
#define RUN2_2(op) V(op, Y0, 0); V(op, X1, 32)
#define RUN2_3(op) V(op, Y0, 0); V(op, X1, 32); S(op, X14, 48)
#define RUN2_4(op) V(op, Y0, 0); V(op, Y1, 32)
#define RUN3_1(op) V(op, Y0, 0); V(op, Y1, 32); S(op, X2, 64)
#define RUN3_2(op) V(op, Y0, 0); V(op, Y1, 32); V(op, X2, 64)
#define RUN3_3(op) V(op, Y0, 0); V(op, Y1, 32); V(op, X2, 64); S(op, X14, 80)
#define RUN3_4(op) V(op, Y0, 0); V(op, Y1, 32); V(op, Y2, 64)
#define RUN4_1(op) V(op, Y0, 0); V(op, Y1, 32); V(op, Y2, 64); S(op, X3, 96)
#define RUN4_2(op) V(op, Y0, 0); V(op, Y1, 32); V(op, Y2, 64); V(op, X3, 96)
#define RUN4_3(op) V(op, Y0, 0); V(op, Y1, 32); V(op, Y2, 64); V(op, X3, 96); S(op, X14, 112)
#define RUN4_4(op) V(op, Y0, 0); V(op, Y1, 32); V(op, Y2, 64); V(op, Y3, 96)

// ROWregs turns a code in AX into its row's byte offset in the table
// (a row is regs*32 bytes).
#define ROW1 SHLQ $5, AX
#define ROW2 SHLQ $6, AX
#define ROW3 LEAQ (AX)(AX*2), AX; SHLQ $5, AX
#define ROW4 SHLQ $7, AX

// KERNEL is the loop over samples for one (regs, tail) pair, entered
// when AX is 4*regs+tail (else it goes on at other); run and row are its
// RUN and ROW, sample, event and next its own labels.
#define KERNEL(pair, run, row, sample, event, next, other) \
	CMPQ AX, pair; \
	JNE other; \
sample: \
	CMPQ BX, CX; \
	JAE done; \
	MOVLQSX (R8)(BX*4), R15; \
	TESTQ R15, R15; \
	JEQ next; \
	LEAQ (R9)(R15*2), R15; \
	MOVQ R9, DX; \
	run(LOAD); \
	XORQ R14, R14; \
event: \
	MOVWQZX (DX), AX; \
	CMPQ AX, R13; \
	JAE bad; \
	ADDQ (R11)(AX*8), R14; \
	row; \
	run(ADD); \
	ADDQ $2, DX; \
	CMPQ DX, R15; \
	JB event; \
	run(STORE); \
	ADDQ R14, (SI)(BX*8); \
next: \
	INCQ BX; \
	ADDQ R12, DI; \
	ADDQ slots+88(FP), R9; \
	JMP sample; \
other:

TEXT ·blockKernelAVX2(SB), NOSPLIT, $0-104
	MOVQ sums+0(FP), DI
	MOVQ dm+8(FP), SI
	MOVQ count+16(FP), R8
	MOVQ codes+24(FP), R9
	MOVQ table+32(FP), R10
	MOVQ ddt+40(FP), R11
	MOVQ n+48(FP), CX
	MOVQ k+56(FP), R12
	SHLQ $3, R12
	MOVQ ncodes+64(FP), R13
	SHLQ $1, slots+88(FP)
	XORQ BX, BX
	MOVQ regs+72(FP), AX
	SHLQ $2, AX
	ADDQ tail+80(FP), AX

	KERNEL($5, RUN1_1, ROW1, sample1_1, event1_1, next1_1, not1_1)
	KERNEL($6, RUN1_2, ROW1, sample1_2, event1_2, next1_2, not1_2)
	KERNEL($7, RUN1_3, ROW1, sample1_3, event1_3, next1_3, not1_3)
	KERNEL($8, RUN1_4, ROW1, sample1_4, event1_4, next1_4, not1_4)
	KERNEL($9, RUN2_1, ROW2, sample2_1, event2_1, next2_1, not2_1)
	KERNEL($10, RUN2_2, ROW2, sample2_2, event2_2, next2_2, not2_2)
	KERNEL($11, RUN2_3, ROW2, sample2_3, event2_3, next2_3, not2_3)
	KERNEL($12, RUN2_4, ROW2, sample2_4, event2_4, next2_4, not2_4)
	KERNEL($13, RUN3_1, ROW3, sample3_1, event3_1, next3_1, not3_1)
	KERNEL($14, RUN3_2, ROW3, sample3_2, event3_2, next3_2, not3_2)
	KERNEL($15, RUN3_3, ROW3, sample3_3, event3_3, next3_3, not3_3)
	KERNEL($16, RUN3_4, ROW3, sample3_4, event3_4, next3_4, not3_4)
	KERNEL($17, RUN4_1, ROW4, sample4_1, event4_1, next4_1, not4_1)
	KERNEL($18, RUN4_2, ROW4, sample4_2, event4_2, next4_2, not4_2)
	KERNEL($19, RUN4_3, ROW4, sample4_3, event4_3, next4_3, not4_3)
	KERNEL($20, RUN4_4, ROW4, sample4_4, event4_4, next4_4, not4_4)
	JMP bad

done:
	VZEROUPPER
	MOVQ $-1, bad+96(FP)
	RET

bad:
	VZEROUPPER
	MOVQ BX, bad+96(FP)
	RET
