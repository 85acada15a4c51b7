/*
 * ndr_ew.h - what the east-west detectors (beacon, https_tunnel, port_scan,
 * brute_force, rpc_recon, new_admin_path) share: which flows are in scope,
 * allowlists, the memory budget, alert suppression and alert helpers.
 *
 * Configuration, read from the detector's own section:
 *   scope = east_west | from_internal | any
 *       east_west: both endpoints internal; from_internal: the initiator is
 *       internal (outbound C2 included); any: every flow.
 *   internal = CIDR (repeatable)  the internal ranges; when the section has
 *       none, [east_west] internal is used, and when that has none either,
 *       RFC 1918 + RFC 6598 + RFC 4193 (ndr_cidr_default_internal).
 *   allow_src = CIDR, allow_dst = CIDR (repeatable)   flows to ignore
 *   allow_pair = "SRC_CIDR DST_CIDR" (repeatable)     host pairs to ignore
 *   memory_cap = bytes (k/m/g = x1000)    all tables of the detector, shared
 *       evenly by its instances on the detector workers
 *   suppress = duration     one alert per entity per this window
 * Allowlists are applied before any state is kept, so allowed traffic
 * costs no memory.
 */
#ifndef NDR_EW_H
#define NDR_EW_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "ndr_abi.h"
#include "ndr_alert.h"
#include "ndr_cidr_set.h"
#include "ndr_config.h"
#include "ndr_detector.h"
#include "ndr_lru.h"
#include "ndr_stats.h"

enum ndr_ew_scope {
	NDR_EW_EAST_WEST,
	NDR_EW_FROM_INTERNAL,
	NDR_EW_ANY,
};

struct ndr_ew_pair {
	struct ndr_cidr src, dst;
};

struct ndr_ew_class;
struct ndr_ew_entity;

/* The part every east-west detector's struct begins with. */
struct ndr_ew {
	const struct ndr_ew_class *cls;
	const char *section;
	enum ndr_ew_scope scope;
	struct ndr_cidr_set *internal;
	struct ndr_cidr_set *allow_src, *allow_dst;
	struct ndr_ew_pair *allow_pair;
	size_t n_allow_pair;
	uint64_t memory_cap;          /* this instance's share */
	uint64_t suppress_ns;
	uint64_t seed;
	uint64_t shard_seed;          /* the sensor's: equal in every detector */
	struct ndr_lru supp;          /* entity -> struct ndr_ew_supp */
	struct ndr_stats stats;
	/* counters */
	uint64_t flows, malformed, out_of_scope, allowlisted;
	uint64_t alerts, alerts_suppressed, expired;
};

/* Defaults of the common keys. */
struct ndr_ew_defaults {
	enum ndr_ew_scope scope;
	uint64_t memory_cap;          /* bytes */
	uint64_t suppress_ms;
};

/* One LRU table of a detector. */
struct ndr_ew_table {
	size_t lru;                   /* offsetof(detector, its struct ndr_lru) */
	size_t key_len, val_len;
	size_t val_len_off;           /* when not 0: the value's length is the
				       * size_t at this offset of the detector,
				       * set by configure() */
	size_t side_len_off;          /* when not 0: each entry also owns side
				       * bytes (ndr_lru_init_side), as many as
				       * the size_t at this offset of the
				       * detector, set by configure() */
	size_t zero_len;              /* when not 0: a new entry gets only these
				       * first bytes of its value zeroed
				       * (ndr_lru_set_zero_len): the rest are
				       * HyperLogLog registers */
	unsigned eighths;             /* its share of ndr_ew_budget(), in eighths */
	uint64_t seed_xor;            /* its hash seed: the detector's ^ this */
	const char *entries_stat;     /* gauge of its entries, NULL for none */
	int evictions;                /* counted in the "evictions" gauge */
	/* tick() removes entries whose uint64_t at byte time_off of the value
	 * plus the window is at or before the tick's time: the window is the
	 * uint64_t at byte window_off of the detector when window_off is not
	 * 0, else fixed_window; both 0: entries do not expire. */
	size_t time_off;
	size_t window_off;
	uint64_t fixed_window;
	int count_expired;            /* counted in "expired" */
};

/*
 * An east-west detector: what differs between them. ndr_ew_create() does
 * what is common - allocate the detector (size bytes, starting with struct
 * ndr_ew), read the common keys, call configure() for the detector's own
 * keys, size each table from the memory budget, register the statistics -
 * and ndr_ew_tick/stats/destroy/shard serve as the detector's ops.
 */
struct ndr_ew_class {
	const char *section;
	size_t size;
	struct ndr_ew_defaults defaults;
	/* Reads the detector's own keys and registers its own counters in
	 * ew->stats; 0, or -1 with "[section] key: what" in err. */
	int (*configure)(void *det, struct ndr_config *cfg, char *err, size_t errlen);
	const struct ndr_ew_table *tables;
	unsigned n_tables;
	/* [settings_off, settings_end) of the detector: the plain values
	 * configure() sets (thresholds, windows, port lists; no pointer, no
	 * state), which a reload copies from a fresh instance. */
	size_t settings_off, settings_end;
};

void *ndr_ew_create(const struct ndr_ew_class *cls, struct ndr_config *cfg,
		    const struct ndr_detector_ctx *ctx, char *err, size_t errlen);
void ndr_ew_destroy(void *det);
/* The detector's reconfigure op (ndr_detector.h): scope, internal ranges,
 * allowlists, suppress and the class's settings change; memory_cap and
 * any table's value length (set by configure) need a restart. */
int ndr_ew_reconfigure(void *det, void *fresh, int apply, char *err, size_t errlen);
void ndr_ew_tick(void *det, uint64_t now_ns, const struct ndr_alert_sink *sink);
/* Common counters, each table's entries, evictions and expiries, and
 * memory_bytes / memory_cap_bytes / memory_reserved_bytes. */
const struct ndr_stats *ndr_ew_stats(const void *det);
/* The shard key of every east-west detector: the initiator's address, the
 * entity (or the first part of it) of all of them. Flow records only. */
uint64_t ndr_ew_shard(const void *det, const struct ndr_rec_hdr *rec);
/* Bytes of the instance's memory_cap left for its tables. */
size_t ndr_ew_budget(const struct ndr_ew *ew);

/* The flow record behind rec, or NULL when rec is not a well-formed flow
 * record (malformed ones are counted). */
const struct ndr_flow_rec *ndr_ew_flow(struct ndr_ew *ew, const struct ndr_rec_hdr *rec);
/* The same without counting, for prefetch ops. */
const struct ndr_flow_rec *ndr_ew_flow_peek(const struct ndr_rec_hdr *rec);
int ndr_ew_is_internal(const struct ndr_ew *ew, const uint8_t addr[16]);
/* 1 when the flow is in scope and not allowlisted (else counted, 0). */
int ndr_ew_admit(struct ndr_ew *ew, const uint8_t src[16], const uint8_t dst[16]);

/* Suppression. ndr_ew_may_alert() says whether an alert for entity may go
 * out at time t: yes for a new entity, for one whose window has ended, or
 * when level is higher than the level last alerted (an escalation: a
 * long session crossing the next tier). A "no" is counted as suppressed.
 * On "yes", *prev_suppressed gets how many alerts the ended window
 * swallowed (0 if none) and the window restarts at t. */
int ndr_ew_may_alert(struct ndr_ew *ew, const struct ndr_ew_entity *entity, unsigned level,
		     uint64_t t, uint32_t *prev_suppressed);
/* Sets category (the section), counts, emits. */
void ndr_ew_emit(struct ndr_ew *ew, const struct ndr_alert_sink *sink, struct ndr_alert *a);

/* Continuation tracking. A long flow arrives as ACTIVE updates every
 * 120 s, then a final record whose first_ts is only the start of its last
 * period; a detector that counts connections must not count those as new
 * connections. The table remembers flows that sent an ACTIVE update. */
struct ndr_ew_flow_key {
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t src_port, dst_port;
	uint16_t vlan;
	uint8_t proto;
	uint8_t pad;
};
void ndr_ew_flow_key(struct ndr_ew_flow_key *k, const struct ndr_flow_rec *r);
/* 1 when r continues a flow seen in an earlier ACTIVE record. */
int ndr_ew_continues(struct ndr_lru *active, const struct ndr_flow_rec *r);
/* Forget long flows whose last ACTIVE record is older than
 * NDR_EW_ACTIVE_FORGET_NS: they ended without a record reaching us. */
#define NDR_EW_ACTIVE_FORGET_NS (600ull * 1000000000ull)
void ndr_ew_active_expire(struct ndr_lru *active, uint64_t now_ns);

/* The alert's endpoints, ports and protocol are the flow's. */
void ndr_ew_alert_endpoints(struct ndr_alert *a, const struct ndr_flow_rec *r);

/* Flow helpers. */
int ndr_ew_ipv6(const struct ndr_flow_rec *r);
/* TCP handshake completed, or both sides sent (UDP, mid-stream pickups). */
int ndr_ew_answered(const struct ndr_flow_rec *r);
/* A TCP attempt that failed: SYN unanswered or answered by RST. */
int ndr_ew_tcp_failed(const struct ndr_flow_rec *r);
uint64_t ndr_ew_duration_ns(const struct ndr_flow_rec *r);

/* What an alert is about, in binary: the key of its suppression, built for
 * every threshold crossing; its text ("10.0.0.5", "10.0.0.5->10.0.0.9:3389",
 * "10.0.0.5->10.0.0.9", "10.0.0.5->*:22") is made only for an alert that
 * goes out. */
struct ndr_ew_entity {
	uint8_t kind;
	uint8_t pad;
	uint16_t port;
	uint8_t a[16];
	uint8_t b[16];
};
void ndr_ew_entity_host(struct ndr_ew_entity *e, const uint8_t a[16]);
/* port < 0: the pair without a port */
void ndr_ew_entity_pair(struct ndr_ew_entity *e, const uint8_t src[16], const uint8_t dst[16],
			int port);
void ndr_ew_entity_service(struct ndr_ew_entity *e, const uint8_t src[16], unsigned port);
void ndr_ew_entity_text(const struct ndr_ew_entity *e, char *buf, size_t len);

/* JSON helpers for evidence. */
json_t *ndr_ew_json_time(uint64_t ns);
json_t *ndr_ew_json_addr(const uint8_t a[16]);
json_t *ndr_ew_json_real(double x, double scale);
/* A list of ports from a repeatable key ("ports = 22"), default when
 * absent; each 1..65535. Returns the count or -1 with err. */
int ndr_ew_port_list(struct ndr_config *cfg, const char *section, const char *key,
		     const uint16_t *def, size_t n_def, uint16_t *out, size_t max,
		     char *err, size_t errlen);
int ndr_ew_port_in(const uint16_t *ports, size_t n, uint16_t port);
double ndr_ew_ramp(double x, double lo, double hi);

#endif
