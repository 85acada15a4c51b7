/*
 * test_cmac.c - the 100G MAC's bring-up and status sequences against a
 * register file that behaves like the CMAC's: latched-low status, counters
 * that only move on a tick, RS-FEC that takes effect through a reset.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "ndr_cmac.h"

/* Offsets as an xclbin's CMAC metadata gives them (PG203). */
static const uint32_t offsets[NDR_CMAC_NREGS] = {
	[NDR_CMAC_RESET] = 0x0004, [NDR_CMAC_CONF_TX] = 0x000c, [NDR_CMAC_CONF_RX] = 0x0014,
	[NDR_CMAC_STAT_RX_STATUS] = 0x0204, [NDR_CMAC_STAT_PM_TICK] = 0x02b0,
	[NDR_CMAC_RX_PACKETS] = 0x0608, [NDR_CMAC_RX_GOOD_PACKETS] = 0x0610,
	[NDR_CMAC_RX_BYTES] = 0x0618, [NDR_CMAC_RX_BAD_FCS] = 0x06c0,
	[NDR_CMAC_RSFEC_IND_CORR] = 0x1000, [NDR_CMAC_RSFEC_ENABLE] = 0x107c,
};

struct fake {
	uint32_t reg[0x2000 / 4];
	uint32_t live_status;      /* the link now */
	int status_latched_low;    /* a drop since the last read */
	uint64_t rx_packets_live;  /* counted by the MAC, latched on tick */
	int fec_applied;           /* RS-FEC setting after a reset */
	int writes, fail_at;       /* fail the fail_at-th write (1-based) */
	uint32_t order[32];
	int n_order;
};

static int fake_read(void *arg, uint32_t off, uint32_t *v, char *err, size_t errlen)
{
	struct fake *f = arg;

	if (off == 0x0204) {
		*v = f->status_latched_low ? (f->live_status & ~3u) : f->live_status;
		f->status_latched_low = 0;
		return 0;
	}
	if (off >= sizeof(f->reg)) {
		snprintf(err, errlen, "read 0x%x: out of range", off);
		return -1;
	}
	*v = f->reg[off / 4];
	return 0;
}

static int fake_write(void *arg, uint32_t off, uint32_t v, char *err, size_t errlen)
{
	struct fake *f = arg;

	if (++f->writes == f->fail_at) {
		snprintf(err, errlen, "write 0x%x: bus error", off);
		return -1;
	}
	if (f->n_order < 32)
		f->order[f->n_order++] = off;
	f->reg[off / 4] = v;
	if (off == 0x0004 && v == 0 && f->order[f->n_order > 1 ? f->n_order - 2 : 0] == 0x0004)
		f->fec_applied = (f->reg[0x107c / 4] & 3u) == 3u;   /* reset released */
	if (off == 0x02b0 && v == 1) {
		f->reg[0x0608 / 4] = (uint32_t)f->rx_packets_live;
		f->reg[0x060c / 4] = (uint32_t)(f->rx_packets_live >> 32);
	}
	return 0;
}

static void setup_io(struct ndr_cmac_io *io, struct fake *f)
{
	memset(f, 0, sizeof(*f));
	io->read = fake_read;
	io->write = fake_write;
	io->arg = f;
	memcpy(io->offset, offsets, sizeof(offsets));
}

static void start_enables_rs_fec_through_a_reset(void **state)
{
	struct ndr_cmac_io io;
	struct fake f;
	char err[128];

	(void)state;
	setup_io(&io, &f);
	assert_int_equal(ndr_cmac_start(&io, 1, err, sizeof(err)), 0);
	assert_int_equal(f.reg[0x107c / 4], 3);
	assert_int_equal(f.reg[0x1000 / 4], 7);
	assert_true(f.fec_applied);
	assert_int_equal(f.reg[0x0014 / 4] & 1, 1);            /* rx enabled */
	assert_int_equal(f.reg[0x000c / 4], 0x10);             /* RFI until aligned */

	setup_io(&io, &f);
	assert_int_equal(ndr_cmac_start(&io, 0, err, sizeof(err)), 0);
	assert_int_equal(f.reg[0x107c / 4], 0);
	assert_false(f.fec_applied);
}

static void link_state_and_counters(void **state)
{
	struct ndr_cmac_io io;
	struct ndr_cmac_status st;
	struct fake f;
	char err[128];

	(void)state;
	setup_io(&io, &f);
	assert_int_equal(ndr_cmac_start(&io, 1, err, sizeof(err)), 0);

	f.live_status = NDR_CMAC_RX_LOCAL_FAULT;
	assert_int_equal(ndr_cmac_poll(&io, &st, err, sizeof(err)), 0);
	assert_false(st.up);
	assert_non_null(strstr(ndr_cmac_link_text(&st), "local fault"));
	assert_true(st.rs_fec);

	/* Up now, but it dropped since the last read: the first read shows
	 * the drop, the second the state now. */
	f.live_status = NDR_CMAC_RX_STATUS | NDR_CMAC_RX_ALIGNED;
	f.status_latched_low = 1;
	f.rx_packets_live = 0x100000005ull;
	assert_int_equal(ndr_cmac_poll(&io, &st, err, sizeof(err)), 0);
	assert_true(st.up);
	assert_string_equal(ndr_cmac_link_text(&st), "up");
	assert_int_equal(f.reg[0x000c / 4], 1);                /* tx on, RFI off */
	assert_int_equal(st.rx_packets, 0x100000005ull);       /* ticked, both halves */
}

static void register_errors_are_reported(void **state)
{
	struct ndr_cmac_io io;
	struct fake f;
	char err[128] = "";

	(void)state;
	setup_io(&io, &f);
	f.fail_at = 3;
	assert_int_equal(ndr_cmac_start(&io, 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bus error"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(start_enables_rs_fec_through_a_reset),
		cmocka_unit_test(link_state_and_counters),
		cmocka_unit_test(register_errors_are_reported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
