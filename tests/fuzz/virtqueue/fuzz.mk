# SPDX-License-Identifier: BSD-3-Clause
# The split-virtqueue walker alone, against a fake guest memory.
SRCS := tests/fuzz/virtqueue/fuzz_virtqueue.c devicemodel/hw/virtio/virtqueue.c
CFLAGS_EXTRA := -I$(TOP)/devicemodel/include -D_GNU_SOURCE
