/*
 * registry.c - the detectors compiled into the sensor (ndr_detector.h).
 *
 * Each detector's file defines one const struct ndr_detector_ops named
 * ndr_det_<name>, declared in ndr_detectors_ext.h; adding a detector is one
 * declaration and one table line. The sensor runs them in this order.
 */
#include <stddef.h>
#include <string.h>

#include "ndr_detectors_ext.h"

const struct ndr_detector_ops *const ndr_detectors[] = {
	&ndr_det_dns_tunnel,
	&ndr_det_beacon,
	&ndr_det_https_tunnel,
	&ndr_det_port_scan,
	&ndr_det_brute_force,
	&ndr_det_rpc_recon,
	&ndr_det_new_admin_path,
	NULL,
};

struct ndr_detector_ctx ndr_detector_ctx_one(uint64_t seed)
{
	struct ndr_detector_ctx ctx = { .shard = 0, .shards = 1, .seed = seed };

	return ctx;
}

uint64_t ndr_shard_key_addr(const uint8_t addr[16], uint64_t seed)
{
	uint64_t a, b, h;

	memcpy(&a, addr, 8);
	memcpy(&b, addr + 8, 8);
	/* MurmurHash3's 64-bit finaliser over both halves: every address bit
	 * reaches the high bits ndr_shard_of() uses. */
	h = (a ^ seed) * 0x9e3779b97f4a7c15ull ^ b;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h == NDR_SHARD_SKIP ? 0 : h;
}

void ndr_detector_stats_json(const struct ndr_detector_ops *ops, const void *det, json_t *out)
{
	const struct ndr_stats *st = ops->stats(det);

	ndr_stats_json(&st, 1, out);
}
