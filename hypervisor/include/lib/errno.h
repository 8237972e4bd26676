/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file errno.h
 * Error numbers returned (negated) by hypervisor and library functions.
 * Values are Linux's, because hypercall results cross into the Service VM
 * kernel as negative errno values.
 */
#ifndef LIB_ERRNO_H
#define LIB_ERRNO_H

#ifndef EPERM
#define EPERM	1
#define ENOENT	2
#define ESRCH	3
#define EIO	5
#define E2BIG	7
#define ENOEXEC	8
#define EAGAIN	11
#define ENOMEM	12
#define EACCES	13
#define EFAULT	14
#define EBUSY	16
#define EEXIST	17
#define ENODEV	19
#define EINVAL	22
#define ENOSPC	28
#define ERANGE	34
#define ENOSYS	38
#define ENOTSUP	95
#define ETIMEDOUT 110
#define EINPROGRESS 115
#endif

#endif /* LIB_ERRNO_H */
