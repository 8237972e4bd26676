/* SPDX-License-Identifier: BSD-3-Clause */
/* Option parser: good command lines produce the typed config, bad ones one error. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "dm_config.h"
#include "dmtest.h"
#include "ioreq.h"
#include <sched.h>
#include "../../kernel-modules/vhm/acrn_vhm_uapi.h"

static char errbuf[256];

/* Parse a NULL-terminated list of arguments (argv[0] is added). */
static int parse(struct dm_config *cfg, ...)
{
	char *argv[64];
	int argc = 0;
	va_list ap;
	char *a;

	argv[argc++] = (char *)"acrn-dm";
	va_start(ap, cfg);
	while ((a = va_arg(ap, char *)) != NULL && argc < 63)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	return dm_config_parse(cfg, argc, argv, errbuf, sizeof(errbuf));
}

/* Expect a failure whose one-line message mentions @p needle. */
#define assert_parse_fails(needle, ...) do {						\
	struct dm_config c_;								\
	assert_int_equal(parse(&c_, __VA_ARGS__, NULL), -EINVAL);			\
	assert_non_null(strstr(errbuf, needle));					\
	assert_null(strchr(errbuf, '\n'));						\
	dm_config_free(&c_);								\
} while (0)

static void test_config_full_acrn_launch_line(void **state)
{
	struct dm_config c;
	static const uint8_t uuid[16] = { 0xd2, 0x79, 0x54, 0x38, 0x25, 0xd6, 0x11, 0xe8,
					  0x86, 0x4e, 0xcb, 0x7a, 0x18, 0xb3, 0x46, 0x43 };

	assert_int_equal(parse(&c, "-A", "-m", "2G", "-c", "2", "-s", "0:0,hostbridge",
			       "-s", "1:0,lpc", "-l", "com1,stdio", "-s", "3,virtio-blk,/img/a.img,writeback",
			       "-k", "/boot/bzImage", "-r", "/boot/initrd", "-B", "console=ttyS0 root=/dev/vda",
			       "--ovmf", "/usr/share/OVMF.fd", "-U", "d2795438-25d6-11e8-864e-cb7a18b34643",
			       "--cpu_affinity", "0,1", "--debugexit", "vm1", NULL), 0);
	assert_int_equal(c.action, DM_ACTION_RUN);
	assert_true(c.mem_size == (2ULL << 30));
	assert_int_equal(c.ncpus, 2);
	assert_int_equal(c.cpu_affinity, 0x3);
	assert_true(c.acpi && c.debugexit && c.has_uuid);
	assert_memory_equal(c.uuid, uuid, 16);
	assert_string_equal(c.kernel, "/boot/bzImage");
	assert_string_equal(c.initrd, "/boot/initrd");
	assert_string_equal(c.bootargs, "console=ttyS0 root=/dev/vda");
	assert_string_equal(c.ovmf, "/usr/share/OVMF.fd");
	assert_string_equal(c.vm_name, "vm1");
	assert_int_equal(c.com[0].backend, DM_COM_STDIO);
	assert_int_equal(c.ndevs, 3);
	assert_string_equal(c.devs[2].name, "virtio-blk");
	assert_int_equal(c.devs[2].slot, 3);
	assert_string_equal(dm_dev_positional(&c.devs[2], 0), "/img/a.img");
	assert_true(dm_dev_has_flag(&c.devs[2], "writeback"));
	dm_config_free(&c);
}

static void test_config_memsize_suffixes(void **state)
{
	uint64_t v;

	assert_int_equal(dm_parse_memsize("512M", &v), 0);
	assert_true(v == 512ULL << 20);
	assert_int_equal(dm_parse_memsize("2g", &v), 0);
	assert_true(v == 2ULL << 30);
	assert_int_equal(dm_parse_memsize("1024", &v), 0);	/* plain number: MiB */
	assert_true(v == 1ULL << 30);
	assert_int_equal(dm_parse_memsize("6K", &v), 0);		/* rounded up to pages */
	assert_true(v == 8192);
	assert_int_equal(dm_parse_memsize("1GB", &v), 0);
	assert_true(v == 1ULL << 30);
	assert_int_equal(dm_parse_memsize("0", &v), -EINVAL);
	assert_int_equal(dm_parse_memsize("-1G", &v), -EINVAL);
	assert_int_equal(dm_parse_memsize("12X", &v), -EINVAL);
	assert_int_equal(dm_parse_memsize("1G2", &v), -EINVAL);
	assert_int_equal(dm_parse_memsize("", &v), -EINVAL);
	assert_int_equal(dm_parse_memsize("2048T", &v), -ERANGE);
	assert_int_equal(dm_parse_memsize("99999999999999999999999M", &v), -ERANGE);
}

static void test_config_defaults_and_affinity_sets_vcpus(void **state)
{
	struct dm_config c;

	assert_int_equal(parse(&c, "vm", NULL), 0);
	assert_true(c.mem_size == 256ULL << 20);
	assert_int_equal(c.ncpus, 1);
	dm_config_free(&c);
	assert_int_equal(parse(&c, "--cpu_affinity=1,2,5", "vm", NULL), 0);
	assert_int_equal(c.ncpus, 3);
	assert_int_equal(c.cpu_affinity, 0x26);
	dm_config_free(&c);
}

static void test_config_inline_and_long_forms(void **state)
{
	struct dm_config c;

	assert_int_equal(parse(&c, "-m512M", "--cpus=3", "--kernel", "/k", "--", "-odd-name",
			       NULL), -EINVAL);	/* names may not start with '-' */
	dm_config_free(&c);
	assert_int_equal(parse(&c, "-m512M", "--cpus=3", "--kernel", "/k", "my.vm-1", NULL), 0);
	assert_true(c.mem_size == 512ULL << 20);
	assert_int_equal(c.ncpus, 3);
	assert_string_equal(c.kernel, "/k");
	dm_config_free(&c);
}

static void test_config_slots_sorted_and_options_typed(void **state)
{
	struct dm_config c;

	assert_int_equal(parse(&c, "-s", "5:1,dev-b,key=val,flag", "-s", "5,dev-a", "-s",
			       "0:2:0,dev-c", "vm", NULL), 0);
	assert_int_equal(c.ndevs, 3);
	assert_int_equal(c.devs[0].slot, 2);
	assert_int_equal(c.devs[1].slot, 5);
	assert_int_equal(c.devs[1].func, 0);
	assert_int_equal(c.devs[2].func, 1);
	assert_string_equal(dm_dev_opt(&c.devs[2], "key"), "val");
	assert_null(dm_dev_opt(&c.devs[2], "flag"));
	assert_true(dm_dev_has_flag(&c.devs[2], "flag"));
	assert_false(dm_dev_has_flag(&c.devs[2], "key"));
	assert_null(dm_dev_positional(&c.devs[2], 1));
	dm_config_free(&c);
}

static void test_config_lpc_backends(void **state)
{
	struct dm_config c;

	assert_int_equal(parse(&c, "-l", "com1,tcp,4444", "-l", "com2,tty,/dev/pts/3", "-l",
			       "com3,file,/tmp/log", "-l", "com4,/dev/ttyS1", "vm", NULL), 0);
	assert_int_equal(c.com[0].backend, DM_COM_TCP);
	assert_int_equal(c.com[0].port, 4444);
	assert_int_equal(c.com[1].backend, DM_COM_TTY);
	assert_string_equal(c.com[1].path, "/dev/pts/3");
	assert_int_equal(c.com[2].backend, DM_COM_FILE);
	assert_int_equal(c.com[3].backend, DM_COM_TTY);
	assert_string_equal(c.com[3].path, "/dev/ttyS1");
	dm_config_free(&c);
}

static void test_config_acrn_script_options_accepted_and_reported(void **state)
{
	struct dm_config c;

	assert_int_equal(parse(&c, "--windows", "--logger_setting", "console,level=4",
			       "--mac_seed", "vm1-seed", "--virtio_poll=1000000", "vm", NULL), 0);
	assert_int_equal(c.nignored, 3);
	assert_string_equal(c.ignored[0], "windows");
	assert_string_equal(c.ignored[1], "logger_setting");
	assert_string_equal(c.ignored[2], "virtio_poll");
	assert_string_equal(c.mac_seed, "vm1-seed");
	dm_config_free(&c);
	assert_parse_fails("requires an argument", "vm", "--logger_setting");
	assert_parse_fails("unknown option", "--lapic_pt", "vm");	/* would change semantics */
}

static void test_config_help_and_version_actions(void **state)
{
	struct dm_config c;

	assert_int_equal(parse(&c, "-h", NULL), 0);
	assert_int_equal(c.action, DM_ACTION_HELP);
	dm_config_free(&c);
	assert_int_equal(parse(&c, "--version", NULL), 0);
	assert_int_equal(c.action, DM_ACTION_VERSION);
	dm_config_free(&c);
}

static void test_config_bad_inputs_rejected_with_one_line(void **state)
{
	assert_parse_fails("missing VM name", "-m", "1G");
	assert_parse_fails("unknown option", "--bogus", "vm");
	assert_parse_fails("unknown option", "--debugexit=1", "vm");
	assert_parse_fails("requires an argument", "vm", "-m");
	assert_parse_fails("invalid memory size", "-m", "lots", "vm");
	assert_parse_fails("given twice", "-m", "1G", "-m", "2G", "vm");
	assert_parse_fails("vCPU count", "-c", "0", "vm");
	assert_parse_fails("vCPU count", "-c", "17", "vm");
	assert_parse_fails("exceeds", "-c", "3", "--cpu_affinity", "0,1", "vm");
	assert_parse_fails("invalid CPU", "--cpu_affinity", "0,,1", "vm");
	assert_parse_fails("invalid CPU", "--cpu_affinity", "64", "vm");
	assert_parse_fails("used twice", "-s", "3,a", "-s", "3:0,b", "vm");
	assert_parse_fails("invalid slot", "-s", "32,a", "vm");
	assert_parse_fails("invalid slot", "-s", "1:8,a", "vm");
	assert_parse_fails("invalid slot", "-s", "1:0:0,a", "vm");
	assert_parse_fails("invalid slot", "-s", "x,a", "vm");
	assert_parse_fails("expected slot", "-s", "3", "vm");
	assert_parse_fails("invalid device name", "-s", "3,", "vm");
	assert_parse_fails("empty option", "-s", "3,dev,,x", "vm");
	assert_parse_fails("has no key", "-s", "3,dev,=x", "vm");
	assert_parse_fails("invalid UUID", "-U", "not-a-uuid", "vm");
	assert_parse_fails("comN", "-l", "com5,stdio", "vm");
	assert_parse_fails("configured twice", "-l", "com1,stdio", "-l", "com1,stdio", "vm");
	assert_parse_fails("invalid TCP port", "-l", "com1,tcp,70000", "vm");
	assert_parse_fails("backend must be", "-l", "com1,pipe,x", "vm");
	assert_parse_fails("VM name already given", "vm", "extra");
	assert_parse_fails("invalid VM name", "bad/name");
	assert_parse_fails("invalid VM name", "this-name-is-far-too-long-for-acrn-dm");
	assert_parse_fails("empty argument", "-k", "", "vm");
}

static void test_config_too_many_device_options_rejected(void **state)
{
	char opt[4 * DM_DEV_OPTS_MAX + 16] = "3,dev";
	struct dm_config c;

	for (int i = 0; i <= DM_DEV_OPTS_MAX; i++)
		strcat(opt, ",o");
	assert_int_equal(parse(&c, "-s", opt, "vm", NULL), -EINVAL);
	assert_non_null(strstr(errbuf, "options"));
	dm_config_free(&c);
}

static void test_config_priority_classes(void **state)
{
	struct dm_config c;

	assert_int_equal(parse(&c, "vm", NULL), 0);
	assert_int_equal(c.prio, DM_PRIO_NORMAL);
	dm_config_free(&c);
	assert_int_equal(parse(&c, "--priority", "high", "vm", NULL), 0);
	assert_int_equal(c.prio, DM_PRIO_HIGH);
	dm_config_free(&c);
	assert_int_equal(parse(&c, "--priority=low", "vm", NULL), 0);
	assert_int_equal(c.prio, DM_PRIO_LOW);
	dm_config_free(&c);
	assert_int_equal(parse(&c, "--priority", "normal", "vm", NULL), 0);
	assert_int_equal(c.prio, DM_PRIO_NORMAL);
	dm_config_free(&c);
	assert_parse_fails("is not high, normal or low", "--priority", "urgent", "vm");
	assert_parse_fails("is not high, normal or low", "--priority", "HIGH", "vm");
	assert_parse_fails("is not high, normal or low", "--priority", "", "vm");
	assert_parse_fails("given twice", "--priority", "high", "--priority", "high", "vm");
}

/* The class reaches CREATE_VM's vm_flag (bits 9:8) and nothing else is set. */
static void test_config_priority_reaches_create_vm(void **state)
{
	static const struct { const char *arg; uint64_t flag; } cases[] = {
		{ "normal", ACRN_VHM_VM_FLAG_PRIO(ACRN_VHM_VM_PRIO_NORMAL) },
		{ "high", ACRN_VHM_VM_FLAG_PRIO(ACRN_VHM_VM_PRIO_HIGH) },
		{ "low", ACRN_VHM_VM_FLAG_PRIO(ACRN_VHM_VM_PRIO_LOW) },
	};
	struct dmtest_vm vm;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(dmtest_vm_create(&vm, "-m", "16M", "--priority", cases[i].arg,
						  "vm", NULL), 0);
		assert_true(vmm_test_get(vm.ctx)->cv.vm_flag == cases[i].flag);
		dmtest_vm_destroy(&vm);
	}
	assert_true(ACRN_VHM_VM_FLAG_PRIO(ACRN_VHM_VM_PRIO_HIGH) == 0x100);
	assert_true(ACRN_VHM_VM_FLAG_PRIO(ACRN_VHM_VM_PRIO_LOW) == 0x200);
}

static void test_config_priority_ioreq_thread_class(void **state)
{
	int policy, rt, nice;

	ioreq_thread_class(DM_PRIO_HIGH, &policy, &rt, &nice);
	assert_int_equal(policy, SCHED_FIFO);
	assert_int_equal(rt, 1);
	assert_int_equal(nice, 0);
	ioreq_thread_class(DM_PRIO_NORMAL, &policy, &rt, &nice);
	assert_int_equal(policy, SCHED_OTHER);
	assert_int_equal(nice, 0);
	ioreq_thread_class(DM_PRIO_LOW, &policy, &rt, &nice);
	assert_int_equal(policy, SCHED_OTHER);
	assert_int_equal(nice, 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_full_acrn_launch_line),
		cmocka_unit_test(test_config_memsize_suffixes),
		cmocka_unit_test(test_config_defaults_and_affinity_sets_vcpus),
		cmocka_unit_test(test_config_inline_and_long_forms),
		cmocka_unit_test(test_config_slots_sorted_and_options_typed),
		cmocka_unit_test(test_config_lpc_backends),
		cmocka_unit_test(test_config_acrn_script_options_accepted_and_reported),
		cmocka_unit_test(test_config_help_and_version_actions),
		cmocka_unit_test(test_config_bad_inputs_rejected_with_one_line),
		cmocka_unit_test(test_config_too_many_device_options_rejected),
		cmocka_unit_test(test_config_priority_classes),
		cmocka_unit_test(test_config_priority_reaches_create_vm),
		cmocka_unit_test(test_config_priority_ioreq_thread_class),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
