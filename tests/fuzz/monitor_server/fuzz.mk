SRCS := tests/fuzz/monitor_server/fuzz_monitor_server.c devicemodel/core/monitor.c \
	devicemodel/core/monitor_proto.c devicemodel/core/log.c tests/tools/dm_stubs.c
CFLAGS_EXTRA := -I$(TOP)/devicemodel/include -I$(TOP)/tests/tools -D_GNU_SOURCE -pthread
