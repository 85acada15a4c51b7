/*
 * kafka_wire.c - the records topic's keys and values (ndr_kafka_wire.h).
 */
#include <stdio.h>
#include <string.h>

#include "ndr_le.h"
#include "ndr_detector.h"
#include "ndr_kafka_wire.h"
#include "ndr_ring.h"

static const uint8_t magic[4] = { 'N', 'D', 'R', 'K' };

uint32_t ndr_kafka_registry_id(void)
{
	uint32_t h = 2166136261u;

	for (unsigned i = 0; ndr_detectors[i]; i++) {
		const char *s = ndr_detectors[i]->name;

		if (i)
			h = (h ^ ',') * 16777619u;
		for (; *s; s++)
			h = (h ^ (uint8_t)*s) * 16777619u;
	}
	return h;
}

unsigned ndr_kafka_detector_count(void)
{
	unsigned n = 0;

	while (ndr_detectors[n])
		n++;
	return n;
}

unsigned ndr_kafka_routes(ndr_kafka_key_fn key_of, void *arg, const struct ndr_rec_hdr *rec,
			  struct ndr_kafka_route out[NDR_KAFKA_MAX_DETECTORS])
{
	unsigned n = 0, dets = ndr_kafka_detector_count();

	for (unsigned d = 0; d < dets && d < NDR_KAFKA_MAX_DETECTORS; d++) {
		uint64_t key = key_of(arg, d, rec);
		unsigned r;

		if (key == NDR_SHARD_SKIP)
			continue;
		for (r = 0; r < n && out[r].key != key; r++)
			;
		if (r == n)
			out[n++] = (struct ndr_kafka_route){ key, 0 };
		out[r].mask |= 1u << d;
	}
	return n;
}

void ndr_kafka_key_put(uint64_t key, uint8_t out[NDR_KAFKA_KEY_LEN])
{
	for (unsigned i = 0; i < NDR_KAFKA_KEY_LEN; i++)
		out[i] = (uint8_t)(key >> (56 - 8 * i));
}

static int is_event(unsigned type)
{
	return type == NDR_REC_FLOW || type == NDR_REC_DNS || type == NDR_REC_TLS;
}

size_t ndr_kafka_encode(const struct ndr_rec_hdr *rec, uint32_t mask, uint8_t *buf,
			size_t len)
{
	size_t bytes = (size_t)rec->slots * NDR_SLOT_BYTES;

	if (!is_event(rec->type) || rec->slots == 0 || rec->slots > NDR_REC_MAX_SLOTS ||
	    len < NDR_KAFKA_WIRE_HDR + bytes)
		return 0;
	memcpy(buf, magic, 4);
	buf[4] = NDR_KAFKA_WIRE_VERSION;
	buf[5] = NDR_ABI_VERSION;
	buf[6] = NDR_KAFKA_WIRE_HDR;
	buf[7] = 0;
	ndr_le32_put(buf + 8, ndr_kafka_registry_id());
	ndr_le32_put(buf + 12, mask);
	memcpy(buf + NDR_KAFKA_WIRE_HDR, rec, bytes);
	return NDR_KAFKA_WIRE_HDR + bytes;
}

int ndr_kafka_decode(const void *buf, size_t len, union ndr_rec_full *out, uint32_t *mask,
		     char *err, size_t errlen)
{
	const uint8_t *p = buf;
	const struct ndr_rec_hdr *rec;
	uint32_t slots, hdr_len;
	const char *why;

	if (len < NDR_KAFKA_WIRE_HDR || memcmp(p, magic, 4) != 0) {
		snprintf(err, errlen, "not an ndr record message (%zu bytes, no NDRK magic)", len);
		return -1;
	}
	if (p[4] != NDR_KAFKA_WIRE_VERSION || p[5] != NDR_ABI_VERSION) {
		snprintf(err, errlen, "wire version %u, record ABI %u: this build reads %u, %u",
			 p[4], p[5], NDR_KAFKA_WIRE_VERSION, NDR_ABI_VERSION);
		return -1;
	}
	hdr_len = (uint32_t)p[6] | (uint32_t)p[7] << 8;
	if (hdr_len < NDR_KAFKA_WIRE_HDR || hdr_len > len) {
		snprintf(err, errlen, "header length %u in a %zu-byte message", hdr_len, len);
		return -1;
	}
	if (ndr_le32_get(p + 8) != ndr_kafka_registry_id()) {
		snprintf(err, errlen, "written by a build with other detectors (registry %08x, "
			 "this build %08x)", ndr_le32_get(p + 8), ndr_kafka_registry_id());
		return -1;
	}
	*mask = ndr_le32_get(p + 12);
	if (len - hdr_len > sizeof(*out) || (len - hdr_len) % NDR_SLOT_BYTES ||
	    len - hdr_len < NDR_SLOT_BYTES) {
		snprintf(err, errlen, "record of %zu bytes (whole 64-byte slots, 1..%u)",
			 len - hdr_len, NDR_REC_MAX_SLOTS);
		return -1;
	}
	memcpy(out, p + hdr_len, len - hdr_len);
	rec = &out->hdr;
	slots = (uint32_t)((len - hdr_len) / NDR_SLOT_BYTES);
	if (!is_event(rec->type)) {
		snprintf(err, errlen, "record type %u (%s) is not flow, dns or tls", rec->type,
			 ndr_rec_type_name(rec->type));
		return -1;
	}
	if (ndr_record_check(rec, slots, &why) != slots) {
		snprintf(err, errlen, "%s record: %s", ndr_rec_type_name(rec->type),
			 why ? why : "slot count does not match the message length");
		return -1;
	}
	return 0;
}
