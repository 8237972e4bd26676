/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A hostile guest: long pseudo-random sequences of port, MMIO and PCI
 * configuration requests (valid and malformed) against the host bridge, the
 * LPC bridge and a device with every kind of BAR, MSI and MSI-X.  Under ASan and
 * UBSan this proves the paths guest input reaches stay in bounds; the checks
 * prove every request is completed and read-only state stays read-only.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "dm_log.h"
#include "dmtest.h"
#include "io_dispatch.h"
#include "ioreq.h"
#include "pci_core.h"

static int rb_init(struct vmctx *ctx, struct pci_vdev *dev, const struct dm_dev_config *cfg)
{
	int rc;

	pci_set_cfgdata16(dev, PCIR_VENDOR, 0x1234);
	pci_set_cfgdata16(dev, PCIR_DEVICE, 0x5678);
	rc = pci_emul_alloc_bar(dev, 0, PCI_BAR_IO, 32);
	if (rc == 0)
		rc = pci_emul_alloc_bar(dev, 1, PCI_BAR_MEM32, 0x2000);
	if (rc == 0)
		rc = pci_emul_alloc_bar(dev, 2, PCI_BAR_MEM64, 0x100000);
	if (rc == 0)
		rc = pci_emul_add_msicap(dev, 8);
	if (rc == 0)
		rc = pci_emul_add_msixcap(dev, 70, 5);	/* PBA spans two qwords */
	if (rc == 0)
		rc = pci_lintr_request(dev);
	return rc;
}

static const struct pci_vdev_ops pci_ops_robust = {
	.class_name = "robust-dev",
	.vdev_init = rb_init,
};
PCI_VDEV_REGISTER(pci_ops_robust);

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void quiet(enum dm_log_level level, const char *line)
{
}

/* One random request on vCPU (0..1), completed synchronously. */
static void random_request(struct vmctx *ctx)
{
	static const uint64_t sizes[] = { 1, 2, 4, 8, 3, 0, 16 };
	struct acrn_io_request req;
	struct vmm_test_state *st = vmm_test_get(ctx);
	uint32_t vcpu = (uint32_t)(rnd() & 1);
	unsigned int before = st->notify_count[vcpu];
	struct pci_vdev *dev = pci_get_vdev(ctx, 0, 3, 0);
	uint64_t r = rnd();

	memset(&req, 0, sizeof(req));
	req.type = (uint32_t)(r % 16 == 0 ? rnd() % 5 : r % 3);
	req.reqs.mmio_request.direction = (uint32_t)(rnd() % 8 == 0 ? rnd() % 4 : rnd() % 2);
	req.reqs.mmio_request.size = sizes[rnd() % 7];
	switch (req.type) {
	case ACRN_IOREQ_TYPE_PORTIO: {
		static const uint64_t ports[] = { 0xcf8, 0xcfc, 0xcfd, 0xcfe, 0xcff, 0xffff };
		uint64_t bar = dev->bar[0].addr;

		req.reqs.pio_request.address = rnd() % 2 ? ports[rnd() % 6] :
					       rnd() % 2 ? bar + rnd() % 40 : rnd() % 0x10010;
		req.reqs.pio_request.value = (uint32_t)rnd();
		if (req.reqs.pio_request.address == 0xcf8 && rnd() % 2)
			req.reqs.pio_request.value = 0x80000000U | (uint32_t)(rnd() & 0x00ffffff);
		break;
	}
	case ACRN_IOREQ_TYPE_MMIO: {
		int b = (int)(rnd() % PCI_BAR_COUNT);
		uint64_t base = dev->bar[b].addr;

		req.reqs.mmio_request.address = rnd() % 4 ? base + rnd() % 0x3000 : rnd();
		req.reqs.mmio_request.value = rnd();
		break;
	}
	default: {
		static const uint32_t slots[] = { 0, 1, 3, 3, 3, 7 };

		req.reqs.pci_request.bus = rnd() % 16 == 0 ? (uint32_t)rnd() : 0;
		req.reqs.pci_request.dev = rnd() % 16 == 0 ? (uint32_t)rnd() % 40 : slots[rnd() % 6];
		req.reqs.pci_request.func = rnd() % 16 == 0 ? (uint32_t)rnd() % 10 : 0;
		req.reqs.pci_request.reg = (uint32_t)(rnd() % 0x120);
		/* Bias towards BARs, command, and the capabilities. */
		if (rnd() % 2)
			req.reqs.pci_request.reg = (uint32_t)(rnd() % 2 ? 0x04 + rnd() % 0x24 :
							      0x40 + rnd() % 0x40);
		req.reqs.pci_request.value = rnd() % 4 ? (uint32_t)rnd() : 0xffffffffU;
		break;
	}
	}
	assert_int_equal(vmm_test_post(ctx, vcpu, &req), 0);
	(void)ioreq_handle_slot(ctx, vcpu);
	assert_int_equal(ctx->ioreq_buf->req_slot[vcpu].processed, ACRN_IOREQ_STATE_COMPLETE);
	assert_int_equal(st->notify_count[vcpu], before + 1);
	ctx->ioreq_buf->req_slot[vcpu].processed = ACRN_IOREQ_STATE_FREE;

	/* The device's own side keeps raising interrupts meanwhile. */
	switch (rnd() % 8) {
	case 0: pci_generate_msi(dev, (int)(rnd() % 10)); break;
	case 1: pci_generate_msix(dev, (int)(rnd() % 80) - 5); break;
	case 2: pci_lintr_assert(dev); break;
	case 3: pci_lintr_deassert(dev); break;
	}
}

static void test_robust_random_requests_complete_and_ids_stay_read_only(void **state)
{
	struct dmtest_vm vm;
	uint32_t v;

	dm_log_set_sink(quiet);
	assert_int_equal(dmtest_vm_create(&vm, "-m", "32M", "-c", "2", "-s", "1:0,lpc", "-s",
					  "3,robust-dev", "vm", NULL), 0);
	for (int i = 0; i < 40000; i++)
		random_request(vm.ctx);
	for (uint32_t slot = 0; slot < 4; slot++) {
		static const uint32_t ids[] = { 0x12378086, 0x70008086, 0xffffffff, 0x56781234 };

		assert_int_equal(vmm_test_pcicfg(vm.ctx, ACRN_IOREQ_DIR_READ, 0, slot, 0, 0, 4, &v), 0);
		assert_int_equal(v, ids[slot]);
	}
	/* Capability pointers are read-only: the list still reaches MSI-X and ends. */
	assert_int_equal(vmm_test_pcicfg(vm.ctx, ACRN_IOREQ_DIR_READ, 0, 3, 0, PCIR_CAP_PTR, 1, &v), 0);
	assert_int_equal(v, 0x40);
	assert_int_equal(vmm_test_pcicfg(vm.ctx, ACRN_IOREQ_DIR_READ, 0, 3, 0, 0x41, 1, &v), 0);
	assert_int_equal(v, 0x50);
	assert_int_equal(vmm_test_pcicfg(vm.ctx, ACRN_IOREQ_DIR_READ, 0, 3, 0, 0x50, 2, &v), 0);
	assert_int_equal(v, PCIY_MSIX);
	print_message("msis %zu irq changes %u bar1 0x%llx\n", vmm_test_get(vm.ctx)->nmsi,
		      vmm_test_get(vm.ctx)->irq_changes[19],
		      (unsigned long long)pci_get_vdev(vm.ctx, 0, 3, 0)->bar[1].addr);
	dmtest_vm_destroy(&vm);
	dm_log_set_sink(NULL);
}

struct irq_storm {
	struct pci_vdev *dev;
	int stop;
	unsigned long sent;
};

/* A back-end thread raising interrupts as fast as it can. */
static void *irq_storm_main(void *arg)
{
	struct irq_storm *s = arg;

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		pci_generate_msix(s->dev, (int)(s->sent % 70));
		pci_generate_msi(s->dev, 0);
		if (s->sent % 2)
			pci_lintr_assert(s->dev);
		else
			pci_lintr_deassert(s->dev);
		s->sent++;
	}
	return NULL;
}

/*
 * The IOREQ thread reprograms the device (MSI-X enable/mask, BAR moves,
 * INTx Disable) while another thread raises its interrupts: every request
 * must still complete (a lock-order bug would deadlock and time out).
 */
static void test_robust_config_writes_race_interrupts_without_deadlock(void **state)
{
	struct irq_storm storm = { 0 };
	struct dmtest_vm vm;
	struct acrn_io_request req, out;
	pthread_t t;
	int msix;

	dm_log_set_sink(quiet);
	assert_int_equal(dmtest_vm_create(&vm, "-m", "32M", "-s", "3,robust-dev", "vm", NULL), 0);
	storm.dev = pci_get_vdev(vm.ctx, 0, 3, 0);
	msix = storm.dev->msix.capoff;
	assert_int_equal(ioreq_loop_start(vm.ctx), 0);
	assert_int_equal(pthread_create(&t, NULL, irq_storm_main, &storm), 0);
	for (int i = 0; i < 3000; i++) {
		static const uint32_t regs[] = { PCIR_COMMAND, PCIR_BAR0 + 4, 0, 0 };
		uint32_t reg = regs[i % 4], val;

		switch (i % 4) {
		case 0: val = (i & 4) ? 0x0407 : 0x0007; break;		/* INTx Disable toggles */
		case 1: val = (i & 8) ? 0xd4000000 : 0xd5000000; break;	/* BAR1 moves */
		case 2: reg = (uint32_t)msix + 2; val = (i & 16) ? 0xc000 : 0x8000; break;
		default: reg = (uint32_t)storm.dev->msi.capoff + 2; val = (i & 32) ? 1 : 0; break;
		}
		memset(&req, 0, sizeof(req));
		req.type = ACRN_IOREQ_TYPE_PCICFG;
		req.reqs.pci_request.direction = ACRN_IOREQ_DIR_WRITE;
		req.reqs.pci_request.dev = 3;
		req.reqs.pci_request.reg = reg;
		req.reqs.pci_request.size = (reg & 3) == 2 ? 2 : 4;
		req.reqs.pci_request.value = val;
		assert_int_equal(vmm_test_post(vm.ctx, 0, &req), 0);
		vmm_test_kick(vm.ctx);
		assert_int_equal(vmm_test_wait(vm.ctx, 0, 5000, &out), 0);
	}
	__atomic_store_n(&storm.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	assert_true(storm.sent > 0);
	ioreq_loop_stop(vm.ctx);
	dmtest_vm_destroy(&vm);
	dm_log_set_sink(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_robust_random_requests_complete_and_ids_stay_read_only),
		cmocka_unit_test(test_robust_config_writes_race_interrupts_without_deadlock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
