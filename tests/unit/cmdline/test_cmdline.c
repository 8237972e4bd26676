/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of hypervisor command-line parsing (hypervisor/common/cmdline.c),
 * linked with the real console_parse() from hypervisor/arch/x86/uart16550.c
 * (its port-I/O functions are never called here).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdbool.h>
#include <string.h>
#include <common/cmdline.h>

static struct hv_options opt;

static int setup(void **state)
{
	(void)state;
	memset(&opt, 0xA5, sizeof(opt));	/* parse must set every field */
	return 0;
}

/* Value of key in cmd, or NULL when absent (value buffer of vsize bytes). */
static const char *get(const char *cmd, const char *key, size_t vsize)
{
	static char val[128];

	assert_true(vsize <= sizeof(val));
	memset(val, '#', sizeof(val));
	return cmdline_get(cmd, key, val, vsize) ? val : NULL;
}

static void test_cmdline_get_finds_value_among_words(void **state)
{
	assert_string_equal(get("root=/dev/sda console=com1 quiet", "console", 64), "com1");
	assert_string_equal(get("console=com1", "console", 64), "com1");
	assert_string_equal(get("a=1 b=2 c=3", "c", 64), "3");
	assert_string_equal(get("a=1 b=2 c=3", "a", 64), "1");
	assert_null(get("a=1 b=2 c=3", "d", 64));
}

static void test_cmdline_get_ignores_extra_spaces(void **state)
{
	assert_string_equal(get("   console=com2", "console", 64), "com2");
	assert_string_equal(get("console=com2    ", "console", 64), "com2");
	assert_string_equal(get("  x=1     console=mmio@0x10   y=2  ", "console", 64), "mmio@0x10");
	assert_string_equal(get("  x=1     console=mmio@0x10   y=2  ", "y", 64), "2");
	assert_null(get("", "console", 64));
	assert_null(get("      ", "console", 64));
}

static void test_cmdline_get_matches_whole_key_only(void **state)
{
	/* a longer key with the same prefix is another option */
	assert_null(get("consoleX=com1", "console", 64));
	assert_string_equal(get("consoleX=com1 console=com2", "console", 64), "com2");
	assert_string_equal(get("console=com2 consoleX=com1", "consoleX", 64), "com1");
	/* the key must start the word */
	assert_null(get("xconsole=com1", "console", 64));
	assert_null(get("foo=console=com1", "console", 64));
	/* a shorter word is not the key */
	assert_null(get("consol=com1", "console", 64));
	/* a bare word is not a key=value pair */
	assert_null(get("console", "console", 64));
	assert_null(get("console com1", "console", 64));
}

static void test_cmdline_get_value_may_contain_equals(void **state)
{
	assert_string_equal(get("opt=a=b", "opt", 64), "a=b");
}

static void test_cmdline_get_empty_value_is_found(void **state)
{
	assert_string_equal(get("console= loglevel=2", "console", 64), "");
	assert_string_equal(get("loglevel=2 console=", "console", 64), "");
}

static void test_cmdline_get_returns_first_occurrence(void **state)
{
	assert_string_equal(get("loglevel=2 loglevel=4", "loglevel", 64), "2");
}

static void test_cmdline_get_truncates_to_buffer(void **state)
{
	const char *v = get("key=abcdefgh", "key", 4);

	assert_non_null(v);
	assert_string_equal(v, "abc");
	assert_int_equal(v[4], '#');	/* nothing past size */

	v = get("key=abc", "key", 4);	/* exactly fits */
	assert_string_equal(v, "abc");

	v = get("key=abcdefgh", "key", 1);
	assert_string_equal(v, "");
	assert_int_equal(v[1], '#');

	/* size 0: found, and the buffer is not touched */
	v = get("key=abcdefgh", "key", 0);
	assert_non_null(v);
	assert_int_equal(v[0], '#');
}

static void test_cmdline_get_value_stops_at_space(void **state)
{
	assert_string_equal(get("test=smoke shutdown", "test", 64), "smoke");
}

static void test_cmdline_tabs_and_newline_separate_words(void **state)
{
	struct hv_options opt;
	char val[16];

	cmdline_parse("console=com1\ttest=smoke\nshutdown\r\n", &opt);
	assert_int_equal(opt.test, HV_TEST_SMOKE);
	assert_true(opt.shutdown);
	assert_string_equal(opt.bad, "");
	assert_true(cmdline_get("a=1\tb=2\n", "b", val, sizeof(val)));
	assert_string_equal(val, "2");
}

static void test_cmdline_trace_exits_parsed_and_bounded(void **state)
{
	struct hv_options opt;

	cmdline_parse("trace_exits=25", &opt);
	assert_int_equal(opt.trace_exits, 25);
	assert_string_equal(opt.bad, "");
	cmdline_parse("trace_exits=12x", &opt);
	assert_int_equal(opt.trace_exits, 0);
	assert_string_equal(opt.bad, "trace_exits");
	cmdline_parse("trace_exits=99999999999999999999", &opt);
	assert_int_equal(opt.trace_exits, 0);
	assert_string_equal(opt.bad, "trace_exits");
	cmdline_parse("trace_exits=", &opt);
	assert_int_equal(opt.trace_exits, 0);
}

static void test_cmdline_vpid_first_parsed_and_bounded(void **state)
{
	struct hv_options opt;

	(void)state;
	cmdline_parse("", &opt);
	assert_int_equal(opt.vpid_first, 1);
	cmdline_parse("vpid_first=65500", &opt);
	assert_int_equal(opt.vpid_first, 65500);
	assert_string_equal(opt.bad, "");
	cmdline_parse("vpid_first=65535", &opt);
	assert_int_equal(opt.vpid_first, 65535);
	/* 0 is no VPID, 65536 does not fit: refused, the default kept. */
	for (unsigned int i = 0; i < 4; i++) {
		static const char *const bad[] = { "vpid_first=0", "vpid_first=65536",
						   "vpid_first=9999999999999", "vpid_first=1a" };

		cmdline_parse(bad[i], &opt);
		assert_int_equal(opt.vpid_first, 1);
		assert_string_equal(opt.bad, "vpid_first");
	}
}

static void test_cmdline_has_whole_words_only(void **state)
{
	assert_true(cmdline_has("shutdown", "shutdown"));
	assert_true(cmdline_has("  a=1   shutdown   ", "shutdown"));
	assert_true(cmdline_has("a shutdown b", "shutdown"));
	assert_false(cmdline_has("noshutdown", "shutdown"));
	assert_false(cmdline_has("shutdownx", "shutdown"));
	assert_false(cmdline_has("shutdown=1", "shutdown"));
	assert_false(cmdline_has("shutdow", "shutdown"));
	assert_false(cmdline_has("", "shutdown"));
	assert_false(cmdline_has("   ", "shutdown"));
	assert_false(cmdline_has("a b c", ""));
}

static void test_cmdline_parse_defaults(void **state)
{
	cmdline_parse("", &opt);
	assert_false(opt.console.mmio);
	assert_int_equal(opt.console.base, 0x2F8);
	assert_int_equal(opt.loglevel, 3);
	assert_int_equal(opt.test, HV_TEST_NONE);
	assert_false(opt.shutdown);
	assert_string_equal(opt.bad, "");

	/* words meant for the Service VM change nothing */
	setup(state);
	cmdline_parse("root=/dev/sda1 rw quiet console=ttyS0", &opt);
	assert_int_equal(opt.loglevel, 3);
	assert_int_equal(opt.test, HV_TEST_NONE);
	assert_false(opt.shutdown);
}

static void test_cmdline_parse_console_options(void **state)
{
	cmdline_parse("console=com1", &opt);
	assert_false(opt.console.mmio);
	assert_int_equal(opt.console.base, 0x3F8);
	assert_string_equal(opt.bad, "");

	setup(state);
	cmdline_parse("console=com2", &opt);
	assert_false(opt.console.mmio);
	assert_int_equal(opt.console.base, 0x2F8);

	setup(state);
	cmdline_parse("quiet console=mmio@0xFE040000 x", &opt);
	assert_true(opt.console.mmio);
	assert_int_equal(opt.console.base, 0xFE040000);
	assert_string_equal(opt.bad, "");

	setup(state);
	cmdline_parse("console=mmio@fed00000", &opt);	/* 0x is optional */
	assert_true(opt.console.mmio);
	assert_int_equal(opt.console.base, 0xFED00000);
}

static void test_cmdline_parse_bad_console_keeps_default(void **state)
{
	static const char *const bad[] = {
		"console=com3", "console=com1x", "console=", "console=mmio@",
		"console=mmio@0x", "console=mmio@0", "console=mmio@0x100000000",
		"console=mmio@0xFG", "console=mmio@0x00000000000000001",
		"console=ttyS0",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setup(state);
		cmdline_parse(bad[i], &opt);
		assert_string_equal(opt.bad, "console");
		assert_false(opt.console.mmio);
		assert_int_equal(opt.console.base, 0x2F8);
	}
}

static void test_cmdline_parse_loglevel(void **state)
{
	for (int l = 1; l <= 4; l++) {
		char cmd[32];

		setup(state);
		memcpy(cmd, "loglevel=0", 11);
		cmd[9] = (char)('0' + l);
		cmdline_parse(cmd, &opt);
		assert_int_equal(opt.loglevel, l);
		assert_string_equal(opt.bad, "");
	}
}

static void test_cmdline_parse_bad_loglevel_keeps_default(void **state)
{
	static const char *const bad[] = {
		"loglevel=0", "loglevel=5", "loglevel=44", "loglevel=", "loglevel=3x",
		"loglevel=-1", "loglevel=info",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setup(state);
		cmdline_parse(bad[i], &opt);
		assert_string_equal(opt.bad, "loglevel");
		assert_int_equal(opt.loglevel, 3);
	}
}

static void test_cmdline_parse_test_mode_and_shutdown(void **state)
{
	cmdline_parse("test=smoke", &opt);
	assert_int_equal(opt.test, HV_TEST_SMOKE);
	assert_false(opt.shutdown);

	setup(state);
	cmdline_parse("shutdown test=bench", &opt);
	assert_int_equal(opt.test, HV_TEST_BENCH);
	assert_true(opt.shutdown);
	assert_string_equal(opt.bad, "");

	setup(state);
	cmdline_parse("test=smokey", &opt);
	assert_int_equal(opt.test, HV_TEST_NONE);
	assert_string_equal(opt.bad, "test");

	setup(state);
	cmdline_parse("test=", &opt);
	assert_int_equal(opt.test, HV_TEST_NONE);
	assert_string_equal(opt.bad, "test");
}

static void test_cmdline_parse_all_options_together(void **state)
{
	cmdline_parse("  console=com1  loglevel=4 test=smoke   shutdown root=/dev/vda ", &opt);
	assert_false(opt.console.mmio);
	assert_int_equal(opt.console.base, 0x3F8);
	assert_int_equal(opt.loglevel, 4);
	assert_int_equal(opt.test, HV_TEST_SMOKE);
	assert_true(opt.shutdown);
	assert_string_equal(opt.bad, "");
}

static void test_cmdline_parse_overlong_value_is_bad(void **state)
{
	char cmd[200];

	/* "smoke" followed by 100 characters: truncation must not make it "smoke" */
	memset(cmd, 0, sizeof(cmd));
	memcpy(cmd, "test=smoke", 10);
	memset(cmd + 10, 'e', 100);
	cmdline_parse(cmd, &opt);
	assert_int_equal(opt.test, HV_TEST_NONE);
	assert_string_equal(opt.bad, "test");
}

/* cmdline.h: bad holds the *first* option that did not parse. */
static void test_cmdline_parse_bad_records_first_failure(void **state)
{
	cmdline_parse("console=bogus loglevel=9 test=nope", &opt);
	assert_string_equal(opt.bad, "console");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmdline_get_finds_value_among_words),
		cmocka_unit_test(test_cmdline_get_ignores_extra_spaces),
		cmocka_unit_test(test_cmdline_get_matches_whole_key_only),
		cmocka_unit_test(test_cmdline_get_value_may_contain_equals),
		cmocka_unit_test(test_cmdline_get_empty_value_is_found),
		cmocka_unit_test(test_cmdline_get_returns_first_occurrence),
		cmocka_unit_test(test_cmdline_get_truncates_to_buffer),
		cmocka_unit_test(test_cmdline_get_value_stops_at_space),
		cmocka_unit_test(test_cmdline_has_whole_words_only),
		cmocka_unit_test(test_cmdline_vpid_first_parsed_and_bounded),
		cmocka_unit_test(test_cmdline_tabs_and_newline_separate_words),
		cmocka_unit_test(test_cmdline_trace_exits_parsed_and_bounded),
		cmocka_unit_test_setup(test_cmdline_parse_defaults, setup),
		cmocka_unit_test_setup(test_cmdline_parse_console_options, setup),
		cmocka_unit_test_setup(test_cmdline_parse_bad_console_keeps_default, setup),
		cmocka_unit_test_setup(test_cmdline_parse_loglevel, setup),
		cmocka_unit_test_setup(test_cmdline_parse_bad_loglevel_keeps_default, setup),
		cmocka_unit_test_setup(test_cmdline_parse_test_mode_and_shutdown, setup),
		cmocka_unit_test_setup(test_cmdline_parse_all_options_together, setup),
		cmocka_unit_test_setup(test_cmdline_parse_overlong_value_is_bad, setup),
		cmocka_unit_test_setup(test_cmdline_parse_bad_records_first_failure, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
