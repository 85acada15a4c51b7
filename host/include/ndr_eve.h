/*
 * ndr_eve.h - Suricata EVE JSON events: alert, flow, dns and tls.
 *
 * One JSON object per line, compact, keys in a fixed order, field names as
 * Suricata prints them. Every event validates against Suricata's own JSON
 * schema (etc/schema.json), so SIEM parsers built for Suricata ingest ndr
 * without changes: ndr's own fields go only where that schema lets a
 * producer put its own names (alert.metadata.ndr; metadata.flowints,
 * flowbits and entropy of flow, dns and tls events). docs/alerts.md shows
 * every event type in full, with each field's Suricata equivalent.
 *
 * Conventions shared by all events:
 *   - "timestamp" is UTC in Suricata's format: 2026-11-25T21:39:04.123456+0000.
 *   - "flow_id" (ndr_flow_id.h) is on every event about one flow: flow, dns,
 *     tls, and alerts of scope NDR_ALERT_FLOW; the same number on each.
 *   - An IPv4-mapped address (::ffff:a.b.c.d) prints as dotted IPv4.
 *   - "proto" is "TCP", "UDP", "ICMP", "IPv6-ICMP", "SCTP", else the
 *     protocol number as a decimal string ("47").
 *   - TCP, UDP and SCTP events carry src_port/dest_port; ICMP events carry
 *     icmp_type/icmp_code instead, taken from dest_port = type << 8 | code
 *     (the record ABI's convention; detectors raising an ICMP alert follow it).
 *   - "community_id" is Community ID v1, seed 0 (ndr_community_id.h).
 *   - An alert about a host or a pair of hosts (ndr_alert.h scopes) names
 *     only their addresses (src_ip, dest_ip, alert.source, alert.target):
 *     no ports, no protocol, no community_id or flow_id of a flow that
 *     never was.
 *   - Strings from the network (a DNS name may hold any byte) come out as
 *     valid JSON: a DNS name is printed in DNS presentation format (RFC 1035
 *     5.1: a byte outside printable ASCII, or a backslash, as \DDD or \\), and
 *     any other string that is not valid UTF-8 is escaped the same way.
 *
 * Builders return a new reference (json_decref() it) or NULL on allocation
 * failure; they never keep pointers into their argument (an alert's evidence
 * is deep-copied).
 */
#ifndef NDR_EVE_H
#define NDR_EVE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "ndr_abi.h"
#include "ndr_alert.h"
#include "ndr_eve_writer.h"
#include "ndr_flow_id.h"

/* How events are dumped: one line, insertion order, reals to 15 digits (a
 * score of 0.87 prints as 0.87, not 0.86999999999999999). */
#define NDR_EVE_DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))

/* alert.gid of every ndr alert: Suricata's and Snort's gid of rule alerts;
 * ndr's signature ids are their own range (NDR_SID_MIN..NDR_SID_MAX). */
#define NDR_EVE_GID 1

json_t *ndr_eve_alert(const struct ndr_alert *alert);

/* What the writer of flow events learned about a flow before its record
 * came (host/sensor/outputs.c keeps it): an alert named it, the card saw
 * DNS or a TLS ClientHello on it. */
struct ndr_eve_flow_seen {
	int alerted;
	int dns;
	int tls;
};
/* seen may be NULL (nothing known): flow.alerted false, app_proto by port. */
json_t *ndr_eve_flow_seen(const struct ndr_flow_rec *rec, const struct ndr_eve_flow_seen *seen);
json_t *ndr_eve_flow(const struct ndr_flow_rec *rec);   /* seen = NULL */
/*
 * The flow's app_proto as far as the card can tell, or NULL: "tls" when
 * the card saw a ClientHello on it, "dns" when it saw a DNS message (or UDP
 * with payload to port 53); "ssh", "smb", "rdp", "krb5" (and "dns") by the
 * server port of a TCP flow that carried payload both ways (UDP: krb5 on
 * 88 with payload). Never a guess for a flow that carried no payload.
 */
const char *ndr_eve_app_proto(const struct ndr_flow_rec *rec, const struct ndr_eve_flow_seen *seen);
/* rec is a whole DNS record: rec->qname holds rec->qname_len bytes (at most
 * NDR_DNS_NAME_MAX are read). */
json_t *ndr_eve_dns(const struct ndr_dns_rec *rec);
/* event_type "tls": Suricata's tls.sni, tls.version, tls.client_alpns. */
json_t *ndr_eve_tls(const struct ndr_tls_rec *rec);
/* A ClientHello with the ServerHello of its connection (either may be NULL,
 * not both; ndr_tls_sessions.h pairs them): tls.version is what the server
 * chose; client_handshake, ja3, ja4 (docs/alerts.md), server_handshake,
 * ja3s. */
json_t *ndr_eve_tls_pair(const struct ndr_tls_rec *client, const struct ndr_tls_rec *server);

/* The one-line text of an event, without a newline: a malloc'd string
 * (free() it) or NULL on allocation failure. */
char *ndr_eve_alert_str(const struct ndr_alert *alert);
char *ndr_eve_flow_str(const struct ndr_flow_rec *rec);
char *ndr_eve_dns_str(const struct ndr_dns_rec *rec);
char *ndr_eve_tls_str(const struct ndr_tls_rec *rec);
char *ndr_eve_tls_pair_str(const struct ndr_tls_rec *client, const struct ndr_tls_rec *server);

/* Render into buf (NUL-terminated, no newline). Returns the length without
 * the NUL, or -1 if it does not fit in len bytes (buf then holds "") or on
 * allocation failure. */
int ndr_eve_alert_format(const struct ndr_alert *alert, char *buf, size_t len);
int ndr_eve_flow_format(const struct ndr_flow_rec *rec, char *buf, size_t len);
int ndr_eve_dns_format(const struct ndr_dns_rec *rec, char *buf, size_t len);
int ndr_eve_tls_format(const struct ndr_tls_rec *rec, char *buf, size_t len);
int ndr_eve_tls_pair_format(const struct ndr_tls_rec *client, const struct ndr_tls_rec *server,
			    char *buf, size_t len);

/* "2026-11-25T21:39:04.123456+0000"; buf of at least NDR_EVE_TS_LEN bytes. */
#define NDR_EVE_TS_LEN 32
void ndr_eve_timestamp(uint64_t ts_ns, char buf[NDR_EVE_TS_LEN]);

/* The type and rcode names of dns events are ndr_dns_names.h's. */

/* ---- events into an EVE line writer (ndr_eve_writer.h) ----------------- */

/* One line each, whole or not at all; 0, or -1 (counted, errno set). */
int ndr_eve_write_alert(struct ndr_eve_writer *w, const struct ndr_alert *alert);
int ndr_eve_write_flow(struct ndr_eve_writer *w, const struct ndr_flow_rec *rec);
int ndr_eve_write_flow_seen(struct ndr_eve_writer *w, const struct ndr_flow_rec *rec,
			    const struct ndr_eve_flow_seen *seen);
int ndr_eve_write_dns(struct ndr_eve_writer *w, const struct ndr_dns_rec *rec);
int ndr_eve_write_tls(struct ndr_eve_writer *w, const struct ndr_tls_rec *rec);
int ndr_eve_write_tls_pair(struct ndr_eve_writer *w, const struct ndr_tls_rec *client,
			   const struct ndr_tls_rec *server);
/* Any event built by the caller (steals nothing: the reference stays theirs). */
int ndr_eve_write_json(struct ndr_eve_writer *w, const json_t *event);

/* An alert sink (ndr_alert.h) that writes to w; write errors are counted. */
struct ndr_alert_sink ndr_eve_alert_sink(struct ndr_eve_writer *w);

#endif
