/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of hv_vsnprintf (hypervisor/lib/sprintf.c).
 *
 * Where the hypervisor's formatter claims C99 behaviour (ISO C11 §7.21.6.1
 * fprintf conversions, §7.21.6.5 snprintf return value) the output and the
 * return value are compared with the host C library's snprintf.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <lib/sprintf.h>

/* Same format, same arguments: libc and hv_snprintf must agree exactly. */
#define SAME(...)							\
	do {								\
		char want_[256], got_[256];				\
		int rw_ = snprintf(want_, sizeof(want_), __VA_ARGS__);	\
		int rg_ = hv_snprintf(got_, sizeof(got_), __VA_ARGS__);	\
		assert_string_equal(got_, want_);			\
		assert_int_equal(rg_, rw_);				\
	} while (0)

/* A call without the format attribute, for formats gcc would reject. */
static int fmt_raw(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = hv_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static void test_sprintf_plain_text_and_percent(void **state)
{
	SAME("%s", "");
	SAME("hello, world");
	SAME("100%%");
	SAME("%%d%%");
}

static void test_sprintf_signed_decimal_matches_libc(void **state)
{
	SAME("%d", 0);
	SAME("%d", 42);
	SAME("%d", -42);
	SAME("%i", -7);
	SAME("%d %d", INT_MAX, INT_MIN);
	SAME("%ld", (long)INT64_MIN);
	SAME("%ld", (long)INT64_MAX);
	SAME("%lld", (long long)INT64_MIN);
	SAME("%lld", -1LL);
	SAME("%zd", (ssize_t)-123456789012LL);
	SAME("%ld", -5000000000L);
}

static void test_sprintf_unsigned_hex_octal_match_libc(void **state)
{
	SAME("%u", 0U);
	SAME("%u", UINT_MAX);
	SAME("%lu", (unsigned long)UINT64_MAX);
	SAME("%llu", 18446744073709551615ULL);
	SAME("%zu", (size_t)SIZE_MAX);
	SAME("%x", 0xDEADBEEFU);
	SAME("%X", 0xDEADBEEFU);
	SAME("%lx", 0x123456789ABCDEF0UL);
	SAME("%llX", 0xFEDCBA9876543210ULL);
	SAME("%zx", (size_t)0xABC);
	SAME("%o", 0U);
	SAME("%o", 8U);
	SAME("%o", 0777U);
	SAME("%lo", (unsigned long)UINT64_MAX);	/* 22 digits */
	SAME("%x", 0U);
}

static void test_sprintf_alt_hex_prefix_matches_libc(void **state)
{
	SAME("%#x", 0x1234U);
	SAME("%#X", 0xABCU);
	SAME("%#lx", 0xFFFFFFFFFFFFFFFFUL);
	SAME("%#010x", 0x1234U);
	SAME("%-#10x|", 0x1234U);
}

/* C11 §7.21.6.1p6: with '#', "a nonzero result" gets the 0x prefix. */
static void test_sprintf_alt_hex_zero_has_no_prefix(void **state)
{
	SAME("%#x", 0U);
}

/* C11 §7.21.6.1p6: '#' with o forces a leading zero digit. */
static void test_sprintf_alt_octal_has_leading_zero(void **state)
{
	SAME("%#o", 8U);
	SAME("%#o", 0U);
}

/* The width is the width of the whole conversion, prefix included. */
static void test_sprintf_alt_hex_width_pads_before_prefix(void **state)
{
	SAME("%#10x|", 0x1234U);
}

static void test_sprintf_pointer_is_0x_hex(void **state)
{
	char buf[64], want[64];
	void *p = (void *)(uintptr_t)0x7FFDEADBEEF0UL;

	assert_int_equal(hv_snprintf(buf, sizeof(buf), "%p", p), 14);
	assert_string_equal(buf, "0x7ffdeadbeef0");
	snprintf(want, sizeof(want), "%p", p);
	assert_string_equal(buf, want);
	hv_snprintf(buf, sizeof(buf), "[%p]", (void *)(uintptr_t)0x10);
	assert_string_equal(buf, "[0x10]");
}

static void test_sprintf_pointer_width_includes_prefix(void **state)
{
	char buf[64];
	int n = hv_snprintf(buf, sizeof(buf), "%18p|", (void *)(uintptr_t)0xABCDEF);

	assert_string_equal(buf, "          0xabcdef|");
	assert_int_equal(n, 19);
}

static void test_sprintf_string_null_precision_width(void **state)
{
	const char *volatile nul = NULL;
	char buf[64];

	hv_snprintf(buf, sizeof(buf), "<%s>", nul);
	assert_string_equal(buf, "<(null)>");
	SAME("%.3s", "abcdef");
	SAME("%.0s|", "abcdef");
	SAME("%.10s", "abc");
	SAME("%8s|", "abc");
	SAME("%-8s|", "abc");
	SAME("%8.2s|", "abc");
	SAME("%2s|", "abcdef");
	SAME("%*s|", 6, "ab");
	SAME("%-*s|", 6, "ab");
}

/*
 * Run fn in a child process: a sanitizer report there aborts only the child,
 * and the test fails with the report in the log instead of ending the run.
 */
static void run_in_child(void (*fn)(void), unsigned timeout_s)
{
	pid_t pid = fork();
	int status = 0;

	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(timeout_s);
		fn();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void child_precision_bounds_read(void)
{
	/* heap copy, so the byte after the array is a redzone for ASan */
	char *s = malloc(4);
	char buf[8];

	if (s == NULL)
		_exit(2);
	memcpy(s, "wxyz", 4);		/* no NUL */
	if (hv_snprintf(buf, sizeof(buf), "%.4s", s) != 4 || strcmp(buf, "wxyz") != 0)
		_exit(1);
	if (hv_snprintf(buf, sizeof(buf), "%.2s|", s + 2) != 3 || strcmp(buf, "yz|") != 0)
		_exit(1);
	free(s);
}

/* C11 §7.21.6.1p8: with a precision, the array need not hold a NUL. */
static void test_sprintf_string_precision_reads_no_further(void **state)
{
	run_in_child(child_precision_bounds_read, 10);
}

static void test_sprintf_char_conversion(void **state)
{
	SAME("%c", 'A');
	SAME("%c%c%c", 'a', 'b', 'c');
	SAME("[%c]", 0x7E);
}

static void test_sprintf_char_honours_width(void **state)
{
	SAME("%3c|", 'x');
	SAME("%-3c|", 'x');
}

static void test_sprintf_width_and_flags_match_libc(void **state)
{
	SAME("%5d|", 42);
	SAME("%-5d|", 42);
	SAME("%05d", 42);
	SAME("%05d", -42);
	SAME("%5d|", -42);
	SAME("%2d", 12345);	/* width never truncates */
	SAME("%08x", 0xBEEFU);
	SAME("%-8X|", 0xBEEFU);
	SAME("%012lu", 12345678901UL);
	SAME("%*d|", 6, 7);
	SAME("%*d|", -6, 7);	/* negative '*' width means '-' */
	SAME("%-*d|", 6, -7);
	SAME("%0*d", 6, -7);
	SAME("%4o|", 8U);
	SAME("%020ld", (long)INT64_MIN);
}

/* C11 §7.21.6.1p6: "If the 0 and - flags both appear, the 0 flag is ignored." */
static void test_sprintf_minus_flag_overrides_zero(void **state)
{
	char buf[32];

	assert_int_equal(fmt_raw(buf, sizeof(buf), "%-05d|", -42), 6);
	assert_string_equal(buf, "-42  |");
	assert_int_equal(fmt_raw(buf, sizeof(buf), "%0-6x|", 0xABU), 7);
	assert_string_equal(buf, "ab    |");
}

/* C11 §7.21.6.1p7: the promoted argument is converted to (unsigned) char / short. */
static void test_sprintf_h_and_hh_convert_argument(void **state)
{
	SAME("%hhd", 300);
	SAME("%hhu", 511);
	SAME("%hhx", (signed char)-1);
	SAME("%hd", 70000);
	SAME("%hu", -1);
	SAME("%hx", (short)-2);
}

static void test_sprintf_h_and_hh_in_range_values(void **state)
{
	SAME("%hhd", (signed char)-5);
	SAME("%hd", (short)-1234);
	SAME("%hhu", (unsigned char)200);
	SAME("%hu", (unsigned short)65535);
}

static void test_sprintf_truncation_returns_full_length(void **state)
{
	char buf[16];

	memset(buf, '#', sizeof(buf));
	assert_int_equal(hv_snprintf(buf, 5, "hello world"), 11);
	assert_string_equal(buf, "hell");
	assert_int_equal(buf[5], '#');	/* nothing written past size */

	memset(buf, '#', sizeof(buf));
	assert_int_equal(hv_snprintf(buf, 6, "%d|%s", -123456, "xyz"), 11);
	assert_string_equal(buf, "-1234");
	assert_int_equal(buf[6], '#');

	memset(buf, '#', sizeof(buf));
	assert_int_equal(hv_snprintf(buf, 4, "%10d", 1), 10);
	assert_string_equal(buf, "   ");

	/* exactly fitting: size = length + 1 */
	assert_int_equal(hv_snprintf(buf, 6, "%s", "abcde"), 5);
	assert_string_equal(buf, "abcde");
	assert_int_equal(hv_snprintf(buf, 5, "%s", "abcde"), 5);
	assert_string_equal(buf, "abcd");
}

static void test_sprintf_size_zero_writes_nothing(void **state)
{
	char buf[4] = { 'q', 'q', 'q', 'q' };

	assert_int_equal(hv_snprintf(buf, 0, "abc%d", 12), 5);
	assert_memory_equal(buf, "qqqq", 4);
	assert_int_equal(hv_snprintf(NULL, 0, "%s-%u", "xy", 99U), 5);
}

static void test_sprintf_size_one_writes_only_nul(void **state)
{
	char buf[4] = { 'q', 'q', 'q', 'q' };

	assert_int_equal(hv_snprintf(buf, 1, "abc"), 3);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 'q');
}

static void test_sprintf_trailing_percent_stops_cleanly(void **state)
{
	char buf[32];

	memset(buf, '#', sizeof(buf));
	assert_int_equal(fmt_raw(buf, sizeof(buf), "abc%"), 3);
	assert_string_equal(buf, "abc");
	assert_int_equal(fmt_raw(buf, sizeof(buf), "abc%-08"), 3);
	assert_string_equal(buf, "abc");
	assert_int_equal(fmt_raw(buf, sizeof(buf), "x%l"), 1);
	assert_string_equal(buf, "x");
	assert_int_equal(fmt_raw(buf, sizeof(buf), "x%.", 1), 1);
	assert_string_equal(buf, "x");
}

static void test_sprintf_unknown_conversion_printed_and_no_arg_used(void **state)
{
	char buf[32];

	assert_int_equal(fmt_raw(buf, sizeof(buf), "%y %d", 5), 4);
	assert_string_equal(buf, "%y 5");
}

static void test_sprintf_many_arguments_in_order(void **state)
{
	SAME("%d %s %x %c %lu %ld %%", -1, "two", 3U, '4', 5UL, -6L);
	SAME("%s=%08lx %s", "cr0", 0x80050033UL, "ok");
}

static void child_star_width_int_min(void)
{
	char buf[8];

	fmt_raw(buf, sizeof(buf), "%*d", INT_MIN, 1);
}

/* '*' with INT_MIN: negating it must not be signed overflow (UBSan aborts). */
static void test_sprintf_star_width_int_min_is_defined(void **state)
{
	/* a correct formatter may still pad 2^31 characters: allow time */
	run_in_child(child_star_width_int_min, 60);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sprintf_plain_text_and_percent),
		cmocka_unit_test(test_sprintf_signed_decimal_matches_libc),
		cmocka_unit_test(test_sprintf_unsigned_hex_octal_match_libc),
		cmocka_unit_test(test_sprintf_alt_hex_prefix_matches_libc),
		cmocka_unit_test(test_sprintf_alt_hex_zero_has_no_prefix),
		cmocka_unit_test(test_sprintf_alt_octal_has_leading_zero),
		cmocka_unit_test(test_sprintf_alt_hex_width_pads_before_prefix),
		cmocka_unit_test(test_sprintf_pointer_is_0x_hex),
		cmocka_unit_test(test_sprintf_pointer_width_includes_prefix),
		cmocka_unit_test(test_sprintf_string_null_precision_width),
		cmocka_unit_test(test_sprintf_string_precision_reads_no_further),
		cmocka_unit_test(test_sprintf_char_conversion),
		cmocka_unit_test(test_sprintf_char_honours_width),
		cmocka_unit_test(test_sprintf_width_and_flags_match_libc),
		cmocka_unit_test(test_sprintf_minus_flag_overrides_zero),
		cmocka_unit_test(test_sprintf_h_and_hh_convert_argument),
		cmocka_unit_test(test_sprintf_h_and_hh_in_range_values),
		cmocka_unit_test(test_sprintf_truncation_returns_full_length),
		cmocka_unit_test(test_sprintf_size_zero_writes_nothing),
		cmocka_unit_test(test_sprintf_size_one_writes_only_nul),
		cmocka_unit_test(test_sprintf_trailing_percent_stops_cleanly),
		cmocka_unit_test(test_sprintf_unknown_conversion_printed_and_no_arg_used),
		cmocka_unit_test(test_sprintf_many_arguments_in_order),
		cmocka_unit_test(test_sprintf_star_width_int_min_is_defined),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
