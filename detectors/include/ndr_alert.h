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

struct ndr_alert {
	uint64_t ts_ns;             /* when the detector decided */
	const char *category;       /* detector id: "dns_tunnel", ... */
	const char *signature;      /* one human line */
	uint32_t signature_id;      /* stable per detector and rule */
	int severity;               /* 1 high, 2 medium, 3 low (Suricata) */
	double score;               /* 0..1 */
	const char *mitre[NDR_ALERT_MAX_MITRE]; /* ATT&CK ids, NULL-terminated */
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
