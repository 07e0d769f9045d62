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
// change, AX a code; Y0-Y3 the run of sums, X14 a third tail sum.
//
// The sixteen loops, one per (regs, tail), are the same but for the
// register count and the tail's width; an unknown pair returns bad 0.
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
	CMPQ AX, $5
	JEQ sample1_1
	CMPQ AX, $6
	JEQ sample1_2
	CMPQ AX, $7
	JEQ sample1_3
	CMPQ AX, $8
	JEQ sample1_4
	CMPQ AX, $9
	JEQ sample2_1
	CMPQ AX, $10
	JEQ sample2_2
	CMPQ AX, $11
	JEQ sample2_3
	CMPQ AX, $12
	JEQ sample2_4
	CMPQ AX, $13
	JEQ sample3_1
	CMPQ AX, $14
	JEQ sample3_2
	CMPQ AX, $15
	JEQ sample3_3
	CMPQ AX, $16
	JEQ sample3_4
	CMPQ AX, $17
	JEQ sample4_1
	CMPQ AX, $18
	JEQ sample4_2
	CMPQ AX, $19
	JEQ sample4_3
	CMPQ AX, $20
	JEQ sample4_4
	JMP bad

sample1_1:
	CMPQ BX, CX
	JAE done
	MOVLQSX (R8)(BX*4), R15
	TESTQ R15, R15
	JEQ next1_1
	LEAQ (R9)(R15*2), R15
	MOVQ R9, DX
	VMOVSD 0(DI), X0
	XORQ R14, R14

event1_1:
	MOVWQZX (DX), AX
	CMPQ AX, R13
	JAE bad
	ADDQ (R11)(AX*8), R14
	SHLQ $5, AX
	VADDSD 0(R10)(AX*1), X0, X0
	ADDQ $2, DX
	CMPQ DX, R15
	JB event1_1
	VMOVSD X0, 0(DI)
	ADDQ R14, (SI)(BX*8)

next1_1:
	INCQ BX
	ADDQ R12, DI
	ADDQ slots+88(FP), R9
	JMP sample1_1

sample1_2:
	CMPQ BX, CX
	JAE done
	MOVLQSX (R8)(BX*4), R15
	TESTQ R15, R15
	JEQ next1_2
	LEAQ (R9)(R15*2), R15
	MOVQ R9, DX
	VMOVUPD 0(DI), X0
	XORQ R14, R14

event1_2:
	MOVWQZX (DX), AX
	CMPQ AX, R13
	JAE bad
	ADDQ (R11)(AX*8), R14
	SHLQ $5, AX
	VADDPD 0(R10)(AX*1), X0, X0
	ADDQ $2, DX
	CMPQ DX, R15
	JB event1_2
	VMOVUPD X0, 0(DI)
	ADDQ R14, (SI)(BX*8)

next1_2:
	INCQ BX
	ADDQ R12, DI
	ADDQ slots+88(FP), R9
	JMP sample1_2

sample1_3:
	CMPQ BX, CX
	JAE done
	MOVLQSX (R8)(BX*4), R15
	TESTQ R15, R15
	JEQ next1_3
	LEAQ (R9)(R15*2), R15
	MOVQ R9, DX
	VMOVUPD 0(DI), X0
	VMOVSD 16(DI), X14
	XORQ R14, R14

event1_3:
	MOVWQZX (DX), AX
	CMPQ AX, R13
	JAE bad
	ADDQ (R11)(AX*8), R14
	SHLQ $5, AX
	VADDPD 0(R10)(AX*1), X0, X0
	VADDSD 16(R10)(AX*1), X14, X14
	ADDQ $2, DX
	CMPQ DX, R15
	JB event1_3
	VMOVUPD X0, 0(DI)
	VMOVSD X14, 16(DI)
	ADDQ R14, (SI)(BX*8)

next1_3:
	INCQ BX
	ADDQ R12, DI
	ADDQ slots+88(FP), R9
	JMP sample1_3

sample1_4:
	CMPQ BX, CX
	JAE done
	MOVLQSX (R8)(BX*4), R15
	TESTQ R15, R15
	JEQ next1_4
	LEAQ (R9)(R15*2), R15
	MOVQ R9, DX
	VMOVUPD 0(DI), Y0
	XORQ R14, R14

event1_4:
	MOVWQZX (DX), AX
	CMPQ AX, R13
	JAE bad
	ADDQ (R11)(AX*8), R14
	SHLQ $5, AX
	VADDPD 0(R10)(AX*1), Y0, Y0
	ADDQ $2, DX
	CMPQ DX, R15
	JB event1_4
	VMOVUPD Y0, 0(DI)
	ADDQ R14, (SI)(BX*8)

next1_4:
	INCQ BX
	ADDQ R12, DI
	ADDQ slots+88(FP), R9
	JMP sample1_4

sample2_1:
	CMPQ BX, CX
	JAE done
	MOVLQSX (R8)(BX*4), R15
	TESTQ R15, R15
	JEQ next2_1
	LEAQ (R9)(R15*2), R15
	MOVQ R9, DX
	VMOVUPD 0(DI), Y0
	VMOVSD 32(DI), X1
	XORQ R14, R14

event2_1:
	MOVWQZX (DX), AX
	CMPQ AX, R13
	JAE bad
	ADDQ (R11)(AX*8), R14
	SHLQ $6, AX
	VADDPD 0(R10)(AX*1), Y0, Y0
	VADDSD 32(R10)(AX*1), X1, X1
	ADDQ $2, DX
	CMPQ DX, R15
	JB event2_1
	VMOVUPD Y0, 0(DI)
	VMOVSD X1, 32(DI)
	ADDQ R14, (SI)(BX*8)

next2_1:
	INCQ BX
	ADDQ R12, DI
	ADDQ slots+88(FP), R9
	JMP sample2_1

sample2_2:
	CMPQ BX, CX
	JAE done
	MOVLQSX (R8)(BX*4), R15
	TESTQ R15, R15
	JEQ next2_2
	LEAQ (R9)(R15*2), R15
	MOVQ R9, DX
	VMOVUPD 0(DI), Y0
	VMOVUPD 32(DI), X1
	XORQ R14, R14

event2_2:
	MOVWQZX (DX), AX
	CMPQ AX, R13
	JAE bad
	ADDQ (R11)(AX*8), R14
	SHLQ $6, AX
	VADDPD 0(R10)(AX*1), Y0, Y0
	VADDPD 32(R10)(AX*1), X1, X1
	ADDQ $2, DX
	CMPQ DX, R15
	JB event2_2
	VMOVUPD Y0, 0(DI)
	VMOVUPD X1, 32(DI)
	ADDQ R14, (SI)(BX*8)

next2_2:
	INCQ BX
	ADDQ R12, DI
	ADDQ slots+88(FP), R9
	JMP sample2_2

sample2_3:
	CMPQ BX, CX
	JAE done
	MOVLQSX (R8)(BX*4), R15
	TESTQ R15, R15
	JEQ next2_3
	LEAQ (R9)(R15*2), R15
	MOVQ R9, DX
	VMOVUPD 0(DI), Y0
	VMOVUPD 32(DI), X1
	VMOVSD 48(DI), X14
	XORQ R14, R14

event2_3:
	MOVWQZX (DX), AX
	CMPQ AX, R13
	JAE bad
	ADDQ (R11)(AX*8), R14
	SHLQ $6, AX
	VADDPD 0(R10)(AX*1), Y0, Y0
	VADDPD 32(R10)(AX*1), X1, X1
	VADDSD 48(R10)(AX*1), X14, X14
	ADDQ $2, DX
	CMPQ DX, R15
	JB event2_3
	VMOVUPD Y0, 0(DI)
	VMOVUPD X1, 32(DI)
	VMOVSD X14, 48(DI)
	ADDQ R14, (SI)(BX*8)

next2_3:
	INCQ BX
	ADDQ R12, DI
	ADDQ slots+88(FP), R9
	JMP sample2_3

sample2_4:
	CMPQ BX, CX
	JAE done
	MOVLQSX (R8)(BX*4), R15
	TESTQ R15, R15
	JEQ next2_4
	LEAQ (R9)(R15*2), R15
	MOVQ R9, DX
	VMOVUPD 0(DI), Y0
	VMOVUPD 32(DI), Y1
	XORQ R14, R14

event2_4:
	MOVWQZX (DX), AX
	CMPQ AX, R13
	JAE bad
	ADDQ (R11)(AX*8), R14
	SHLQ $6, AX
	VADDPD 0(R10)(AX*1), Y0, Y0
	VADDPD 32(R10)(AX*1), Y1, Y1
	ADDQ $2, DX
	CMPQ DX, R15
	JB event2_4
	VMOVUPD Y0, 0(DI)
	VMOVUPD Y1, 32(DI)
	ADDQ R14, (SI)(BX*8)

next2_4:
	INCQ BX
	ADDQ R12, DI
	ADDQ slots+88(FP), R9
	JMP sample2_4

sample3_1:
	CMPQ BX, CX
	JAE done
	MOVLQSX (R8)(BX*4), R15
	TESTQ R15, R15
	JEQ next3_1
	LEAQ (R9)(R15*2), R15
	MOVQ R9, DX
	VMOVUPD 0(DI), Y0
	VMOVUPD 32(DI), Y1
	VMOVSD 64(DI), X2
	XORQ R14, R14

event3_1:
	MOVWQZX (DX), AX
	CMPQ AX, R13
	JAE bad
	ADDQ (R11)(AX*8), R14
	LEAQ (AX)(AX*2), AX
	SHLQ $5, AX
	VADDPD 0(R10)(AX*1), Y0, Y0
	VADDPD 32(R10)(AX*1), Y1, Y1
	VADDSD 64(R10)(AX*1), X2, X2
	ADDQ $2, DX
	CMPQ DX, R15
	JB event3_1
	VMOVUPD Y0, 0(DI)
	VMOVUPD Y1, 32(DI)
	VMOVSD X2, 64(DI)
	ADDQ R14, (SI)(BX*8)

next3_1:
	INCQ BX
	ADDQ R12, DI
	ADDQ slots+88(FP), R9
	JMP sample3_1

sample3_2:
	CMPQ BX, CX
	JAE done
	MOVLQSX (R8)(BX*4), R15
	TESTQ R15, R15
	JEQ next3_2
	LEAQ (R9)(R15*2), R15
	MOVQ R9, DX
	VMOVUPD 0(DI), Y0
	VMOVUPD 32(DI), Y1
	VMOVUPD 64(DI), X2
	XORQ R14, R14

event3_2:
	MOVWQZX (DX), AX
	CMPQ AX, R13
	JAE bad
	ADDQ (R11)(AX*8), R14
	LEAQ (AX)(AX*2), AX
	SHLQ $5, AX
	VADDPD 0(R10)(AX*1), Y0, Y0
	VADDPD 32(R10)(AX*1), Y1, Y1
	VADDPD 64(R10)(AX*1), X2, X2
	ADDQ $2, DX
	CMPQ DX, R15
	JB event3_2
	VMOVUPD Y0, 0(DI)
	VMOVUPD Y1, 32(DI)
	VMOVUPD X2, 64(DI)
	ADDQ R14, (SI)(BX*8)

next3_2:
	INCQ BX
	ADDQ R12, DI
	ADDQ slots+88(FP), R9
	JMP sample3_2

sample3_3:
	CMPQ BX, CX
	JAE done
	MOVLQSX (R8)(BX*4), R15
	TESTQ R15, R15
	JEQ next3_3
	LEAQ (R9)(R15*2), R15
	MOVQ R9, DX
	VMOVUPD 0(DI), Y0
	VMOVUPD 32(DI), Y1
	VMOVUPD 64(DI), X2
	VMOVSD 80(DI), X14
	XORQ R14, R14

event3_3:
	MOVWQZX (DX), AX
	CMPQ AX, R13
	JAE bad
	ADDQ (R11)(AX*8), R14
	LEAQ (AX)(AX*2), AX
	SHLQ $5, AX
	VADDPD 0(R10)(AX*1), Y0, Y0
	VADDPD 32(R10)(AX*1), Y1, Y1
	VADDPD 64(R10)(AX*1), X2, X2
	VADDSD 80(R10)(AX*1), X14, X14
	ADDQ $2, DX
	CMPQ DX, R15
	JB event3_3
	VMOVUPD Y0, 0(DI)
	VMOVUPD Y1, 32(DI)
	VMOVUPD X2, 64(DI)
	VMOVSD X14, 80(DI)
	ADDQ R14, (SI)(BX*8)

next3_3:
	INCQ BX
	ADDQ R12, DI
	ADDQ slots+88(FP), R9
	JMP sample3_3

sample3_4:
	CMPQ BX, CX
	JAE done
	MOVLQSX (R8)(BX*4), R15
	TESTQ R15, R15
	JEQ next3_4
	LEAQ (R9)(R15*2), R15
	MOVQ R9, DX
	VMOVUPD 0(DI), Y0
	VMOVUPD 32(DI), Y1
	VMOVUPD 64(DI), Y2
	XORQ R14, R14

event3_4:
	MOVWQZX (DX), AX
	CMPQ AX, R13
	JAE bad
	ADDQ (R11)(AX*8), R14
	LEAQ (AX)(AX*2), AX
	SHLQ $5, AX
	VADDPD 0(R10)(AX*1), Y0, Y0
	VADDPD 32(R10)(AX*1), Y1, Y1
	VADDPD 64(R10)(AX*1), Y2, Y2
	ADDQ $2, DX
	CMPQ DX, R15
	JB event3_4
	VMOVUPD Y0, 0(DI)
	VMOVUPD Y1, 32(DI)
	VMOVUPD Y2, 64(DI)
	ADDQ R14, (SI)(BX*8)

next3_4:
	INCQ BX
	ADDQ R12, DI
	ADDQ slots+88(FP), R9
	JMP sample3_4

sample4_1:
	CMPQ BX, CX
	JAE done
	MOVLQSX (R8)(BX*4), R15
	TESTQ R15, R15
	JEQ next4_1
	LEAQ (R9)(R15*2), R15
	MOVQ R9, DX
	VMOVUPD 0(DI), Y0
	VMOVUPD 32(DI), Y1
	VMOVUPD 64(DI), Y2
	VMOVSD 96(DI), X3
	XORQ R14, R14

event4_1:
	MOVWQZX (DX), AX
	CMPQ AX, R13
	JAE bad
	ADDQ (R11)(AX*8), R14
	SHLQ $7, AX
	VADDPD 0(R10)(AX*1), Y0, Y0
	VADDPD 32(R10)(AX*1), Y1, Y1
	VADDPD 64(R10)(AX*1), Y2, Y2
	VADDSD 96(R10)(AX*1), X3, X3
	ADDQ $2, DX
	CMPQ DX, R15
	JB event4_1
	VMOVUPD Y0, 0(DI)
	VMOVUPD Y1, 32(DI)
	VMOVUPD Y2, 64(DI)
	VMOVSD X3, 96(DI)
	ADDQ R14, (SI)(BX*8)

next4_1:
	INCQ BX
	ADDQ R12, DI
	ADDQ slots+88(FP), R9
	JMP sample4_1

sample4_2:
	CMPQ BX, CX
	JAE done
	MOVLQSX (R8)(BX*4), R15
	TESTQ R15, R15
	JEQ next4_2
	LEAQ (R9)(R15*2), R15
	MOVQ R9, DX
	VMOVUPD 0(DI), Y0
	VMOVUPD 32(DI), Y1
	VMOVUPD 64(DI), Y2
	VMOVUPD 96(DI), X3
	XORQ R14, R14

event4_2:
	MOVWQZX (DX), AX
	CMPQ AX, R13
	JAE bad
	ADDQ (R11)(AX*8), R14
	SHLQ $7, AX
	VADDPD 0(R10)(AX*1), Y0, Y0
	VADDPD 32(R10)(AX*1), Y1, Y1
	VADDPD 64(R10)(AX*1), Y2, Y2
	VADDPD 96(R10)(AX*1), X3, X3
	ADDQ $2, DX
	CMPQ DX, R15
	JB event4_2
	VMOVUPD Y0, 0(DI)
	VMOVUPD Y1, 32(DI)
	VMOVUPD Y2, 64(DI)
	VMOVUPD X3, 96(DI)
	ADDQ R14, (SI)(BX*8)

next4_2:
	INCQ BX
	ADDQ R12, DI
	ADDQ slots+88(FP), R9
	JMP sample4_2

sample4_3:
	CMPQ BX, CX
	JAE done
	MOVLQSX (R8)(BX*4), R15
	TESTQ R15, R15
	JEQ next4_3
	LEAQ (R9)(R15*2), R15
	MOVQ R9, DX
	VMOVUPD 0(DI), Y0
	VMOVUPD 32(DI), Y1
	VMOVUPD 64(DI), Y2
	VMOVUPD 96(DI), X3
	VMOVSD 112(DI), X14
	XORQ R14, R14

event4_3:
	MOVWQZX (DX), AX
	CMPQ AX, R13
	JAE bad
	ADDQ (R11)(AX*8), R14
	SHLQ $7, AX
	VADDPD 0(R10)(AX*1), Y0, Y0
	VADDPD 32(R10)(AX*1), Y1, Y1
	VADDPD 64(R10)(AX*1), Y2, Y2
	VADDPD 96(R10)(AX*1), X3, X3
	VADDSD 112(R10)(AX*1), X14, X14
	ADDQ $2, DX
	CMPQ DX, R15
	JB event4_3
	VMOVUPD Y0, 0(DI)
	VMOVUPD Y1, 32(DI)
	VMOVUPD Y2, 64(DI)
	VMOVUPD X3, 96(DI)
	VMOVSD X14, 112(DI)
	ADDQ R14, (SI)(BX*8)

next4_3:
	INCQ BX
	ADDQ R12, DI
	ADDQ slots+88(FP), R9
	JMP sample4_3

sample4_4:
	CMPQ BX, CX
	JAE done
	MOVLQSX (R8)(BX*4), R15
	TESTQ R15, R15
	JEQ next4_4
	LEAQ (R9)(R15*2), R15
	MOVQ R9, DX
	VMOVUPD 0(DI), Y0
	VMOVUPD 32(DI), Y1
	VMOVUPD 64(DI), Y2
	VMOVUPD 96(DI), Y3
	XORQ R14, R14

event4_4:
	MOVWQZX (DX), AX
	CMPQ AX, R13
	JAE bad
	ADDQ (R11)(AX*8), R14
	SHLQ $7, AX
	VADDPD 0(R10)(AX*1), Y0, Y0
	VADDPD 32(R10)(AX*1), Y1, Y1
	VADDPD 64(R10)(AX*1), Y2, Y2
	VADDPD 96(R10)(AX*1), Y3, Y3
	ADDQ $2, DX
	CMPQ DX, R15
	JB event4_4
	VMOVUPD Y0, 0(DI)
	VMOVUPD Y1, 32(DI)
	VMOVUPD Y2, 64(DI)
	VMOVUPD Y3, 96(DI)
	ADDQ R14, (SI)(BX*8)

next4_4:
	INCQ BX
	ADDQ R12, DI
	ADDQ slots+88(FP), R9
	JMP sample4_4

done:
	VZEROUPPER
	MOVQ $-1, bad+96(FP)
	RET

bad:
	VZEROUPPER
	MOVQ BX, bad+96(FP)
	RET
