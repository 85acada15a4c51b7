/*
 * flowgen.h - synthetic flow records and an alert collector for the
 * detector unit tests.
 */
#ifndef FLOWGEN_H
#define FLOWGEN_H

#include <stdint.h>

#include "ndr_abi.h"
#include "ndr_alert.h"
#include "ndr_detector.h"

#define FG_SEC 1000000000ull
#define FG_T0  (1700000000ull * FG_SEC)   /* 2023-11-14T22:13:20Z */
#define FG_SEED 0x6e64722d74657374ull    /* the detectors' hash seed in tests */

/* A zeroed flow record src:sport -> dst:dport over [start, start+dur],
 * cut 1 s after its last packet with end reason FIN. */
void fg_flow(struct ndr_flow_rec *r, const char *src, uint16_t sport, const char *dst,
	     uint16_t dport, uint8_t proto, uint64_t start_ns, uint64_t dur_ns);
/* A completed TCP session: handshake, data both ways in packets of the given
 * sizes, FIN both ways; fills counters, histograms, iat and dir_changes
 * (turns request/response exchanges). */
void fg_tcp_session(struct ndr_flow_rec *r, uint32_t pkts_fwd, uint32_t pkt_size_fwd,
		    uint32_t pkts_rev, uint32_t pkt_size_rev, uint32_t turns);
/* A TCP attempt with no answer (rst = 0) or refused by RST (rst = 1). */
void fg_tcp_failed(struct ndr_flow_rec *r, int rst);
/* A UDP or ICMP exchange: pkts each way of a size. */
void fg_datagrams(struct ndr_flow_rec *r, uint32_t pkts_fwd, uint32_t pkts_rev, uint32_t size);

#define FG_MAX_ALERTS 256

struct fg_alert {
	char category[32];
	char entity[128];
	char signature[200];
	uint32_t signature_id;
	int severity;
	double score;
	int n_mitre;
	char mitre0[16];
	int evidence_keys;
	char evidence[1024];  /* the evidence object, compact JSON */
};

struct fg_alerts {
	int n;              /* all alerts, even beyond FG_MAX_ALERTS */
	struct fg_alert a[FG_MAX_ALERTS];
};

struct ndr_alert_sink fg_sink(struct fg_alerts *out);
/* A number in an alert's evidence; fails the test when it is missing. */
double fg_evidence(const struct fg_alert *a, const char *key);
/* Alerts with this category (and entity, unless NULL). */
int fg_count(const struct fg_alerts *al, const char *category, const char *entity);

/* Creates a detector from configuration text; fails the test on error,
 * including keys the detector did not read. */
void *fg_create(const struct ndr_detector_ops *ops, const char *config_text);
void fg_feed(const struct ndr_detector_ops *ops, void *det, const struct ndr_flow_rec *r,
	     struct fg_alerts *al);
/* A stats() value as an integer. */
long long fg_stat(const struct ndr_detector_ops *ops, void *det, const char *key);

#endif
