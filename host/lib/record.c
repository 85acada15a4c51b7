/*
 * record.c - names and address text for records; heartbeats as statistics.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "ndr_card.h"
#include "ndr_record.h"

static const uint8_t v4mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

int ndr_addr_is_v4mapped(const uint8_t addr[16])
{
	return memcmp(addr, v4mapped_prefix, sizeof(v4mapped_prefix)) == 0;
}

const char *ndr_addr_str(const uint8_t addr[16], char buf[NDR_ADDR_STRLEN])
{
	if (ndr_addr_is_v4mapped(addr))
		inet_ntop(AF_INET, addr + 12, buf, NDR_ADDR_STRLEN);
	else
		inet_ntop(AF_INET6, addr, buf, NDR_ADDR_STRLEN);
	return buf;
}

int ndr_addr_parse(const char *text, uint8_t addr[16])
{
	if (inet_pton(AF_INET, text, addr + 12) == 1) {
		memcpy(addr, v4mapped_prefix, sizeof(v4mapped_prefix));
		return 0;
	}
	return inet_pton(AF_INET6, text, addr) == 1 ? 0 : -1;
}

const char *ndr_rec_type_name(unsigned type)
{
	switch (type) {
	case NDR_REC_FLOW: return "flow";
	case NDR_REC_DNS: return "dns";
	case NDR_REC_TLS: return "tls";
	case NDR_REC_DROP: return "drop";
	case NDR_REC_HEARTBEAT: return "heartbeat";
	case NDR_REC_PAD: return "pad";
	case NDR_REC_FLOW_SHORT: return "flow-short";
	case NDR_REC_DNS_SHORT: return "dns-short";
	default: return "unknown";
	}
}

const char *ndr_flow_end_name(unsigned reason)
{
	switch (reason) {
	case NDR_FLOW_END_IDLE: return "idle";
	case NDR_FLOW_END_ACTIVE: return "active";
	case NDR_FLOW_END_FIN: return "fin";
	case NDR_FLOW_END_RST: return "rst";
	case NDR_FLOW_END_EVICT: return "evict";
	case NDR_FLOW_END_FLUSH: return "flush";
	default: return "unknown";
	}
}

const char *ndr_proto_name(unsigned proto, char buf[8])
{
	switch (proto) {
	case 1: return "ICMP";
	case 6: return "TCP";
	case 17: return "UDP";
	case 58: return "IPv6-ICMP";
	default:
		snprintf(buf, 8, "%u", proto & 0xffu);
		return buf;
	}
}

void ndr_heartbeat_to_stats(const struct ndr_heartbeat_rec *h, struct ndr_card_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->frames = h->packets;
	st->bytes = h->bytes;
	st->parse_errors = h->parse_errors;
	st->dns_messages = h->dns_messages;
	st->dns_errors = h->dns_errors;
	st->flows_active = h->flows_active;
	st->flows_created = h->flows_created;
	st->flows_evicted = h->flows_evicted;
	st->records_written = h->records_written;
	st->records_dropped = h->records_dropped;
	st->non_ip = h->non_ip;
	st->rx_overrun = h->rx_overrun;
	st->flows_dns_only = h->flows_dns_only;
	st->dns_dropped = h->dns_dropped;
	st->tls_hellos = h->tls_hellos;
	st->tls_dropped = h->tls_dropped;
	st->records_link_dropped = h->records_link_dropped;
}
