/*
 * ivshmem_card.c - ndr-ivshmem-card: the emulated card presented to a QEMU
 * guest as a PCI device.
 *
 * QEMU's ivshmem-plain device exposes a shared memory file as BAR2. This
 * process lays the card's register blocks out at the start of that file
 * (exactly as a card's BAR0), and when the guest's ndr.ko enables the ring it
 * runs the hw/ kernels (the emulated card, ndr_card.h) on a capture, writing
 * records into a staging ring in the same file. ndr.ko's emulated DMA engine
 * copies them to its host ring (see ndr_uapi.h and docs/kernel-module.md for
 * exactly what is emulated).
 *
 *   ndr-ivshmem-card [options] SHMFILE RUN...
 *   RUN   file:PATH   a capture read losslessly: the card waits for room in
 *                     the ring before each frame, as the sim card source does
 *         link:PATH   a capture played like a live link: when the ring is
 *                     full the card drops records, counts them and sends a
 *                     drop notice when room returns
 * Each START from the guest (a ring reset then enable) begins the next RUN;
 * after the last one a START gets an empty ring marked done.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ndr_capture.h"
#include "ndr_card.h"
#include "ndr_uapi.h"

#define DEFAULT_SHM_BYTES (8u << 20)
#define POLL_US 200u
#define STATS_EVERY_FRAMES 256u
#define DRAIN_WAIT_LINK_S 60.0

struct emu {
	uint8_t *shm;
	size_t shm_bytes;
	volatile struct ndr_reg_ring *ring;
	volatile struct ndr_reg_stats *stats;
	volatile struct ndr_reg_flow *flow;
	struct ndr_ring_ctrl *staging_ctrl;
	uint8_t *staging_slots;
	uint64_t build_id;
	uint32_t max_log2_buckets;
	int verbose;
};

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void nap(void)
{
	struct timespec ts = { 0, POLL_US * 1000 };

	nanosleep(&ts, NULL);
}

static uint32_t reg_rd(volatile uint32_t *r)
{
	return __atomic_load_n(r, __ATOMIC_ACQUIRE);
}

static void reg_wr(volatile uint32_t *r, uint32_t v)
{
	__atomic_store_n(r, v, __ATOMIC_RELEASE);
}

static void blk_hdr(volatile struct ndr_reg_blk_hdr *h, uint32_t type, uint32_t next,
		    uint32_t size)
{
	h->type = type;
	h->version = 1;
	h->next = next;
	h->size = size;
}

/* The register blocks a card's BAR0 holds at power-up. */
static void layout_registers(struct emu *e)
{
	volatile struct ndr_reg_id *id = (volatile void *)(e->shm + NDR_EMU_REG_OFF + NDR_REG_OFF_ID);
	struct ndr_card_cfg cfg;

	memset(e->shm, 0, NDR_EMU_SLOTS_OFF);
	ndr_card_cfg_defaults(&cfg);
	e->ring = (volatile void *)(e->shm + NDR_EMU_REG_OFF + NDR_REG_OFF_RING);
	e->flow = (volatile void *)(e->shm + NDR_EMU_REG_OFF + NDR_REG_OFF_FLOW);
	e->stats = (volatile void *)(e->shm + NDR_EMU_REG_OFF + NDR_REG_OFF_STATS);
	e->staging_ctrl = (struct ndr_ring_ctrl *)(e->shm + NDR_EMU_CTRL_OFF);
	e->staging_slots = e->shm + NDR_EMU_SLOTS_OFF;

	blk_hdr(&id->hdr, NDR_BLK_ID, NDR_REG_OFF_RING, sizeof(struct ndr_reg_id));
	id->abi_version = NDR_ABI_VERSION;
	id->build_id_lo = (uint32_t)e->build_id;
	id->build_id_hi = (uint32_t)(e->build_id >> 32);
	id->caps = NDR_CAP_PHASE | NDR_CAP_DNS;  /* no MSI-X: ivshmem-plain */
	id->clock_khz = 322266;
	blk_hdr(&e->ring->hdr, NDR_BLK_RING, NDR_REG_OFF_FLOW, sizeof(struct ndr_reg_ring));
	blk_hdr(&e->flow->hdr, NDR_BLK_FLOW, NDR_REG_OFF_STATS, sizeof(struct ndr_reg_flow));
	e->flow->hash_seed = cfg.hash_seed;
	e->flow->idle_timeout_ms = cfg.idle_timeout_ms;
	e->flow->active_timeout_ms = cfg.active_timeout_ms;
	e->flow->close_timeout_ms = cfg.close_timeout_ms;
	e->flow->heartbeat_ms = cfg.heartbeat_ms;
	e->flow->ways = 4;
	blk_hdr(&e->stats->hdr, NDR_BLK_STATS, 0, sizeof(struct ndr_reg_stats));
	/* The magic last: a driver probing meanwhile sees no card, not half a one. */
	__atomic_store_n(&id->magic, NDR_REG_MAGIC, __ATOMIC_RELEASE);
}

static void split64(volatile uint32_t *lo, volatile uint32_t *hi, uint64_t v)
{
	reg_wr(hi, (uint32_t)(v >> 32));
	reg_wr(lo, (uint32_t)v);
}

static void publish_stats(struct emu *e, const struct ndr_card *card)
{
	struct ndr_card_stats st;
	volatile struct ndr_reg_stats *r = e->stats;

	ndr_card_get_stats(card, &st);
	split64(&r->packets_lo, &r->packets_hi, st.frames);
	split64(&r->bytes_lo, &r->bytes_hi, st.bytes);
	split64(&r->parse_errors_lo, &r->parse_errors_hi, st.parse_errors);
	split64(&r->non_ip_lo, &r->non_ip_hi, st.non_ip);
	split64(&r->rx_overrun_lo, &r->rx_overrun_hi, st.rx_overrun);
	split64(&r->flows_active_lo, &r->flows_active_hi, st.flows_active);
	split64(&r->flows_created_lo, &r->flows_created_hi, st.flows_created);
	split64(&r->flows_evicted_lo, &r->flows_evicted_hi, st.flows_evicted);
	split64(&r->flows_dns_only_lo, &r->flows_dns_only_hi, st.flows_dns_only);
	split64(&r->dns_messages_lo, &r->dns_messages_hi, st.dns_messages);
	split64(&r->dns_errors_lo, &r->dns_errors_hi, st.dns_errors);
	split64(&r->dns_dropped_lo, &r->dns_dropped_hi, st.dns_dropped);
	split64(&r->tls_hellos_lo, &r->tls_hellos_hi, st.tls_hellos);
	split64(&r->tls_dropped_lo, &r->tls_dropped_hi, st.tls_dropped);
	split64(&r->records_lo, &r->records_hi, st.records_written);
	split64(&r->dropped_lo, &r->dropped_hi, st.records_dropped);
	split64(&r->link_dropped_lo, &r->link_dropped_hi, st.records_link_dropped);
	reg_wr(&e->ring->dropped, st.records_dropped > UINT32_MAX ? UINT32_MAX
								   : (uint32_t)st.records_dropped);
}

/* What the card does on RESET: forget the ring, clear the bit. */
static void service_reset(struct emu *e)
{
	struct ndr_ring_ctrl *c = e->staging_ctrl;

	__atomic_store_n(&c->state, NDR_RING_STATE_STOPPED, __ATOMIC_RELEASE);
	__atomic_store_n(&c->prod, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&c->cons, 0, __ATOMIC_RELEASE);
	reg_wr(&e->ring->prod, 0);
	reg_wr(&e->ring->control, reg_rd(&e->ring->control) & ~NDR_RING_CTL_RESET);
}

/* 1 while the ring is enabled; services RESET. The consumer index the
 * driver wrote to the cons register reaches the record writer here. */
static int still_enabled(struct emu *e)
{
	uint32_t ctl = reg_rd(&e->ring->control);

	if (ctl & NDR_RING_CTL_RESET) {
		service_reset(e);
		return 0;
	}
	__atomic_store_n(&e->staging_ctrl->cons, reg_rd(&e->ring->cons), __ATOMIC_RELEASE);
	return (ctl & NDR_RING_CTL_ENABLE) && !g_stop;
}

/* Wait for a fresh enable: first for the previous one to go away. */
static int wait_for_start(struct emu *e, int *was_enabled)
{
	for (;;) {
		uint32_t ctl = reg_rd(&e->ring->control);

		if (g_stop)
			return -1;
		if (ctl & NDR_RING_CTL_RESET)
			service_reset(e);
		else if (!(ctl & NDR_RING_CTL_ENABLE))
			*was_enabled = 0;
		else if (!*was_enabled)
			return 0;
		nap();
	}
}

static uint32_t ring_room(const struct emu *e, uint32_t log2_slots)
{
	uint32_t prod = __atomic_load_n(&e->staging_ctrl->prod, __ATOMIC_ACQUIRE);
	uint32_t cons = __atomic_load_n(&e->staging_ctrl->cons, __ATOMIC_ACQUIRE);

	return (1u << log2_slots) - (prod - cons);
}

/* One run: returns 0 when the capture went through (or the guest stopped
 * the card), -1 with a message on an error that ends the process. */
static int run_capture(struct emu *e, const char *path, int lossless)
{
	uint32_t log2_slots = reg_rd(&e->ring->log2_slots);
	struct ndr_card_cfg cfg;
	struct ndr_capture *cap = NULL;
	struct ndr_card *card = NULL;
	struct ndr_frame f;
	char err[512] = "";
	uint64_t frames = 0;
	int rc = 0, n;
	double t0;

	if (log2_slots < NDR_RING_MIN_LOG2 || log2_slots > NDR_RING_MAX_LOG2 ||
	    NDR_EMU_SLOTS_OFF + ((size_t)NDR_SLOT_BYTES << log2_slots) > e->shm_bytes) {
		fprintf(stderr, "ndr-ivshmem-card: the driver asked for 2^%u slots; the shared memory (%zu bytes) holds at most the ring after offset %#x\n",
			log2_slots, e->shm_bytes, NDR_EMU_SLOTS_OFF);
		return -1;
	}
	/* The end-of-capture flush writes the whole flow table at once
	 * (4 ways x 3 slots per bucket): size the table so it fits the ring. */
	ndr_card_cfg_defaults(&cfg);
	cfg.lossless = lossless;
	if (cfg.log2_buckets > log2_slots - 4)
		cfg.log2_buckets = log2_slots - 4 < 4 ? 4 : log2_slots - 4;
	if (cfg.log2_buckets > e->max_log2_buckets)
		cfg.log2_buckets = e->max_log2_buckets;
	e->flow->log2_buckets = cfg.log2_buckets;

	memset(e->staging_slots, 0, (size_t)NDR_SLOT_BYTES << log2_slots);
	card = ndr_card_new(&cfg, e->staging_slots, log2_slots, e->staging_ctrl, err, sizeof(err));
	if (card)
		cap = ndr_capture_open_file(path, err, sizeof(err));
	if (!card || !cap) {
		fprintf(stderr, "ndr-ivshmem-card: %s\n", err);
		rc = -1;
		goto out;
	}
	__atomic_store_n(&e->staging_ctrl->state, NDR_RING_STATE_RUNNING, __ATOMIC_RELEASE);
	if (e->verbose)
		fprintf(stderr, "ndr-ivshmem-card: run %s (%s), ring 2^%u slots, table 2^%u buckets\n",
			path, lossless ? "lossless" : "link", log2_slots, cfg.log2_buckets);
	while ((n = ndr_capture_next(cap, &f, 0, err, sizeof(err))) == 1) {
		if (!still_enabled(e))
			goto stopped;
		/* lossless: the card says when the ring has no room */
		while (ndr_card_frame(card, f.ts_ns, f.data, f.caplen, f.wirelen) == NDR_CARD_BUSY) {
			nap();
			if (!still_enabled(e))
				goto stopped;
		}
		if (++frames % STATS_EVERY_FRAMES == 0)
			publish_stats(e, card);
	}
	if (n < 0) {
		fprintf(stderr, "ndr-ivshmem-card: %s\n", err);
		rc = -1;
		goto out;
	}
	/* Flush into an empty ring, so the table fits and a pending drop
	 * notice goes out first. A link has no patience forever. */
	publish_stats(e, card);
	t0 = mono_s();
	while (ring_room(e, log2_slots) != (1u << log2_slots)) {
		if (!still_enabled(e))
			goto stopped;
		if (!lossless && mono_s() - t0 > DRAIN_WAIT_LINK_S)
			break;
		nap();
	}
	while (ndr_card_flush(card) == NDR_CARD_BUSY) {
		nap();
		if (!still_enabled(e))
			goto stopped;
	}
	publish_stats(e, card);
	__atomic_store_n(&e->staging_ctrl->state, NDR_RING_STATE_DONE, __ATOMIC_RELEASE);
	if (e->verbose) {
		struct ndr_card_stats st;

		ndr_card_get_stats(card, &st);
		fprintf(stderr, "ndr-ivshmem-card: done: %llu frames, %llu records, %llu dropped\n",
			(unsigned long long)st.frames, (unsigned long long)st.records_written,
			(unsigned long long)st.records_dropped);
	}
	goto out;
stopped:
	publish_stats(e, card);
	if (e->verbose)
		fprintf(stderr, "ndr-ivshmem-card: the driver stopped the card after %llu frames\n",
			(unsigned long long)frames);
out:
	if (cap)
		ndr_capture_close(cap);
	ndr_card_free(card);
	return rc;
}

static void usage(FILE *to)
{
	fputs("Usage: ndr-ivshmem-card [options] SHMFILE RUN...\n"
	      "The emulated ndr card behind QEMU's ivshmem-plain device (BAR2 = SHMFILE).\n"
	      "  RUN            file:PATH (lossless) or link:PATH (drops when the ring is full);\n"
	      "                 each START from the guest driver begins the next one\n"
	      "  --size BYTES   shared memory size, a power of two (default 8 MiB)\n"
	      "  --build-id N   build id in the ID block (default: the driver's)\n"
	      "  --max-log2-buckets N  cap the flow table (default 16)\n"
	      "  -v             say what happens on stderr\n", to);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "build-id", required_argument, NULL, 'b' },
		{ "max-log2-buckets", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct emu e;
	const char *shm_path;
	int opt, fd, was_enabled = 0, run;

	memset(&e, 0, sizeof(e));
	e.shm_bytes = DEFAULT_SHM_BYTES;
	e.build_id = NDR_BUILD_ID;
	e.max_log2_buckets = 16;
	while ((opt = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 's': e.shm_bytes = strtoull(optarg, NULL, 0); break;
		case 'b': e.build_id = strtoull(optarg, NULL, 0); break;
		case 'm': e.max_log2_buckets = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'v': e.verbose = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind < 2) {
		usage(stderr);
		return 2;
	}
	if (e.shm_bytes < 2 * NDR_EMU_SLOTS_OFF || (e.shm_bytes & (e.shm_bytes - 1))) {
		fprintf(stderr, "ndr-ivshmem-card: --size %zu: must be a power of two of at least %u\n",
			e.shm_bytes, 2 * NDR_EMU_SLOTS_OFF);
		return 2;
	}
	for (run = optind + 1; run < argc; run++) {
		if (strncmp(argv[run], "file:", 5) && strncmp(argv[run], "link:", 5)) {
			fprintf(stderr, "ndr-ivshmem-card: %s: a run is file:PATH or link:PATH\n",
				argv[run]);
			return 2;
		}
	}
	shm_path = argv[optind];
	fd = open(shm_path, O_RDWR | O_CREAT, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)e.shm_bytes) != 0) {
		fprintf(stderr, "ndr-ivshmem-card: %s: %s\n", shm_path, strerror(errno));
		return 1;
	}
	e.shm = mmap(NULL, e.shm_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (e.shm == MAP_FAILED) {
		fprintf(stderr, "ndr-ivshmem-card: mmap %s: %s\n", shm_path, strerror(errno));
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	layout_registers(&e);
	printf("ndr-ivshmem-card: ready on %s (%zu bytes)\n", shm_path, e.shm_bytes);
	fflush(stdout);

	for (run = optind + 1; !g_stop; run++) {
		if (wait_for_start(&e, &was_enabled))
			break;
		was_enabled = 1;
		if (run >= argc) {
			/* Nothing left to play: an empty ring, finished. */
			__atomic_store_n(&e.staging_ctrl->state, NDR_RING_STATE_DONE, __ATOMIC_RELEASE);
			continue;
		}
		if (run_capture(&e, argv[run] + 5, strncmp(argv[run], "file:", 5) == 0))
			return 1;
	}
	munmap(e.shm, e.shm_bytes);
	return 0;
}
