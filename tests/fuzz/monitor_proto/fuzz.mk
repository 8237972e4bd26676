SRCS := tests/fuzz/monitor_proto/fuzz_monitor_proto.c devicemodel/core/monitor_proto.c
CFLAGS_EXTRA := -I$(TOP)/devicemodel/include -D_GNU_SOURCE
