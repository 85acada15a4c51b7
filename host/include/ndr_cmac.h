/*
 * ndr_cmac.h - the 100G MAC kernel (cmac_0) as the host sees it: bring-up
 * with RS-FEC, link state, receive counters.
 *
 * The registers are those of the CMAC core's AXI4-Lite register map (AMD
 * PG203); the kernel's metadata in the xclbin names each one (as the CMAC
 * kernel of Xilinx's network examples does), and the offsets are taken from
 * there by name, not assumed. Access goes through two callbacks, so the
 * sequences below do not depend on how registers are reached (xrt::ip on a
 * card, an array in the unit test).
 */
#ifndef NDR_CMAC_H
#define NDR_CMAC_H

#include <stddef.h>
#include <stdint.h>

/* The registers the sensor uses, by their metadata names. */
enum ndr_cmac_reg {
	NDR_CMAC_RESET,            /* reset_reg: bits 31:30 reset the core's rx/tx */
	NDR_CMAC_CONF_TX,          /* conf_tx: bit 0 ctl_tx_enable, bit 4 ctl_tx_send_rfi */
	NDR_CMAC_CONF_RX,          /* conf_rx: bit 0 ctl_rx_enable */
	NDR_CMAC_STAT_RX_STATUS,   /* stat_rx_status: latched, read twice */
	NDR_CMAC_STAT_PM_TICK,     /* stat_pm_tick: write 1 to latch counters */
	NDR_CMAC_RX_PACKETS,       /* stat_rx_total_packets (lo, hi) */
	NDR_CMAC_RX_GOOD_PACKETS,
	NDR_CMAC_RX_BYTES,
	NDR_CMAC_RX_BAD_FCS,
	NDR_CMAC_RSFEC_IND_CORR,   /* rsfec_config_ind_corr: bits 2:0 */
	NDR_CMAC_RSFEC_ENABLE,     /* rsfec_config_enable: bit 0 rx, bit 1 tx */
	NDR_CMAC_NREGS
};

extern const char *const ndr_cmac_reg_names[NDR_CMAC_NREGS];

/* stat_rx_status bits */
#define NDR_CMAC_RX_STATUS        0x0001u
#define NDR_CMAC_RX_ALIGNED       0x0002u
#define NDR_CMAC_RX_MISALIGNED    0x0004u
#define NDR_CMAC_RX_ALIGNED_ERR   0x0008u
#define NDR_CMAC_RX_HI_BER        0x0010u
#define NDR_CMAC_RX_REMOTE_FAULT  0x0020u
#define NDR_CMAC_RX_LOCAL_FAULT   0x0040u

#define NDR_CMAC_CONF_TX_ENABLE   0x0001u
#define NDR_CMAC_CONF_TX_SEND_RFI 0x0010u
#define NDR_CMAC_CONF_RX_ENABLE   0x0001u
#define NDR_CMAC_RESET_RX_TX      0xc0000000u
#define NDR_CMAC_RSFEC_RX_TX      0x3u
#define NDR_CMAC_RSFEC_IND_CORR_ALL 0x7u  /* correction, indication, error marking */

struct ndr_cmac_io {
	/* 0 on success; -1 with err filled ("what: why"). */
	int (*read)(void *arg, uint32_t offset, uint32_t *value, char *err, size_t errlen);
	int (*write)(void *arg, uint32_t offset, uint32_t value, char *err, size_t errlen);
	void *arg;
	uint32_t offset[NDR_CMAC_NREGS];
};

struct ndr_cmac_status {
	uint32_t rx_status;        /* stat_rx_status as read the second time */
	int up;                    /* rx status and aligned */
	int rs_fec;                /* RS-FEC on in both directions */
	uint64_t rx_packets, rx_good_packets, rx_bytes, rx_bad_fcs;
};

/* Enable (or disable) RS-FEC, reset the core's datapaths so it takes
 * effect, enable receive and send remote-fault indication until the link
 * aligns (PG203's bring-up order). */
int ndr_cmac_start(const struct ndr_cmac_io *io, int rs_fec, char *err, size_t errlen);

/* Read link state and receive counters; once aligned, stop sending RFI and
 * enable transmit (idles) so the link partner sees the link up too. */
int ndr_cmac_poll(const struct ndr_cmac_io *io, struct ndr_cmac_status *st, char *err,
		  size_t errlen);

/* "up", "down (local fault)", ... for messages. */
const char *ndr_cmac_link_text(const struct ndr_cmac_status *st);

#endif
