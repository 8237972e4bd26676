SRCS := tests/fuzz/dm_options/fuzz_dm_options.c devicemodel/core/config.c devicemodel/core/log.c
CFLAGS_EXTRA := -I$(TOP)/devicemodel/include -D_GNU_SOURCE -Wl,--no-as-needed -luuid
