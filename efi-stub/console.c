/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Messages of acrn.efi.  They go to ConOut (screen and whatever the firmware
 * mirrors it to).  When the firmware's console does not include a serial
 * terminal but a 16550 answers at COM1 (0x3F8), the same text is also written
 * there directly, so that a headless board still shows why it did not boot.
 */
#include "stub.h"

#define COM1_BASE	0x3F8
#define UART_THR	0	/* transmit holding register */
#define UART_LSR	5	/* line status register */
#define UART_SCR	7	/* scratch register */
#define UART_LSR_THRE	0x20
#define CON_LINE_MAX	256

static BOOLEAN con_com1;

static inline void con_outb(UINT16 port, UINT8 v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline UINT8 con_inb(UINT16 port)
{
	UINT8 v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* A 16550 has a scratch register that holds what is written to it;
 * on an empty I/O port reads return 0xFF (PC16550D datasheet, SCR). */
static BOOLEAN con_com1_present(void)
{
	con_outb(COM1_BASE + UART_SCR, 0x5A);
	if (con_inb(COM1_BASE + UART_SCR) != 0x5A)
		return FALSE;
	con_outb(COM1_BASE + UART_SCR, 0xA5);
	return con_inb(COM1_BASE + UART_SCR) == 0xA5;
}

/* Does the device path list in the ConOut variable (UEFI 2.10 §3.3, a
 * multi-instance device path) contain a UART node (§10.3.4.11, type 3
 * subtype 14)?  Then the firmware already copies ConOut to a serial port. */
static BOOLEAN con_out_has_uart(void)
{
	UINTN size = 0;
	UINT8 *dp = LibGetVariableAndSize(L"ConOut", &EfiGlobalVariable, &size);
	BOOLEAN found = FALSE;
	UINTN off = 0;

	if (dp == NULL)
		return FALSE;
	while (off + 4 <= size) {
		UINT8 type = dp[off], subtype = dp[off + 1];
		UINT16 len = (UINT16)(dp[off + 2] | (dp[off + 3] << 8));

		if (len < 4 || len > size - off)
			break;
		if (type == MESSAGING_DEVICE_PATH && subtype == MSG_UART_DP) {
			found = TRUE;
			break;
		}
		if (type == END_DEVICE_PATH_TYPE && subtype == END_ENTIRE_DEVICE_PATH_SUBTYPE)
			break;
		off += len;
	}
	FreePool(dp);
	return found;
}

void con_init(void)
{
	con_com1 = !con_out_has_uart() && con_com1_present();
}

static void con_com1_puts(const CHAR16 *s)
{
	for (; *s != 0; s++) {
		UINT8 c = *s < 0x80 ? (UINT8)*s : '?';

		/* bounded wait: a wedged UART must not hang the boot */
		for (UINTN i = 0; i < 100000; i++) {
			if (con_inb(COM1_BASE + UART_LSR) & UART_LSR_THRE)
				break;
		}
		con_outb(COM1_BASE + UART_THR, c);
	}
}

static void con_vprint(const CHAR16 *prefix, const CHAR16 *fmt, va_list ap)
{
	CHAR16 line[CON_LINE_MAX];
	UINTN n = StrLen(prefix);

	StrCpy(line, prefix);
	UnicodeVSPrint(line + n, sizeof(line) - n * sizeof(CHAR16) - 3 * sizeof(CHAR16), fmt, ap);
	StrCat(line, L"\r\n");
	ST->ConOut->OutputString(ST->ConOut, line);
	if (con_com1)
		con_com1_puts(line);
}

void con_info(const CHAR16 *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	con_vprint(L"acrn.efi: ", fmt, ap);
	va_end(ap);
}

void con_error(const CHAR16 *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	con_vprint(L"acrn.efi: error: ", fmt, ap);
	va_end(ap);
}
