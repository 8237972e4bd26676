/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file uart_backend.h
 * Host side of an emulated UART: stdio, a pseudo-terminal, a TCP listener
 * (one client at a time) or an output file.
 *
 * A back-end owns one thread that polls its file descriptors. Received
 * bytes go to a 4 KiB side buffer and from there into the UART with
 * uart_rx_push(); what the FIFO cannot take waits until the guest reads
 * (uart_backend_rx_ready()). Transmitted bytes are written without ever
 * blocking the vCPU: what the fd does not take at once is queued in a
 * 4 KiB ring flushed by the thread, and dropped (counted) when that is full.
 *
 * Locking: uart_backend_tx() and uart_backend_rx_ready() are meant to be
 * called from struct uart_ops callbacks, i.e. with the UART mutex held;
 * they take only the back-end's own mutex (lock order: UART, then
 * back-end). The back-end thread calls uart_rx_push() without holding its
 * mutex, so the order is never inverted.
 */
#ifndef HW_UART_BACKEND_H
#define HW_UART_BACKEND_H

#include <stdint.h>

#include "hw/uart_16550.h"

struct uart_backend;

/**
 * Open a back-end from its option string.
 * @param spec  "stdio", "pty", "tcp:PORT", "tcp:HOST:PORT" (HOST is an IPv4
 *              address; "tcp:PORT" listens on 127.0.0.1 only) or "file:PATH"
 *              (output only; appended to)
 * @param out   receives the back-end
 * @return 0, -EINVAL for a malformed spec, or the negative errno of the
 *         failing system call
 */
int uart_backend_open(const char *spec, struct uart_backend **out);

/**
 * Open a back-end on file descriptors the caller owns (they are made
 * non-blocking but not closed, and must stay open until
 * uart_backend_close()). Either may be -1.
 * @return 0, -EINVAL or -ENOMEM
 */
int uart_backend_open_fds(int in_fd, int out_fd, struct uart_backend **out);

/**
 * Connect the back-end to @p u and start its thread. The UART's ops must
 * route tx to uart_backend_tx() and rx_ready to uart_backend_rx_ready().
 * @return 0, -EINVAL if already started, or a negative errno
 */
int uart_backend_start(struct uart_backend *be, struct uart_16550 *u);

/**
 * Stop the thread, restore the terminal (stdio) and close what the
 * back-end opened. NULL is accepted.
 */
void uart_backend_close(struct uart_backend *be);

/** uart_ops.tx target: queue one byte for output; @p be is the back-end. */
void uart_backend_tx(void *be, uint8_t byte);

/** uart_ops.rx_ready target: the FIFO has room; wake the back-end thread. */
void uart_backend_rx_ready(void *be);

/** Path of the pty slave for a "pty" back-end, NULL otherwise. */
const char *uart_backend_pty_name(const struct uart_backend *be);

/** Bound TCP port of a "tcp" back-end (useful with port 0), else -EINVAL. */
int uart_backend_tcp_port(const struct uart_backend *be);

/** Bytes dropped because the output could not keep up. */
uint64_t uart_backend_tx_dropped(struct uart_backend *be);

#endif /* HW_UART_BACKEND_H */
