/*
 * test_kafka_wire.c - the records topic's keys and wire format
 * (ndr_kafka_wire.h) and ndr-detect's checkpoint pieces
 * (ndr_kafka_checkpoint.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "flowgen.h"
#include "ndr_detector.h"
#include "ndr_kafka_checkpoint.h"
#include "ndr_kafka_wire.h"
#include "ndr_record.h"
#include "ndr_workers.h"

static int det_index(const char *name)
{
	for (int i = 0; ndr_detectors[i]; i++)
		if (!strcmp(ndr_detectors[i]->name, name))
			return i;
	fail_msg("no detector %s", name);
	return -1;
}

static void dns_rec(union ndr_rec_full *u, const char *src, const char *qname)
{
	struct ndr_dns_rec *r = (struct ndr_dns_rec *)u;
	size_t n = strlen(qname);

	memset(u, 0, sizeof(*u));
	r->hdr.type = NDR_REC_DNS;
	r->hdr.version = NDR_ABI_VERSION;
	r->hdr.slots = (uint8_t)ndr_dns_rec_slots((uint32_t)n);
	r->hdr.ts_ns = FG_T0;
	assert_int_equal(ndr_addr_parse(src, r->src_addr), 0);
	assert_int_equal(ndr_addr_parse("10.0.0.53", r->dst_addr), 0);
	r->dst_port = 53;
	r->ip_proto = 17;
	r->qdcount = 1;
	r->qname_len = (uint8_t)n;
	memcpy(r->qname, qname, n);
}

static struct ndr_workers *keyer(unsigned workers, uint64_t seed)
{
	struct ndr_config *cfg = ndr_config_empty();
	struct ndr_workers_opts o = { .workers = workers, .seed = seed };
	struct ndr_workers_out out = { 0 };
	char err[512];
	struct ndr_workers *w = ndr_workers_new(cfg, &o, &out, err, sizeof(err));

	if (!w)
		fail_msg("%s", err);
	ndr_config_free(cfg);   /* the detectors copied what they read */
	return w;
}

/* A flow to an admin port goes out twice: by its initiator for the
 * east-west detectors, by new_admin_path's constant for its one baseline;
 * a DNS query by its registered domain, whatever the client. */
static void test_routes_follow_shard_keys(void **state)
{
	struct ndr_workers *w = keyer(2, FG_SEED), *w4 = keyer(4, FG_SEED),
			   *other = keyer(2, FG_SEED ^ 1);
	struct ndr_kafka_route r[NDR_KAFKA_MAX_DETECTORS], r2[NDR_KAFKA_MAX_DETECTORS];
	struct ndr_flow_rec f;
	union ndr_rec_full d1, d2;
	unsigned n, admin = (unsigned)det_index("new_admin_path"),
		    scan = (unsigned)det_index("port_scan"), dt = (unsigned)det_index("dns_tunnel");

	(void)state;
	fg_flow(&f, "10.1.0.5", 40000, "10.1.0.9", 22, 6, FG_T0, FG_SEC);
	fg_tcp_session(&f, 10, 100, 10, 100, 2);
	n = ndr_kafka_routes(ndr_workers_shard_key, w, &f.hdr, r);
	assert_int_equal(n, 2);
	assert_int_equal(r[0].key, ndr_shard_key_addr(f.src_addr, FG_SEED));
	assert_true(r[0].mask & (1u << scan));
	assert_false(r[0].mask & (1u << admin));
	assert_int_equal(r[1].mask, 1u << admin);
	assert_int_equal(r[0].mask & r[1].mask, 0);
	/* the key is the entity's, not the sensor's worker count's */
	assert_int_equal(ndr_kafka_routes(ndr_workers_shard_key, w4, &f.hdr, r2), 2);
	assert_int_equal(r2[0].key, r[0].key);
	assert_int_equal(r2[1].key, r[1].key);
	/* and the fleet seed's: another seed, another key */
	ndr_kafka_routes(ndr_workers_shard_key, other, &f.hdr, r2);
	assert_int_not_equal(r2[0].key, r[0].key);

	/* not an admin port: one message */
	f.dst_port = 8080;
	assert_int_equal(ndr_kafka_routes(ndr_workers_shard_key, w, &f.hdr, r), 1);
	assert_false(r[0].mask & (1u << admin));

	/* two clients, one registered domain: one key, dns_tunnel's */
	dns_rec(&d1, "10.2.0.1", "aaaa.t.example.com");
	dns_rec(&d2, "10.2.0.2", "bbbbbbbb.x.example.com");
	assert_int_equal(ndr_kafka_routes(ndr_workers_shard_key, w, &d1.hdr, r), 1);
	assert_true(r[0].mask & (1u << dt));
	assert_int_equal(ndr_kafka_routes(ndr_workers_shard_key, w, &d2.hdr, r2), 1);
	assert_int_equal(r[0].key, r2[0].key);
	dns_rec(&d2, "10.2.0.1", "aaaa.t.example.org");
	ndr_kafka_routes(ndr_workers_shard_key, w, &d2.hdr, r2);
	assert_int_not_equal(r[0].key, r2[0].key);
	ndr_workers_free(w);
	ndr_workers_free(w4);
	ndr_workers_free(other);
}

static void test_key_big_endian(void **state)
{
	uint8_t k[NDR_KAFKA_KEY_LEN];
	const uint8_t want[] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };

	(void)state;
	ndr_kafka_key_put(0x0123456789abcdefull, k);
	assert_memory_equal(k, want, sizeof(want));
}

static void test_encode_decode_round_trip(void **state)
{
	struct ndr_flow_rec f;
	union ndr_rec_full d, out;
	uint8_t buf[NDR_KAFKA_WIRE_MAX];
	uint32_t mask = 0;
	size_t len;
	char err[256];

	(void)state;
	fg_flow(&f, "10.1.0.5", 40000, "10.1.0.9", 445, 6, FG_T0, FG_SEC);
	fg_tcp_failed(&f, 1);
	len = ndr_kafka_encode(&f.hdr, 0x5, buf, sizeof(buf));
	assert_int_equal(len, NDR_KAFKA_WIRE_HDR + 3 * NDR_SLOT_BYTES);
	assert_memory_equal(buf, "NDRK", 4);
	assert_int_equal(ndr_kafka_decode(buf, len, &out, &mask, err, sizeof(err)), 0);
	assert_int_equal(mask, 0x5);
	assert_memory_equal(&out, &f, sizeof(f));

	dns_rec(&d, "10.2.0.1", "a-rather-long-label-to-take-a-third-slot.tunnel.example.com");
	len = ndr_kafka_encode(&d.hdr, 1, buf, sizeof(buf));
	assert_int_equal(len, NDR_KAFKA_WIRE_HDR + d.hdr.slots * NDR_SLOT_BYTES);
	assert_int_equal(ndr_kafka_decode(buf, len, &out, &mask, err, sizeof(err)), 0);
	assert_memory_equal(&out, &d, d.hdr.slots * NDR_SLOT_BYTES);

	/* too small a buffer, or a record that is not an event */
	assert_int_equal(ndr_kafka_encode(&f.hdr, 1, buf, 100), 0);
	f.hdr.type = NDR_REC_HEARTBEAT;
	assert_int_equal(ndr_kafka_encode(&f.hdr, 1, buf, sizeof(buf)), 0);
}

static void expect_reject(const uint8_t *buf, size_t len, const char *why)
{
	union ndr_rec_full out;
	uint32_t mask;
	char err[256] = "";

	assert_int_equal(ndr_kafka_decode(buf, len, &out, &mask, err, sizeof(err)), -1);
	if (!strstr(err, why))
		fail_msg("expected '%s' in '%s'", why, err);
}

static void test_decode_rejects(void **state)
{
	struct ndr_flow_rec f;
	uint8_t good[NDR_KAFKA_WIRE_MAX], bad[NDR_KAFKA_WIRE_MAX];
	size_t len;

	(void)state;
	fg_flow(&f, "10.1.0.5", 40000, "10.1.0.9", 445, 6, FG_T0, FG_SEC);
	len = ndr_kafka_encode(&f.hdr, 1, good, sizeof(good));
	expect_reject(good, 10, "no NDRK magic");
	memcpy(bad, good, len);
	bad[0] = '{';
	expect_reject(bad, len, "no NDRK magic");
	memcpy(bad, good, len);
	bad[4] = 9;
	expect_reject(bad, len, "wire version 9");
	memcpy(bad, good, len);
	bad[8] ^= 1;
	expect_reject(bad, len, "other detectors");
	expect_reject(good, len - 1, "whole 64-byte slots");
	expect_reject(good, len - NDR_SLOT_BYTES, "flow record");
	memcpy(bad, good, len);
	((struct ndr_rec_hdr *)(bad + NDR_KAFKA_WIRE_HDR))->type = NDR_REC_DROP;
	expect_reject(bad, len, "is not flow, dns or tls");
	memcpy(bad, good, len);
	((struct ndr_rec_hdr *)(bad + NDR_KAFKA_WIRE_HDR))->version = 1;
	expect_reject(bad, len, "ABI version");
}

static void test_checkpoint_text(void **state)
{
	char buf[96], id[NDR_CKPT_ID_LEN];
	int64_t mark = -1;
	const char *alert = "{\"event_type\":\"alert\",\"alert\":{\"metadata\":{\"ndr\":{\"alert_id\":\"ndr.records/3/17/0\"}}}}";

	(void)state;
	ndr_ckpt_format(1234567, buf, sizeof(buf));
	assert_int_equal(ndr_ckpt_parse(buf, strlen(buf), &mark), 0);
	assert_int_equal(mark, 1234567);
	assert_int_equal(ndr_ckpt_parse("something else", 14, &mark), -1);
	assert_int_equal(ndr_ckpt_parse("ndr-detect/1 alerts=12x", 23, &mark), -1);
	assert_int_equal(ndr_ckpt_parse("ndr-detect/1 alerts=", 20, &mark), -1);
	assert_int_equal(ndr_ckpt_parse(NULL, 0, &mark), -1);

	ndr_ckpt_alert_id("ndr.records", 3, 17, 0, id, sizeof(id));
	assert_string_equal(id, "ndr.records/3/17/0");
	ndr_ckpt_id_prefix("ndr.records", 3, buf, sizeof(buf));
	assert_string_equal(buf, "ndr.records/3/");
	assert_int_equal(ndr_ckpt_id_of_alert(alert, strlen(alert), id, sizeof(id)), 0);
	assert_string_equal(id, "ndr.records/3/17/0");
	assert_int_equal(ndr_ckpt_id_of_alert("{\"event_type\":\"alert\"}", 22, id, sizeof(id)),
			 -1);
	assert_int_equal(ndr_ckpt_id_of_alert("not json", 8, id, sizeof(id)), -1);
}

static void test_seen_set(void **state)
{
	struct ndr_ckpt_seen *s = ndr_ckpt_seen_new();
	char id[NDR_CKPT_ID_LEN];

	(void)state;
	for (int i = 0; i < 5000; i += 2) {
		ndr_ckpt_alert_id("t", 1, i, 0, id, sizeof(id));
		assert_int_equal(ndr_ckpt_seen_add(s, id), 0);
		assert_int_equal(ndr_ckpt_seen_add(s, id), 0);   /* a set */
	}
	assert_int_equal(ndr_ckpt_seen_count(s), 2500);
	for (int i = 0; i < 5000; i++) {
		ndr_ckpt_alert_id("t", 1, i, 0, id, sizeof(id));
		assert_int_equal(ndr_ckpt_seen_has(s, id), i % 2 == 0);
	}
	ndr_ckpt_alert_id("t", 2, 0, 0, id, sizeof(id));
	assert_false(ndr_ckpt_seen_has(s, id));
	ndr_ckpt_seen_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes_follow_shard_keys),
		cmocka_unit_test(test_key_big_endian),
		cmocka_unit_test(test_encode_decode_round_trip),
		cmocka_unit_test(test_decode_rejects),
		cmocka_unit_test(test_checkpoint_text),
		cmocka_unit_test(test_seen_set),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
