//go:build amd64 && !purego

#include "textflag.h"

// func blockKernelAVX2(sums *float64, dm *int64, count *int32, codes *uint16, table *float64, ddt *int64, n, k, ncodes, regs int, mask *[4]int64, slots int) (bad int)
//
// For each sample i < n with events codes[i*slots:][:count[i]]: its run
// of sums (regs registers, the last one masked) is loaded, each event's
// table row added in order (sum + delta, as Go's sum += delta), and
// stored; the events' ddt entries are summed and added to dm[i]. A code
// not below ncodes stops the kernel before that sample's sums change.
//
// Registers: DI the sample's sums, SI dm, R8 count, R9 the sample's
// codes, R10 table, R11 ddt, CX n, R12 k*8, R13 ncodes, BX i, DX the
// event, R15 the end of the sample's events, R14 its packed counter
// change, AX a code, Y15 the last register's mask, Y0-Y3 the run of sums.
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
	MOVQ mask+80(FP), AX
	VMOVDQU (AX), Y15
	SHLQ $1, slots+88(FP)
	XORQ BX, BX
	MOVQ regs+72(FP), AX
	CMPQ AX, $1
	JEQ sample1
	CMPQ AX, $2
	JEQ sample2
	CMPQ AX, $3
	JEQ sample3
	JMP sample4

sample1:
	CMPQ BX, CX
	JAE done
	MOVLQSX (R8)(BX*4), R15
	TESTQ R15, R15
	JEQ next1
	LEAQ (R9)(R15*2), R15
	MOVQ R9, DX
	VMASKMOVPD 0(DI), Y15, Y0
	XORQ R14, R14

event1:
	MOVWQZX (DX), AX
	CMPQ AX, R13
	JAE bad
	ADDQ (R11)(AX*8), R14
	SHLQ $5, AX
	VADDPD 0(R10)(AX*1), Y0, Y0
	ADDQ $2, DX
	CMPQ DX, R15
	JB event1
	VMASKMOVPD Y0, Y15, 0(DI)
	ADDQ R14, (SI)(BX*8)

next1:
	INCQ BX
	ADDQ R12, DI
	ADDQ slots+88(FP), R9
	JMP sample1

sample2:
	CMPQ BX, CX
	JAE done
	MOVLQSX (R8)(BX*4), R15
	TESTQ R15, R15
	JEQ next2
	LEAQ (R9)(R15*2), R15
	MOVQ R9, DX
	VMOVUPD 0(DI), Y0
	VMASKMOVPD 32(DI), Y15, Y1
	XORQ R14, R14

event2:
	MOVWQZX (DX), AX
	CMPQ AX, R13
	JAE bad
	ADDQ (R11)(AX*8), R14
	SHLQ $6, AX
	VADDPD 0(R10)(AX*1), Y0, Y0
	VADDPD 32(R10)(AX*1), Y1, Y1
	ADDQ $2, DX
	CMPQ DX, R15
	JB event2
	VMOVUPD Y0, 0(DI)
	VMASKMOVPD Y1, Y15, 32(DI)
	ADDQ R14, (SI)(BX*8)

next2:
	INCQ BX
	ADDQ R12, DI
	ADDQ slots+88(FP), R9
	JMP sample2

sample3:
	CMPQ BX, CX
	JAE done
	MOVLQSX (R8)(BX*4), R15
	TESTQ R15, R15
	JEQ next3
	LEAQ (R9)(R15*2), R15
	MOVQ R9, DX
	VMOVUPD 0(DI), Y0
	VMOVUPD 32(DI), Y1
	VMASKMOVPD 64(DI), Y15, Y2
	XORQ R14, R14

event3:
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
	JB event3
	VMOVUPD Y0, 0(DI)
	VMOVUPD Y1, 32(DI)
	VMASKMOVPD Y2, Y15, 64(DI)
	ADDQ R14, (SI)(BX*8)

next3:
	INCQ BX
	ADDQ R12, DI
	ADDQ slots+88(FP), R9
	JMP sample3

sample4:
	CMPQ BX, CX
	JAE done
	MOVLQSX (R8)(BX*4), R15
	TESTQ R15, R15
	JEQ next4
	LEAQ (R9)(R15*2), R15
	MOVQ R9, DX
	VMOVUPD 0(DI), Y0
	VMOVUPD 32(DI), Y1
	VMOVUPD 64(DI), Y2
	VMASKMOVPD 96(DI), Y15, Y3
	XORQ R14, R14

event4:
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
	JB event4
	VMOVUPD Y0, 0(DI)
	VMOVUPD Y1, 32(DI)
	VMOVUPD Y2, 64(DI)
	VMASKMOVPD Y3, Y15, 96(DI)
	ADDQ R14, (SI)(BX*8)

next4:
	INCQ BX
	ADDQ R12, DI
	ADDQ slots+88(FP), R9
	JMP sample4

done:
	VZEROUPPER
	MOVQ $-1, bad+96(FP)
	RET

bad:
	VZEROUPPER
	MOVQ BX, bad+96(FP)
	RET
