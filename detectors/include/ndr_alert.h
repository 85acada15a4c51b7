/*
 * ndr_alert.h - what a detector tells the SOC.
 *
 * A detector fills a struct ndr_alert and hands it to the sink; the sink
 * (host/: EVE JSON, syslog) renders it and does not keep pointers into it.
 * Field names follow Suricata's EVE "alert" event so SIEM parsers ingest it;
 * docs/alerts.md shows the rendered JSON.
 */
#ifndef NDR_ALERT_H
#define NDR_ALERT_H

#include <stdint.h>
#include <jansson.h>

#define NDR_ALERT_MAX_MITRE 4

/* ndr's signature ids (gid 1): 86DRRRR, D the detector, R its rule. The
 * range lies in a gap of the sid allocations that rule writers coordinate
 * (sidallocation.org): Snort/Talos use up to 999999, local rules
 * 1000000-1999999, Emerging Threats and Suricata's own events
 * 2000000-2899999, other published rule sets 3000000-7726000 and from
 * 10000000 on. */
#define NDR_SID_MIN 8600000u
#define NDR_SID_MAX 8699999u

/*
 * What an alert is about, which decides what its EVE event names:
 *   NDR_ALERT_FLOW  one flow: src_addr:src_port -> dst_addr:dst_port over
 *                   proto is a real flow the sensor saw (the one whose
 *                   record raised the alert); EVE gives its 5-tuple,
 *                   community_id and flow_id.
 *   NDR_ALERT_HOST  one host (src_addr), e.g. a scanner: no ports, no
 *                   protocol, no flow; dst_addr and the ports are ignored.
 *   NDR_ALERT_PAIR  one host acting on another (src_addr -> dst_addr) over
 *                   many flows: addresses only, no ports, no flow.
 */
enum ndr_alert_scope {
	NDR_ALERT_FLOW = 0,
	NDR_ALERT_HOST,
	NDR_ALERT_PAIR,
};

struct ndr_alert {
	uint64_t ts_ns;             /* when the detector decided */
	const char *category;       /* detector id: "dns_tunnel", ... */
	const char *signature;      /* one human line */
	uint32_t signature_id;      /* stable per detector and rule, in ndr's
				       range (docs/alerts.md "Signature ids") */
	uint8_t rev;                /* the rule's revision: 0 prints as 1 */
	int severity;               /* 1 high, 2 medium, 3 low (Suricata) */
	double score;               /* 0..1 */
	const char *mitre[NDR_ALERT_MAX_MITRE]; /* ATT&CK ids, NULL-terminated */
	enum ndr_alert_scope scope;
	/* endpoints of the entity: for dns_tunnel the client and its resolver */
	uint8_t src_addr[16];
	uint8_t dst_addr[16];
	int ipv6;                   /* else both are IPv4-mapped */
	uint16_t src_port;
	uint16_t dst_port;
	uint8_t proto;
	const char *entity;         /* what the SOC acts on, e.g. "example.com" */
	json_t *evidence;           /* object; borrowed, the sink copies what it needs */
};

struct ndr_alert_sink {
	void (*emit)(void *arg, const struct ndr_alert *alert);
	void *arg;
};

static inline void ndr_alert_emit(const struct ndr_alert_sink *sink,
				  const struct ndr_alert *alert)
{
	sink->emit(sink->arg, alert);
}

#endif
