/*
 * cmac.c - bring-up and status of the 100G MAC kernel (see ndr_cmac.h).
 */
#include <stdio.h>

#include "ndr_cmac.h"

const char *const ndr_cmac_reg_names[NDR_CMAC_NREGS] = {
	[NDR_CMAC_RESET] = "reset_reg",
	[NDR_CMAC_CONF_TX] = "conf_tx",
	[NDR_CMAC_CONF_RX] = "conf_rx",
	[NDR_CMAC_STAT_RX_STATUS] = "stat_rx_status",
	[NDR_CMAC_STAT_PM_TICK] = "stat_pm_tick",
	[NDR_CMAC_RX_PACKETS] = "stat_rx_total_packets",
	[NDR_CMAC_RX_GOOD_PACKETS] = "stat_rx_total_good_packets",
	[NDR_CMAC_RX_BYTES] = "stat_rx_total_bytes",
	[NDR_CMAC_RX_BAD_FCS] = "stat_rx_total_bad_fcs",
	[NDR_CMAC_RSFEC_IND_CORR] = "rsfec_config_ind_corr",
	[NDR_CMAC_RSFEC_ENABLE] = "rsfec_config_enable",
};

static int wr(const struct ndr_cmac_io *io, enum ndr_cmac_reg r, uint32_t v, char *err,
	      size_t errlen)
{
	return io->write(io->arg, io->offset[r], v, err, errlen);
}

static int rd(const struct ndr_cmac_io *io, enum ndr_cmac_reg r, uint32_t *v, char *err,
	      size_t errlen)
{
	return io->read(io->arg, io->offset[r], v, err, errlen);
}

static int rd64(const struct ndr_cmac_io *io, enum ndr_cmac_reg r, uint64_t *v, char *err,
		size_t errlen)
{
	uint32_t lo, hi;

	if (io->read(io->arg, io->offset[r], &lo, err, errlen) ||
	    io->read(io->arg, io->offset[r] + 4u, &hi, err, errlen))
		return -1;
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

int ndr_cmac_start(const struct ndr_cmac_io *io, int rs_fec, char *err, size_t errlen)
{
	/* RS-FEC settings take effect through a reset of the core's rx and tx
	 * paths; the enables come after it. */
	if (wr(io, NDR_CMAC_RSFEC_ENABLE, rs_fec ? NDR_CMAC_RSFEC_RX_TX : 0, err, errlen) ||
	    wr(io, NDR_CMAC_RSFEC_IND_CORR, rs_fec ? NDR_CMAC_RSFEC_IND_CORR_ALL : 0, err,
	       errlen) ||
	    wr(io, NDR_CMAC_RESET, NDR_CMAC_RESET_RX_TX, err, errlen) ||
	    wr(io, NDR_CMAC_RESET, 0, err, errlen) ||
	    wr(io, NDR_CMAC_CONF_RX, NDR_CMAC_CONF_RX_ENABLE, err, errlen) ||
	    wr(io, NDR_CMAC_CONF_TX, NDR_CMAC_CONF_TX_SEND_RFI, err, errlen))
		return -1;
	return 0;
}

int ndr_cmac_poll(const struct ndr_cmac_io *io, struct ndr_cmac_status *st, char *err,
		  size_t errlen)
{
	uint32_t v, fec;

	/* Status bits latch until read: the first read clears old events, the
	 * second is the state now. */
	if (rd(io, NDR_CMAC_STAT_RX_STATUS, &v, err, errlen) ||
	    rd(io, NDR_CMAC_STAT_RX_STATUS, &v, err, errlen) ||
	    rd(io, NDR_CMAC_RSFEC_ENABLE, &fec, err, errlen))
		return -1;
	st->rx_status = v;
	st->up = (v & (NDR_CMAC_RX_STATUS | NDR_CMAC_RX_ALIGNED)) ==
		 (NDR_CMAC_RX_STATUS | NDR_CMAC_RX_ALIGNED);
	st->rs_fec = (fec & NDR_CMAC_RSFEC_RX_TX) == NDR_CMAC_RSFEC_RX_TX;
	if (wr(io, NDR_CMAC_CONF_TX, st->up ? NDR_CMAC_CONF_TX_ENABLE : NDR_CMAC_CONF_TX_SEND_RFI,
	       err, errlen) ||
	    wr(io, NDR_CMAC_STAT_PM_TICK, 1, err, errlen) ||
	    rd64(io, NDR_CMAC_RX_PACKETS, &st->rx_packets, err, errlen) ||
	    rd64(io, NDR_CMAC_RX_GOOD_PACKETS, &st->rx_good_packets, err, errlen) ||
	    rd64(io, NDR_CMAC_RX_BYTES, &st->rx_bytes, err, errlen) ||
	    rd64(io, NDR_CMAC_RX_BAD_FCS, &st->rx_bad_fcs, err, errlen))
		return -1;
	return 0;
}

const char *ndr_cmac_link_text(const struct ndr_cmac_status *st)
{
	if (st->up)
		return "up";
	if (st->rx_status & NDR_CMAC_RX_LOCAL_FAULT)
		return "down (local fault: no signal or no lock on the QSFP28 lanes)";
	if (st->rx_status & NDR_CMAC_RX_REMOTE_FAULT)
		return "down (remote fault: the link partner sees no signal from the card)";
	if (st->rx_status & NDR_CMAC_RX_HI_BER)
		return "down (high bit error rate: check RS-FEC matches the link partner)";
	if (!(st->rx_status & NDR_CMAC_RX_ALIGNED))
		return "down (lanes not aligned)";
	return "down";
}
