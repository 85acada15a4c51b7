/*
 * ndr_kafka_wire.h - records on the Kafka records topic, and their keys
 * (docs/fleet.md "Wire format" and "Keys").
 *
 * A message on the records topic is one record, for the detectors named in
 * its mask, keyed so that Kafka's partitioner puts every record of one
 * detector entity in one partition - the same entity the sensor's workers
 * shard by (each detector's shard()). A record whose detectors disagree on
 * the key (a flow record is keyed by its initiator for port_scan, and by a
 * constant for new_admin_path's one baseline) goes out once per distinct
 * key, each copy with the mask of the detectors that agree on it: the
 * workers' dispatch, with Kafka partitions for workers.
 *
 * Key: the detector's 64-bit shard key, big-endian (8 bytes). Sensors and
 * consumers of one fleet must compute it with the same seed ([kafka]
 * key_seed), or one entity would land in several partitions.
 *
 * Value, little-endian:
 *   offset  size  field
 *   0       4     magic "NDRK"
 *   4       1     wire version (NDR_KAFKA_WIRE_VERSION)
 *   5       1     record ABI version (NDR_ABI_VERSION)
 *   6       2     header length (16): a later version may append fields
 *   8       4     registry id: FNV-1a over the names in ndr_detectors[],
 *                 comma-separated, so a consumer built with other detectors
 *                 refuses the mask rather than misreading it
 *   12      4     detector mask: bit i = ndr_detectors[i]
 *   16      n     the record as the ring reader hands it out (full form:
 *                 flow, dns or tls; n = slots * 64)
 * The record bytes are the ABI's, so a consumer runs the detectors on
 * exactly what the sensor's workers would have seen; 208 bytes for a flow
 * against ~600 for its EVE JSON, and no text to parse.
 */
#ifndef NDR_KAFKA_WIRE_H
#define NDR_KAFKA_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "ndr_abi.h"
#include "ndr_record.h"

#define NDR_KAFKA_WIRE_VERSION 1u
#define NDR_KAFKA_WIRE_HDR 16u
#define NDR_KAFKA_WIRE_MAX (NDR_KAFKA_WIRE_HDR + NDR_REC_MAX_SLOTS * NDR_SLOT_BYTES)
#define NDR_KAFKA_KEY_LEN 8u
#define NDR_KAFKA_MAX_DETECTORS 32u

/* The registry id of the detectors compiled in. */
uint32_t ndr_kafka_registry_id(void);
unsigned ndr_kafka_detector_count(void);

/* One message of a record: its key and the detectors it is for. */
struct ndr_kafka_route {
	uint64_t key;
	uint32_t mask;
};

/* The shard key detector det gives rec (NDR_SHARD_SKIP: not used). */
typedef uint64_t (*ndr_kafka_key_fn)(void *arg, unsigned det, const struct ndr_rec_hdr *rec);

/* Groups the detectors by the key they give rec: at most one route per
 * detector, in order of each key's first detector. Returns the number of
 * routes (0: no detector uses the record). */
unsigned ndr_kafka_routes(ndr_kafka_key_fn key_of, void *arg, const struct ndr_rec_hdr *rec,
			  struct ndr_kafka_route out[NDR_KAFKA_MAX_DETECTORS]);

void ndr_kafka_key_put(uint64_t key, uint8_t out[NDR_KAFKA_KEY_LEN]);

/* Writes the value for rec and mask into buf; returns its length, or 0
 * when buf is too small or rec is not a flow, dns or tls record. */
size_t ndr_kafka_encode(const struct ndr_rec_hdr *rec, uint32_t mask, uint8_t *buf,
			size_t len);

/* Checks and copies a value's record into out. 0, or -1 with "why" in err
 * (bad magic, version, registry, length, or a record the ring reader would
 * reject). */
int ndr_kafka_decode(const void *buf, size_t len, union ndr_rec_full *out, uint32_t *mask,
		     char *err, size_t errlen);

#endif
