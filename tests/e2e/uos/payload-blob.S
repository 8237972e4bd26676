/* SPDX-License-Identifier: BSD-3-Clause */
/* The flat payload image (payload.bin, built from payload.S) inside the client. */
	.section .rodata, "a"
	.balign 16
	.globl uos_payload_start, uos_payload_end
uos_payload_start:
	.incbin UOS_PAYLOAD_BIN
uos_payload_end:
	.section .note.GNU-stack, "", @progbits
