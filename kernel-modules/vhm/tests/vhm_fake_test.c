/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Drives /dev/acrn_vhm of the fake-hypervisor test build (tests/run-fake.sh,
 * inside QEMU) the way acrn-dm does, and checks the module's behaviour through
 * the fake's debugfs counters.  One "PASS vhm/<test>" or "FAIL ..." line each.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/acrn.h>
#include "acrn_vhm_uapi.h"

#define FAKE "/sys/kernel/debug/acrn_vhm_fake/"

static int failures;
static int vm_fd = -1;
static struct acrn_io_request_buffer *iobuf;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		printf("FAIL vhm/%s: line %d: ", __func__, __LINE__);	\
		printf(__VA_ARGS__);					\
		printf("\n");						\
		failures++;						\
		return;							\
	}								\
} while (0)
#define PASS() printf("PASS vhm/%s\n", __func__)

/* Read one "key value" line of the fake's stats; @base 10 or 16. */
static long long stat_read(const char *key, int base)
{
	char k[64], v[64];
	FILE *f = fopen(FAKE "stats", "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %63s", k, v) == 2) {
		if (strcmp(k, key) == 0) {
			fclose(f);
			return strtoll(v, NULL, base);
		}
	}
	fclose(f);
	return -1;
}

static long long stat_get(const char *key)
{
	return stat_read(key, 10);
}

static long long stat_hex(const char *key)
{
	return stat_read(key, 16);
}

static int inject(unsigned vcpu, unsigned type, unsigned dir, unsigned long long addr,
		  unsigned size, unsigned long long value)
{
	char buf[128];
	int fd = open(FAKE "inject", O_WRONLY), n, ok;

	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%u %u %u %llx %u %llx", vcpu, type, dir, addr, size, value);
	ok = write(fd, buf, n) == n;
	close(fd);
	return ok ? 0 : -1;
}

static uint32_t slot_state(unsigned vcpu)
{
	return __atomic_load_n(&iobuf->req_slot[vcpu].processed, __ATOMIC_ACQUIRE);
}

/* Wait up to ~2 s for a counter to reach @want. */
static int wait_stat(const char *key, long long want)
{
	for (int i = 0; i < 200; i++) {
		if (stat_get(key) >= want)
			return 0;
		usleep(10000);
	}
	return -1;
}

static int xioctl(unsigned long req, unsigned long arg)
{
	return ioctl(vm_fd, req, arg) < 0 ? -errno : 0;
}

static void test_create_vm_registers_pinned_ioreq_page(void)
{
	struct acrn_vm_creation cv;

	memset(&cv, 0, sizeof(cv));
	cv.ioreq_buf = (uintptr_t)iobuf;
	CHECK(xioctl(ACRN_IOCTL_CREATE_VM, (unsigned long)&cv) == 0, "CREATE_VM: %s", strerror(errno));
	CHECK(cv.vcpu_num == 4 && cv.vmid != 0, "vmid %u vcpus %u", cv.vmid, cv.vcpu_num);
	CHECK(cv.ioreq_buf == (uintptr_t)iobuf, "user ioreq_buf not given back");
	CHECK(stat_get("ioreq_set") == 1, "HC_SET_IOREQ_BUFFER not called");
	CHECK(stat_get("ioreq_pinned") == 1, "IOREQ page not pinned");
	CHECK(xioctl(ACRN_IOCTL_CREATE_VM, (unsigned long)&cv) == -EEXIST, "second VM on one file");
	PASS();
}

static void test_bad_arguments_are_rejected(void)
{
	struct acrn_vcpu_regs regs;
	struct acrn_msi_entry msi = { .msi_addr = 0xfed00000, .msi_data = 0x30 };
	struct acrn_ioreq_notify n = { .vmid = 1, .vcpu = 4 };
	struct acrn_vm_memmap m = { .type = ACRN_MEMMAP_RAM,
				    .attr = ACRN_MEM_ACCESS_RWX | ACRN_MEM_TYPE_WB,
				    .vma_base = 0x10000, .len = 0x1800 };

	memset(&regs, 0, sizeof(regs));
	regs.vcpu_id = 4;
	CHECK(xioctl(ACRN_IOCTL_SET_VCPU_REGS, (unsigned long)&regs) == -EINVAL, "vcpu_id 4 of 4");
	regs.vcpu_id = 0;
	regs.vcpu_regs.reserved_64[1] = 1;
	CHECK(xioctl(ACRN_IOCTL_SET_VCPU_REGS, (unsigned long)&regs) == -EINVAL, "reserved set");
	regs.vcpu_regs.reserved_64[1] = 0;
	CHECK(xioctl(ACRN_IOCTL_SET_VCPU_REGS, (unsigned long)&regs) == 0, "good regs refused");
	CHECK(stat_get("vcpu_regs") == 1, "bad regs reached the hypervisor");
	CHECK(xioctl(ACRN_IOCTL_SET_IRQLINE, 4ULL | (9ULL << 32)) == -EINVAL, "irqline op 9");
	CHECK(xioctl(ACRN_IOCTL_SET_IRQLINE, 4ULL | (2ULL << 32)) == 0, "irqline pulse");
	CHECK(stat_hex("irqline_last") == (long long)(4ULL | (2ULL << 32)), "irqline not by value");
	CHECK(xioctl(ACRN_IOCTL_INJECT_MSI, (unsigned long)&msi) == -EINVAL, "MSI outside 0xFEE");
	CHECK(xioctl(ACRN_IOCTL_NOTIFY_REQUEST_FINISH, (unsigned long)&n) == -EINVAL, "vcpu 4");
	CHECK(xioctl(ACRN_IOCTL_SET_MEMSEG, (unsigned long)&m) == -EINVAL, "unaligned len");
	m.len = 0x1000;
	m.user_vm_pa = ~0ULL & ~0xfffULL;
	CHECK(xioctl(ACRN_IOCTL_SET_MEMSEG, (unsigned long)&m) == -EINVAL, "wrapping GPA");
	PASS();
}

static void test_set_memseg_maps_every_page_and_unset_unmaps(void)
{
	size_t len = 2 << 20;
	void *ram = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct acrn_vm_memmap m = { .type = ACRN_MEMMAP_RAM,
				    .attr = ACRN_MEM_ACCESS_RWX | ACRN_MEM_TYPE_WB,
				    .user_vm_pa = 0, .len = len };

	CHECK(ram != MAP_FAILED, "mmap");
	m.vma_base = (uintptr_t)ram;
	CHECK(xioctl(ACRN_IOCTL_SET_MEMSEG, (unsigned long)&m) == 0, "SET_MEMSEG: %s", strerror(errno));
	CHECK(stat_get("add_pages") == 512, "mapped %lld pages", stat_get("add_pages"));
	CHECK(stat_get("ram_pinned") == 1, "guest RAM not pinned");
	m.user_vm_pa = 0x100000;
	CHECK(xioctl(ACRN_IOCTL_SET_MEMSEG, (unsigned long)&m) == -EINVAL, "overlap accepted");
	m.user_vm_pa = 0;
	CHECK(xioctl(ACRN_IOCTL_UNSET_MEMSEG, (unsigned long)&m) == 0, "UNSET_MEMSEG");
	CHECK(stat_get("del_ops") == 1, "no DEL sent");
	CHECK(stat_get("ram_pinned") == 0, "pages still pinned after UNSET");
	/* Map it again for the close test. */
	CHECK(xioctl(ACRN_IOCTL_SET_MEMSEG, (unsigned long)&m) == 0, "SET_MEMSEG again");
	PASS();
}

static void test_cf8_dword_write_is_completed_in_kernel(void)
{
	long long before = stat_get("notify_count");

	CHECK(xioctl(ACRN_IOCTL_CREATE_IOREQ_CLIENT, 0) == 0, "CREATE_IOREQ_CLIENT");
	/* bus 0, device 3, function 1, register 0x10, enabled */
	CHECK(inject(0, ACRN_IOREQ_TYPE_PORTIO, ACRN_IOREQ_DIR_WRITE, 0xcf8, 4, 0x80001910) == 0,
	      "inject");
	CHECK(wait_stat("notify_count", before + 1) == 0, "never completed");
	CHECK(stat_get("notify_last_vcpu") == 0, "wrong vcpu");
	CHECK(stat_get("notify_last_state") == ACRN_IOREQ_STATE_COMPLETE, "not COMPLETE at notify");
	PASS();
}

static void test_cf8_dword_read_returns_saved_address(void)
{
	long long before = stat_get("notify_count");

	CHECK(inject(2, ACRN_IOREQ_TYPE_PORTIO, ACRN_IOREQ_DIR_READ, 0xcf8, 4, 0) == 0, "inject");
	CHECK(wait_stat("notify_count", before + 1) == 0, "never completed");
	CHECK(iobuf->req_slot[2].reqs.pio_request.value == 0x80001910, "read %#x",
	      iobuf->req_slot[2].reqs.pio_request.value);
	PASS();
}

static void test_cfc_access_reaches_client_as_pcicfg(void)
{
	struct acrn_ioreq_notify n = { .vcpu = 1 };
	struct acrn_pci_request *c = &iobuf->req_slot[1].reqs.pci_request;
	long long before = stat_get("notify_count");

	n.vmid = 1;
	CHECK(inject(1, ACRN_IOREQ_TYPE_PORTIO, ACRN_IOREQ_DIR_READ, 0xcfe, 2, 0) == 0, "inject");
	CHECK(xioctl(ACRN_IOCTL_ATTACH_IOREQ_CLIENT, 0) == 0, "ATTACH");
	CHECK(slot_state(1) == ACRN_IOREQ_STATE_PROCESSING, "state %u", slot_state(1));
	CHECK(iobuf->req_slot[1].type == ACRN_IOREQ_TYPE_PCICFG, "type %u", iobuf->req_slot[1].type);
	CHECK(c->bus == 0 && c->dev == 3 && c->func == 1 && c->reg == 0x12 && c->size == 2,
	      "bdf %u:%u.%u reg %#x size %llu", c->bus, c->dev, c->func, c->reg,
	      (unsigned long long)c->size);
	c->value = 0xbeef;
	__atomic_store_n(&iobuf->req_slot[1].processed, ACRN_IOREQ_STATE_COMPLETE, __ATOMIC_RELEASE);
	CHECK(xioctl(ACRN_IOCTL_NOTIFY_REQUEST_FINISH, (unsigned long)&n) == 0, "NOTIFY");
	CHECK(stat_get("notify_count") == before + 1 && stat_get("notify_last_vcpu") == 1,
	      "notify not forwarded");
	PASS();
}

static void test_ioeventfd_datamatch_signals_without_client(void)
{
	int efd = eventfd(0, EFD_NONBLOCK);
	struct acrn_ioeventfd io = { .fd = efd, .flags = ACRN_IOEVENTFD_FLAG_DATAMATCH,
				     .addr = 0xd0000000, .len = 4, .data = 5 };
	struct acrn_ioreq_notify n = { .vmid = 1, .vcpu = 3 };
	struct pollfd p = { .fd = efd, .events = POLLIN };
	long long before = stat_get("notify_count");
	uint64_t cnt = 0;

	CHECK(xioctl(ACRN_IOCTL_IOEVENTFD, (unsigned long)&io) == 0, "IOEVENTFD");
	CHECK(xioctl(ACRN_IOCTL_IOEVENTFD, (unsigned long)&io) == -EEXIST, "duplicate accepted");
	CHECK(inject(3, ACRN_IOREQ_TYPE_MMIO, ACRN_IOREQ_DIR_WRITE, 0xd0000000, 4, 5) == 0, "inject");
	CHECK(poll(&p, 1, 2000) == 1 && read(efd, &cnt, 8) == 8 && cnt == 1, "eventfd not signalled");
	CHECK(wait_stat("notify_count", before + 1) == 0, "not completed in kernel");
	/* With an upcall MSI, signalled and completed in its interrupt (no kworker). */
	CHECK(stat_get("upcall_msi") == 0 || stat_get("notify_last_hardirq") == 1,
	      "completed outside the upcall's interrupt (upcall MSIs %lld, hardirq %lld)",
	      stat_get("upcall_msi"), stat_get("notify_last_hardirq"));
	/* A different value is not a match: it goes to the client. */
	CHECK(inject(3, ACRN_IOREQ_TYPE_MMIO, ACRN_IOREQ_DIR_WRITE, 0xd0000000, 4, 6) == 0, "inject");
	CHECK(xioctl(ACRN_IOCTL_ATTACH_IOREQ_CLIENT, 0) == 0, "ATTACH");
	CHECK(slot_state(3) == ACRN_IOREQ_STATE_PROCESSING, "state %u", slot_state(3));
	CHECK(poll(&p, 1, 0) == 0, "eventfd signalled for value 6");
	CHECK(xioctl(ACRN_IOCTL_NOTIFY_REQUEST_FINISH, (unsigned long)&n) == 0, "NOTIFY");
	io.flags |= ACRN_IOEVENTFD_FLAG_DEASSIGN;
	CHECK(xioctl(ACRN_IOCTL_IOEVENTFD, (unsigned long)&io) == 0, "DEASSIGN");
	close(efd);
	PASS();
}

static void test_irqfd_signal_injects_its_msi(void)
{
	int efd = eventfd(0, 0);
	struct acrn_irqfd irq = { .fd = efd, .msi = { .msi_addr = 0xfee01000, .msi_data = 0x31 } };
	long long before = stat_get("msi_count");
	uint64_t one = 1;

	CHECK(xioctl(ACRN_IOCTL_IRQFD, (unsigned long)&irq) == 0, "IRQFD");
	CHECK(write(efd, &one, 8) == 8, "eventfd write");
	CHECK(wait_stat("msi_count", before + 1) == 0, "no MSI injected");
	CHECK(stat_hex("msi_last_addr") == 0xfee01000 && stat_hex("msi_last_data") == 0x31,
	      "wrong MSI");
	/* Injected in the eventfd's wake-up, by the writer itself: no kworker in between. */
	CHECK(stat_get("msi_last_tid") == (long long)syscall(SYS_gettid),
	      "MSI injected by task %lld, not by the eventfd's writer %ld", stat_get("msi_last_tid"),
	      (long)syscall(SYS_gettid));
	close(efd);	/* the irqfd keeps its reference until teardown */
	PASS();
}

static void test_invalid_request_is_completed_not_forwarded(void)
{
	long long before = stat_get("notify_count");

	/* An 8-byte port access does not exist: complete it, never dispatch it. */
	CHECK(inject(0, ACRN_IOREQ_TYPE_PORTIO, ACRN_IOREQ_DIR_READ, 0x60, 8, 0) == 0, "inject");
	CHECK(wait_stat("notify_count", before + 1) == 0, "invalid request left pending");
	CHECK(stat_get("notify_last_state") == ACRN_IOREQ_STATE_COMPLETE, "not COMPLETE");
	PASS();
}

static void test_cf9_byte_access_stays_port_io(void)
{
	struct acrn_ioreq_notify n = { .vmid = 1, .vcpu = 2 };
	struct acrn_pio_request *p = &iobuf->req_slot[2].reqs.pio_request;

	/* 0xCF9 is the reset control register, not part of CONFIG_ADDRESS. */
	CHECK(inject(2, ACRN_IOREQ_TYPE_PORTIO, ACRN_IOREQ_DIR_WRITE, 0xcf9, 1, 6) == 0, "inject");
	CHECK(xioctl(ACRN_IOCTL_ATTACH_IOREQ_CLIENT, 0) == 0, "ATTACH");
	CHECK(iobuf->req_slot[2].type == ACRN_IOREQ_TYPE_PORTIO && p->address == 0xcf9 &&
	      p->size == 1 && p->value == 6, "request changed");
	CHECK(xioctl(ACRN_IOCTL_NOTIFY_REQUEST_FINISH, (unsigned long)&n) == 0, "NOTIFY");
	CHECK(slot_state(2) == ACRN_IOREQ_STATE_FREE, "slot not completed by NOTIFY");
	PASS();
}

static void test_clear_vm_ioreq_completes_unserved_slots(void)
{
	long long before = stat_get("notify_count");

	CHECK(inject(3, ACRN_IOREQ_TYPE_MMIO, ACRN_IOREQ_DIR_READ, 0xe0000000, 4, 0) == 0, "inject");
	CHECK(xioctl(ACRN_IOCTL_ATTACH_IOREQ_CLIENT, 0) == 0, "ATTACH");
	CHECK(slot_state(3) == ACRN_IOREQ_STATE_PROCESSING, "state %u", slot_state(3));
	CHECK(xioctl(ACRN_IOCTL_CLEAR_VM_IOREQ, 0) == 0, "CLEAR_VM_IOREQ");
	CHECK(stat_get("notify_count") == before + 1 && stat_get("notify_last_vcpu") == 3,
	      "slot 3 not completed");
	PASS();
}

static void *attach_thread(void *arg)
{
	*(int *)arg = xioctl(ACRN_IOCTL_ATTACH_IOREQ_CLIENT, 0);
	return NULL;
}

static void test_destroy_client_wakes_blocked_attach(void)
{
	pthread_t t;
	int rc = 1;

	CHECK(pthread_create(&t, NULL, attach_thread, &rc) == 0, "pthread_create");
	usleep(200000);
	CHECK(rc == 1, "ATTACH returned (%d) with nothing pending", rc);
	CHECK(xioctl(ACRN_IOCTL_DESTROY_IOREQ_CLIENT, 0) == 0, "DESTROY_IOREQ_CLIENT");
	pthread_join(t, NULL);
	CHECK(rc == -ENODEV, "ATTACH returned %d", rc);
	PASS();
}

static void test_close_destroys_vm_and_unpins_everything(void)
{
	CHECK(stat_get("ram_pinned") == 1 && stat_get("ioreq_pinned") == 1, "not pinned before: ram %lld ioreq %lld",
	      stat_get("ram_pinned"), stat_get("ioreq_pinned"));
	close(vm_fd);
	vm_fd = -1;
	CHECK(stat_get("destroyed") == 1, "HC_DESTROY_VM not called");
	CHECK(stat_get("ram_pinned") == 0, "guest RAM still pinned");
	CHECK(stat_get("ioreq_pinned") == 0, "IOREQ page still pinned");
	PASS();
}

/* Append @p text to the fake hypervisor's log ring. */
static int fake_log_append(const char *text)
{
	int fd = open(FAKE "log", O_WRONLY), ok;
	size_t n = strlen(text);

	if (fd < 0)
		return -errno;
	ok = write(fd, text, n) == (ssize_t)n;
	close(fd);
	return ok ? 0 : -1;
}

static int get_log(int fd, struct acrn_vhm_hv_log *l, uint64_t pos, void *buf, uint32_t len)
{
	memset(l, 0, sizeof(*l));
	l->pos = pos;
	l->buf = (uintptr_t)buf;
	l->len = len;
	return ioctl(fd, ACRN_VHM_IOCTL_GET_HV_LOG, l) < 0 ? -errno : 0;
}

/*
 * The log ioctl needs no VM (a fresh file, nothing created), copies what
 * the hypervisor logged into the user's buffer, never hands the hypervisor
 * more than ACRN_VHM_HV_LOG_READ_MAX, and refuses bad pointers and positions.
 */
static void test_get_hv_log_reads_the_hypervisor_log(void)
{
	static char big[3 * ACRN_VHM_HV_LOG_READ_MAX];
	struct acrn_vhm_hv_log l;
	char buf[256], line[160];
	long long head0 = stat_get("log_head");
	int fd = open("/dev/acrn_vhm", O_RDWR), r;

	CHECK(fd >= 0, "open: %s", strerror(errno));
	CHECK(head0 >= 0, "no log_head stat");
	CHECK(fake_log_append("ACRN hypervisor (fake)\n") == 0, "append");
	r = get_log(fd, &l, head0, buf, sizeof(buf));
	CHECK(r == 0, "GET_HV_LOG on a file without a VM: %s", strerror(-r));
	CHECK(l.copied == 23 && memcmp(buf, "ACRN hypervisor (fake)\n", 23) == 0,
	      "copied %u '%.*s'", l.copied, (int)l.copied, buf);
	CHECK(l.next == (uint64_t)head0 + 23 && l.head == l.next && l.lost == 0,
	      "next %llu head %llu lost %llu", (unsigned long long)l.next,
	      (unsigned long long)l.head, (unsigned long long)l.lost);

	/* Fill more than the fake's 8 KiB ring: reading from 0 reports the loss. */
	for (int i = 0; i < 100; i++) {
		snprintf(line, sizeof(line), "%-99d\n", i);
		CHECK(fake_log_append(line) == 0, "append %d", i);
	}
	memset(big, 0x5a, sizeof(big));
	r = get_log(fd, &l, 0, big, sizeof(big));
	CHECK(r == 0, "read from 0: %s", strerror(-r));
	CHECK(l.lost == l.head - 8192, "lost %llu of head %llu", (unsigned long long)l.lost,
	      (unsigned long long)l.head);
	CHECK(l.copied == ACRN_VHM_HV_LOG_READ_MAX, "copied %u, asked %zu", l.copied, sizeof(big));
	CHECK(big[ACRN_VHM_HV_LOG_READ_MAX] == 0x5a, "wrote past the %u bytes copied", l.copied);
	CHECK(stat_get("log_max_len") <= ACRN_VHM_HV_LOG_READ_MAX,
	      "hypervisor was asked for %lld bytes", stat_get("log_max_len"));
	/* The last line, read at its position, is the last line appended. */
	r = get_log(fd, &l, l.head - 100, buf, sizeof(buf));
	CHECK(r == 0 && l.copied == 100 && memcmp(buf, "99 ", 3) == 0, "last line: %d %u", r, l.copied);

	/* Query only: no buffer needed. */
	r = get_log(fd, &l, 0, NULL, 0);
	CHECK(r == 0 && l.copied == 0 && l.head == (uint64_t)stat_get("log_head"), "query: %d", r);
	/* Hostile: a position not logged yet, bad pointers. */
	CHECK(get_log(fd, &l, l.head + 1, buf, sizeof(buf)) == -EINVAL, "pos beyond head accepted");
	CHECK(get_log(fd, &l, 0, (void *)16, 64) == -EFAULT, "buffer at 16 accepted");
	CHECK(get_log(fd, &l, 0, (void *)0xffff888000000000ULL, 64) == -EFAULT,
	      "kernel address accepted as buffer");
	CHECK(ioctl(fd, ACRN_VHM_IOCTL_GET_HV_LOG, 16) < 0 && errno == EFAULT, "struct at 16 accepted");
	close(fd);
	PASS();
}

/* A blocked ATTACH is interrupted (EINTR) instead of hanging the run. */
static void on_alarm(int sig)
{
	(void)sig;
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };

	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART */
	alarm(5);
	iobuf = aligned_alloc(4096, sizeof(*iobuf));
	memset(iobuf, 0, sizeof(*iobuf));
	for (int i = 0; i < ACRN_IO_REQUEST_MAX; i++)
		iobuf->req_slot[i].processed = ACRN_IOREQ_STATE_FREE;
	vm_fd = open("/dev/acrn_vhm", O_RDWR);
	if (vm_fd < 0) {
		printf("FAIL vhm/open: %s\n", strerror(errno));
		return 1;
	}
	alarm(5);
	test_get_hv_log_reads_the_hypervisor_log();
	alarm(5);
	test_create_vm_registers_pinned_ioreq_page();
	alarm(5);
	test_bad_arguments_are_rejected();
	alarm(5);
	test_set_memseg_maps_every_page_and_unset_unmaps();
	alarm(5);
	test_cf8_dword_write_is_completed_in_kernel();
	alarm(5);
	test_cf8_dword_read_returns_saved_address();
	alarm(5);
	test_cfc_access_reaches_client_as_pcicfg();
	alarm(5);
	test_ioeventfd_datamatch_signals_without_client();
	alarm(5);
	test_irqfd_signal_injects_its_msi();
	alarm(5);
	test_invalid_request_is_completed_not_forwarded();
	alarm(5);
	test_cf9_byte_access_stays_port_io();
	alarm(5);
	test_clear_vm_ioreq_completes_unserved_slots();
	alarm(5);
	test_destroy_client_wakes_blocked_attach();
	alarm(5);
	test_close_destroys_vm_and_unpins_everything();
	printf("VHM-FAKE-DONE failures=%d\n", failures);
	return failures != 0;
}
