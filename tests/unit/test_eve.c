/* test_eve.c - Community ID and the EVE JSON alert, flow, dns and tls events. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndr_community_id.h"
#include "ndr_dns_names.h"
#include "ndr_eve.h"
#include "ndr_record.h"

/* "a.b.c.d" or an IPv6 address -> the ABI's 16-byte form */
static void addr(const char *text, uint8_t out[16])
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET6, text, out) == 1)
		return;
	out[10] = out[11] = 0xff;
	if (inet_pton(AF_INET, text, out + 12) != 1)
		fail_msg("bad address %s", text);
}

/*
 * The spec's reference vectors (corelight/community-id-spec,
 * baseline/baseline_deflt.json, seed 0). For ICMP the two numbers are the
 * packet's type and code. The TCP one was also recomputed by hand with
 * Python's hashlib from the spec's byte layout.
 */
static const struct {
	uint8_t proto;
	const char *saddr, *daddr;
	uint16_t sport, dport;
	const char *id;
} cid_vectors[] = {
	{ 58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 136, "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=" },
	{ 58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 136, 135, "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=" },
	{ 58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 136, "1:zavyT/cezQr1fmImYCwYnMXbgck=" },
	{ 58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 136, 135, "1:zavyT/cezQr1fmImYCwYnMXbgck=" },
	{ 58, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0, "1:2ObVBgIn28oZvibYZhZMBgh7WdQ=" },
	{ 58, "3ffe:501:410:0:2c0:dfff:fe47:33e", "3ffe:507:0:1:200:86ff:fe05:80da", 1, 4, "1:hLZd0XGWojozrvxqE0dWB1iM6R0=" },
	{ 58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 128, 129, "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=" },
	{ 58, "3ffe:501:0:1001::2", "3ffe:507:0:1:200:86ff:fe05:80da", 129, 128, "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=" },
	{ 58, "fe80::200:86ff:fe05:80da", "ff02::2", 133, 134, "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0=" },
	{ 58, "fe80::260:97ff:fe07:69ea", "ff02::1", 134, 133, "1:pkvHqCL88/tg1k4cPigmZXUtL00=" },
	{ 1, "192.168.0.89", "192.168.0.1", 8, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=" },
	{ 1, "192.168.0.1", "192.168.0.89", 0, 8, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=" },
	{ 1, "10.0.0.1", "10.0.0.2", 11, 0, "1:YHxtAirCG//0OzkcVAukqKQN9xM=" },
	{ 6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=" },
	{ 6, "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 25, 63943, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=" },
	{ 132, "192.168.170.8", "192.168.170.56", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=" },
	{ 132, "192.168.170.56", "192.168.170.8", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=" },
	{ 6, "128.232.110.120", "66.35.250.204", 34855, 80, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=" },
	{ 6, "66.35.250.204", "128.232.110.120", 80, 34855, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=" },
	{ 17, "192.168.1.52", "8.8.8.8", 54585, 53, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=" },
	{ 17, "8.8.8.8", "192.168.1.52", 53, 54585, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=" },
	{ 46, "10.1.12.1", "10.1.12.2", 0, 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=" },
	{ 46, "10.1.12.2", "10.1.12.1", 0, 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=" },
};

static void test_community_id_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cid_vectors) / sizeof(cid_vectors[0]); i++) {
		uint8_t s[16], d[16];
		char id[NDR_COMMUNITY_ID_LEN];

		addr(cid_vectors[i].saddr, s);
		addr(cid_vectors[i].daddr, d);
		assert_int_equal(ndr_community_id_v1(s, d, cid_vectors[i].proto, cid_vectors[i].sport,
						     cid_vectors[i].dport, 0, id), 0);
		if (strcmp(id, cid_vectors[i].id))
			fail_msg("vector %zu (%s -> %s proto %u): got %s, want %s", i,
				 cid_vectors[i].saddr, cid_vectors[i].daddr, cid_vectors[i].proto,
				 id, cid_vectors[i].id);
	}
}

static void test_community_id_seed_changes_hash(void **state)
{
	uint8_t s[16], d[16];
	char a[NDR_COMMUNITY_ID_LEN], b[NDR_COMMUNITY_ID_LEN];

	(void)state;
	addr("128.232.110.120", s);
	addr("66.35.250.204", d);
	assert_int_equal(ndr_community_id_v1(s, d, 6, 34855, 80, 1, a), 0);
	assert_int_equal(ndr_community_id_v1(s, d, 6, 34855, 80, 0, b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(strlen(a), NDR_COMMUNITY_ID_LEN - 1);
}

static void test_timestamp(void **state)
{
	char ts[NDR_EVE_TS_LEN];

	(void)state;
	/* 2026-11-25T21:39:04Z is 1795642744 s after the epoch */
	ndr_eve_timestamp(1795642744123456789ull, ts);
	assert_string_equal(ts, "2026-11-25T21:39:04.123456+0000");
	ndr_eve_timestamp(0, ts);
	assert_string_equal(ts, "1970-01-01T00:00:00.000000+0000");
}

static json_t *sample_evidence(void)
{
	json_t *ev = json_object();

	json_object_set_new(ev, "queries", json_integer(120));
	json_object_set_new(ev, "entropy", json_real(4.25));
	return ev;
}

static void sample_alert(struct ndr_alert *a, json_t *evidence)
{
	memset(a, 0, sizeof(*a));
	a->ts_ns = 1795642744123456789ull;
	a->category = "dns_tunnel";
	a->signature = "DNS tunnel: high-entropy names under t.example.com";
	a->signature_id = 8610001;
	a->severity = 1;
	a->score = 0.87;
	a->mitre[0] = "T1071.004";
	a->mitre[1] = "T1048";
	addr("192.168.1.10", a->src_addr);
	addr("192.168.1.1", a->dst_addr);
	a->src_port = 40000;
	a->dst_port = 53;
	a->proto = 17;
	a->entity = "t.example.com";
	a->evidence = evidence;
}

/* The community_id was computed independently with Python's hashlib. */
static const char expected_alert[] =
	"{\"timestamp\":\"2026-11-25T21:39:04.123456+0000\",\"flow_id\":694182747438659,"
	"\"event_type\":\"alert\","
	"\"src_ip\":\"192.168.1.10\",\"src_port\":40000,\"dest_ip\":\"192.168.1.1\","
	"\"dest_port\":53,\"proto\":\"UDP\",\"community_id\":\"1:Qp41ptSIzCLvBKpKqt4F1f8Hf5Y=\","
	"\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":8610001,\"rev\":1,"
	"\"signature\":\"DNS tunnel: high-entropy names under t.example.com\","
	"\"category\":\"dns_tunnel\",\"severity\":1,"
	"\"metadata\":{\"mitre_technique_id\":[\"T1071.004\",\"T1048\"],"
	"\"ndr\":{\"detector\":\"dns_tunnel\",\"scope\":\"flow\",\"entity\":\"t.example.com\","
	"\"score\":0.87,\"evidence\":{\"queries\":120,\"entropy\":4.25}}}}}";

static void test_alert_exact(void **state)
{
	struct ndr_alert a;
	json_t *ev = sample_evidence();
	char *s;
	char buf[2048];
	int n;

	(void)state;
	sample_alert(&a, ev);
	s = ndr_eve_alert_str(&a);
	assert_non_null(s);
	assert_string_equal(s, expected_alert);
	free(s);

	n = ndr_eve_alert_format(&a, buf, sizeof(buf));
	assert_int_equal(n, (int)strlen(expected_alert));
	assert_string_equal(buf, expected_alert);
	/* one byte short of the NUL: does not fit */
	assert_int_equal(ndr_eve_alert_format(&a, buf, strlen(expected_alert)), -1);
	assert_string_equal(buf, "");

	/* the evidence was copied, not referenced */
	assert_int_equal(ev->refcount, 1);
	json_decref(ev);
}

static json_t *alert_ndr(json_t *j)
{
	return json_object_get(json_object_get(json_object_get(j, "alert"), "metadata"), "ndr");
}

static void test_alert_ipv6_and_odd_strings(void **state)
{
	struct ndr_alert a;
	json_t *j, *err_ev;
	char *s;
	json_error_t jerr;

	(void)state;
	sample_alert(&a, NULL);
	addr("2001:db8::1", a.src_addr);
	addr("2001:db8::53", a.dst_addr);
	a.ipv6 = 1;
	a.proto = 6;
	a.entity = "bad\xff\x01name\"";     /* not UTF-8: must still be valid JSON */
	a.mitre[0] = NULL;
	s = ndr_eve_alert_str(&a);
	assert_non_null(s);
	j = json_loads(s, 0, &jerr);
	if (!j)
		fail_msg("not JSON: %s: %s", jerr.text, s);
	assert_string_equal(json_string_value(json_object_get(j, "src_ip")), "2001:db8::1");
	assert_string_equal(json_string_value(json_object_get(j, "dest_ip")), "2001:db8::53");
	assert_string_equal(json_string_value(json_object_get(j, "proto")), "TCP");
	assert_string_equal(json_string_value(json_object_get(alert_ndr(j), "entity")),
			    "bad\\255\\001name\"");
	/* the schema wants at least one item: no techniques, no key */
	assert_null(json_object_get(json_object_get(json_object_get(j, "alert"), "metadata"),
				    "mitre_technique_id"));
	err_ev = json_object_get(alert_ndr(j), "evidence");
	assert_true(json_is_object(err_ev) && json_object_size(err_ev) == 0);
	json_decref(j);
	free(s);
}

/* An alert about a host or a pair names no flow: no ports, no protocol,
 * no community_id or flow_id that would match no flow event. */
static void test_alert_host_and_pair(void **state)
{
	struct ndr_alert a;
	json_t *j, *al;
	char *s;

	(void)state;
	sample_alert(&a, NULL);
	a.scope = NDR_ALERT_HOST;
	a.rev = 3;
	s = ndr_eve_alert_str(&a);
	j = json_loads(s, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "src_ip")), "192.168.1.10");
	for (const char *const *k = (const char *const[]){ "src_port", "dest_ip", "dest_port",
			"proto", "community_id", "flow_id", "icmp_type", NULL }; *k; k++)
		if (json_object_get(j, *k))
			fail_msg("a host alert has %s: %s", *k, s);
	al = json_object_get(j, "alert");
	assert_int_equal(json_integer_value(json_object_get(al, "rev")), 3);
	assert_string_equal(json_string_value(json_object_get(json_object_get(al, "source"), "ip")),
			    "192.168.1.10");
	assert_null(json_object_get(al, "target"));
	assert_string_equal(json_string_value(json_object_get(alert_ndr(j), "scope")), "host");
	json_decref(j);
	free(s);

	a.scope = NDR_ALERT_PAIR;
	s = ndr_eve_alert_str(&a);
	j = json_loads(s, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "dest_ip")), "192.168.1.1");
	assert_null(json_object_get(j, "dest_port"));
	assert_null(json_object_get(j, "flow_id"));
	assert_null(json_object_get(j, "community_id"));
	al = json_object_get(j, "alert");
	assert_string_equal(json_string_value(json_object_get(json_object_get(al, "target"), "ip")),
			    "192.168.1.1");
	json_decref(j);
	free(s);
}

/* app_proto: what the card saw on the flow, else the server port of a
 * flow that carried payload; nothing for a flow without payload. */
static void test_app_proto(void **state)
{
	struct ndr_flow_rec r;
	struct ndr_eve_flow_seen seen = { 0 };

	(void)state;
	memset(&r, 0, sizeof(r));
	r.ip_proto = 6;
	r.dst_port = 22;
	assert_null(ndr_eve_app_proto(&r, NULL));   /* a SYN to port 22 is no SSH */
	r.payload_bytes_fwd = 40;
	assert_null(ndr_eve_app_proto(&r, NULL));   /* nothing came back */
	r.payload_bytes_rev = 40;
	assert_string_equal(ndr_eve_app_proto(&r, NULL), "ssh");
	seen.tls = 1;                               /* SSH over TLS: the card saw a hello */
	assert_string_equal(ndr_eve_app_proto(&r, &seen), "tls");
	r.dst_port = 445;
	assert_string_equal(ndr_eve_app_proto(&r, NULL), "smb");
	r.dst_port = 139;
	assert_string_equal(ndr_eve_app_proto(&r, NULL), "smb");
	r.dst_port = 3389;
	assert_string_equal(ndr_eve_app_proto(&r, NULL), "rdp");
	r.dst_port = 88;
	assert_string_equal(ndr_eve_app_proto(&r, NULL), "krb5");
	r.dst_port = 8080;
	assert_null(ndr_eve_app_proto(&r, NULL));
	seen.tls = 0;
	seen.dns = 1;
	assert_string_equal(ndr_eve_app_proto(&r, &seen), "dns");
	r.ip_proto = 17;
	r.dst_port = 53;
	r.payload_bytes_rev = 0;
	assert_string_equal(ndr_eve_app_proto(&r, NULL), "dns");
	r.dst_port = 88;
	assert_string_equal(ndr_eve_app_proto(&r, NULL), "krb5");
	r.payload_bytes_fwd = 0;
	assert_null(ndr_eve_app_proto(&r, NULL));
}

static json_t *parse(char *s)
{
	json_error_t jerr;
	json_t *j;

	assert_non_null(s);
	assert_null(strchr(s, '\n'));
	j = json_loads(s, 0, &jerr);
	if (!j)
		fail_msg("not JSON: %s: %s", jerr.text, s);
	free(s);
	return j;
}

static const char *str_at(json_t *j, const char *obj, const char *key)
{
	json_t *o = obj ? json_object_get(j, obj) : j;
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		fail_msg("%s.%s is not a string", obj ? obj : "", key);
	return json_string_value(v);
}

static json_int_t int_at(json_t *j, const char *obj, const char *key)
{
	json_t *o = obj ? json_object_get(j, obj) : j;
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		fail_msg("%s.%s is not an integer", obj ? obj : "", key);
	return json_integer_value(v);
}

/* metadata.flowints.KEY, which must be an integer */
static json_int_t flowint(json_t *j, const char *key)
{
	json_t *v = json_object_get(json_object_get(json_object_get(j, "metadata"), "flowints"), key);

	if (!json_is_integer(v))
		fail_msg("metadata.flowints.%s is not an integer", key);
	return json_integer_value(v);
}

static int has_flowint(json_t *j, const char *key)
{
	return json_object_get(json_object_get(json_object_get(j, "metadata"), "flowints"), key) != NULL;
}

static double entropy_at(json_t *j, const char *key)
{
	json_t *v = json_object_get(json_object_get(json_object_get(j, "metadata"), "entropy"), key);

	if (!json_is_real(v))
		fail_msg("metadata.entropy.%s is not a number", key);
	return json_real_value(v);
}

/* metadata.flowbits as one comma-separated string, "" when absent */
static const char *flowbits(json_t *j, char *buf, size_t len)
{
	json_t *a = json_object_get(json_object_get(j, "metadata"), "flowbits");
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < json_array_size(a); i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? "," : "",
					 json_string_value(json_array_get(a, i)));
	return buf;
}

static void test_flow_tcp_ipv6(void **state)
{
	struct ndr_flow_rec r;
	struct ndr_eve_flow_seen seen = { 0 };
	json_t *j;
	char bits[512];

	(void)state;
	memset(&r, 0, sizeof(r));
	r.hdr.type = NDR_REC_FLOW;
	r.hdr.flags = NDR_REC_F_IPV6;
	r.hdr.seq = 77;
	r.hdr.ts_ns = 1795642800000000000ull;
	addr("2001:470:e5bf:dead:4957:2174:e82c:4887", r.src_addr);
	addr("2607:f8b0:400c:c03::1a", r.dst_addr);
	r.src_port = 63943;
	r.dst_port = 25;
	r.ip_proto = 6;
	r.end_reason = NDR_FLOW_END_FIN;
	r.tcp_flags_fwd = 0x1b;  /* FIN SYN PSH ACK */
	r.tcp_flags_rev = 0x13;  /* FIN SYN ACK */
	r.tcp_state = NDR_TCP_SYN | NDR_TCP_SYNACK | NDR_TCP_ESTABLISHED | NDR_TCP_FIN_FWD |
		      NDR_TCP_FIN_REV;
	r.vlan_outer = 100;
	r.pkts_fwd = 10;
	r.pkts_rev = 8;
	r.bytes_fwd = 1500;
	r.bytes_rev = 9000;
	r.first_ts_ns = 1795642744123456789ull;
	r.last_ts_ns = 1795642754500000000ull;
	r.flow_hash = 0xdeadbeef;
	r.dir_changes = 9;
	r.iat_min_us = 10;
	r.iat_max_us = 5000000;
	r.iat_sum_us = 10376543;
	r.iat_sumsq_us = UINT64_MAX;   /* saturated */
	r.hist_fwd[0] = 9;
	r.hist_fwd[6] = 1;
	r.hist_rev[6] = 8;

	j = parse(ndr_eve_flow_str(&r));
	assert_string_equal(str_at(j, NULL, "event_type"), "flow");
	assert_string_equal(str_at(j, NULL, "timestamp"), "2026-11-25T21:40:00.000000+0000");
	/* the 5-tuple's id (not the card's 32-bit hash), whichever way round */
	assert_int_equal(int_at(j, NULL, "flow_id"), (json_int_t)ndr_flow_id(r.src_addr, r.src_port,
				r.dst_addr, r.dst_port, 6));
	assert_int_equal(int_at(j, NULL, "flow_id"), (json_int_t)ndr_flow_id(r.dst_addr, r.dst_port,
				r.src_addr, r.src_port, 6));
	assert_true(int_at(j, NULL, "flow_id") > 0xffffffffll);   /* wider than 32 bits */
	assert_true(int_at(j, NULL, "flow_id") <= (json_int_t)NDR_FLOW_ID_MASK);
	assert_null(json_object_get(j, "ndr"));
	assert_null(json_object_get(j, "app_proto"));   /* port 25, no payload */
	assert_true(json_is_false(json_object_get(json_object_get(j, "flow"), "alerted")));
	assert_string_equal(str_at(j, NULL, "src_ip"), "2001:470:e5bf:dead:4957:2174:e82c:4887");
	assert_int_equal(int_at(j, NULL, "src_port"), 63943);
	assert_string_equal(str_at(j, NULL, "dest_ip"), "2607:f8b0:400c:c03::1a");
	assert_int_equal(int_at(j, NULL, "dest_port"), 25);
	assert_string_equal(str_at(j, NULL, "proto"), "TCP");
	assert_string_equal(str_at(j, NULL, "community_id"), "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=");
	assert_int_equal(json_integer_value(json_array_get(json_object_get(j, "vlan"), 0)), 100);
	assert_int_equal(int_at(j, "flow", "pkts_toserver"), 10);
	assert_int_equal(int_at(j, "flow", "pkts_toclient"), 8);
	assert_int_equal(int_at(j, "flow", "bytes_toserver"), 1500);
	assert_int_equal(int_at(j, "flow", "bytes_toclient"), 9000);
	assert_string_equal(str_at(j, "flow", "start"), "2026-11-25T21:39:04.123456+0000");
	assert_string_equal(str_at(j, "flow", "end"), "2026-11-25T21:39:14.500000+0000");
	assert_int_equal(int_at(j, "flow", "age"), 10);
	assert_string_equal(str_at(j, "flow", "state"), "closed");
	assert_string_equal(str_at(j, "flow", "reason"), "fin");
	assert_string_equal(str_at(j, "tcp", "tcp_flags"), "1b");
	assert_string_equal(str_at(j, "tcp", "tcp_flags_ts"), "1b");
	assert_string_equal(str_at(j, "tcp", "tcp_flags_tc"), "13");
	assert_true(json_is_true(json_object_get(json_object_get(j, "tcp"), "syn")));
	assert_true(json_is_true(json_object_get(json_object_get(j, "tcp"), "psh")));
	assert_null(json_object_get(json_object_get(j, "tcp"), "rst"));
	assert_int_equal(flowint(j, "ndr_tcp_state"), 0x67);
	assert_string_equal(flowbits(j, bits, sizeof(bits)), "ndr.tcp.syn,ndr.tcp.synack,"
			    "ndr.tcp.established,ndr.tcp.fin_fwd,ndr.tcp.fin_rev");
	assert_int_equal(flowint(j, "ndr_hist_toserver_le64"), 9);
	assert_int_equal(flowint(j, "ndr_hist_toserver_le1500"), 1);
	assert_int_equal(flowint(j, "ndr_hist_toclient_le1500"), 8);
	assert_int_equal(flowint(j, "ndr_hist_toclient_gt1500"), 0);
	assert_int_equal(flowint(j, "ndr_iat_min_us"), 10);
	assert_int_equal(flowint(j, "ndr_iat_max_us"), 5000000);
	/* mean over pkts - 1 = 17 gaps, rounded: 610384.88 */
	assert_int_equal(flowint(j, "ndr_iat_mean_us"), 610385);
	assert_false(has_flowint(j, "ndr_iat_sumsq_us"));   /* saturated: says nothing */
	assert_int_equal(flowint(j, "ndr_dir_changes"), 9);
	assert_int_equal(flowint(j, "ndr_seq"), 77);
	json_decref(j);

	/* what the outputs saw before the record: an alert, a ClientHello */
	seen.alerted = 1;
	seen.tls = 1;
	j = ndr_eve_flow_seen(&r, &seen);
	assert_non_null(j);
	assert_true(json_is_true(json_object_get(json_object_get(j, "flow"), "alerted")));
	assert_string_equal(str_at(j, NULL, "app_proto"), "tls");
	json_decref(j);
}

static void test_flow_icmp_and_udp(void **state)
{
	struct ndr_flow_rec r;
	json_t *j;
	static const char *const reasons[] = { "unknown", "idle", "active", "fin", "rst", "evict",
					       "flush", "unknown" };

	(void)state;
	memset(&r, 0, sizeof(r));
	addr("192.168.0.89", r.src_addr);
	addr("192.168.0.1", r.dst_addr);
	r.ip_proto = 1;
	r.dst_port = 8 << 8 | 0;   /* echo request */
	r.pkts_fwd = 1;
	r.iat_min_us = 0xffffffffu;
	r.end_reason = NDR_FLOW_END_IDLE;
	j = parse(ndr_eve_flow_str(&r));
	assert_string_equal(str_at(j, NULL, "src_ip"), "192.168.0.89");
	assert_string_equal(str_at(j, NULL, "proto"), "ICMP");
	assert_null(json_object_get(j, "src_port"));
	assert_null(json_object_get(j, "dest_port"));
	assert_null(json_object_get(j, "tcp"));
	assert_null(json_object_get(j, "vlan"));
	assert_int_equal(int_at(j, NULL, "icmp_type"), 8);
	assert_int_equal(int_at(j, NULL, "icmp_code"), 0);
	assert_string_equal(str_at(j, NULL, "community_id"), "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");
	assert_string_equal(str_at(j, "flow", "state"), "new");
	assert_false(has_flowint(j, "ndr_iat_min_us"));
	assert_false(has_flowint(j, "ndr_tcp_state"));
	assert_null(json_object_get(json_object_get(j, "metadata"), "flowbits"));
	json_decref(j);

	r.ip_proto = 47;
	j = parse(ndr_eve_flow_str(&r));
	assert_string_equal(str_at(j, NULL, "proto"), "47");
	json_decref(j);

	r.ip_proto = 17;
	r.src_port = 54585;
	r.dst_port = 53;
	r.pkts_rev = 1;
	addr("192.168.1.52", r.src_addr);
	addr("8.8.8.8", r.dst_addr);
	for (unsigned i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		r.end_reason = (uint8_t)i;
		j = parse(ndr_eve_flow_str(&r));
		assert_string_equal(str_at(j, "flow", "reason"), reasons[i]);
		assert_string_equal(str_at(j, "flow", "state"), "established");
		assert_string_equal(str_at(j, NULL, "community_id"), "1:d/FP5EW3wiY1vCndhwleRRKHowQ=");
		json_decref(j);
	}
}

/* A DNS record with its name slots: qname is a flexible array, so the
 * record and the bytes after it are one aligned buffer (a struct with a
 * flexible array member inside another struct is a GNU extension). */
union dns_buf {
	struct ndr_dns_rec rec;
	uint8_t bytes[sizeof(struct ndr_dns_rec) + NDR_DNS_NAME_MAX + 64];
};

static void dns_record(union dns_buf *b, const char *name, size_t len)
{
	memset(b, 0, sizeof(*b));
	b->rec.hdr.type = NDR_REC_DNS;
	b->rec.hdr.slots = (uint8_t)ndr_dns_rec_slots((uint32_t)len);
	b->rec.hdr.ts_ns = 1795642744123456789ull;
	b->rec.hdr.seq = 5;
	addr("192.168.1.10", b->rec.src_addr);
	addr("192.168.1.1", b->rec.dst_addr);
	b->rec.src_port = 40000;
	b->rec.dst_port = 53;
	b->rec.ip_proto = 17;
	b->rec.txid = 0xbeef;
	b->rec.qdcount = 1;
	b->rec.qtype = 10;
	b->rec.qclass = 1;
	b->rec.qname_len = (uint8_t)len;
	memcpy(b->rec.qname, name, len);
	b->rec.min_ttl = 0xffffffffu;
}

static void test_dns_query(void **state)
{
	union dns_buf b;
	json_t *j;
	char pf[256];
	static const char name[] = "paaaaaaaabbbbbbb0123.t.example.com";

	(void)state;
	dns_record(&b, name, sizeof(name) - 1);
	b.rec.dns_flags = 0x0100;              /* RD */
	b.rec.label_count = 4;
	b.rec.longest_label = 20;
	b.rec.qname_entropy = 3 * 4096 + 2048; /* 3.5 bits */
	b.rec.label_entropy = 1;               /* 1/4096 */
	b.rec.n_lower = 26;
	b.rec.n_digit = 4;
	b.rec.parse_flags = NDR_DNS_P_TRUNCATED | NDR_DNS_P_TCP | 0x0100;
	j = parse(ndr_eve_dns_str(&b.rec));
	assert_string_equal(str_at(j, NULL, "event_type"), "dns");
	assert_string_equal(str_at(j, NULL, "timestamp"), "2026-11-25T21:39:04.123456+0000");
	assert_string_equal(str_at(j, NULL, "proto"), "UDP");
	assert_string_equal(str_at(j, NULL, "community_id"), "1:Qp41ptSIzCLvBKpKqt4F1f8Hf5Y=");
	assert_string_equal(str_at(j, "dns", "type"), "query");
	assert_int_equal(int_at(j, "dns", "id"), 0xbeef);
	assert_string_equal(str_at(j, "dns", "flags"), "100");
	assert_true(json_is_true(json_object_get(json_object_get(j, "dns"), "rd")));
	assert_null(json_object_get(json_object_get(j, "dns"), "qr"));
	assert_null(json_object_get(json_object_get(j, "dns"), "rcode"));
	assert_string_equal(str_at(j, "dns", "rrname"), name);
	assert_string_equal(str_at(j, "dns", "rrtype"), "NULL");
	assert_int_equal(int_at(j, "dns", "version"), 2);   /* the schema requires it */
	assert_int_equal(int_at(j, NULL, "flow_id"), (json_int_t)ndr_flow_id(b.rec.dst_addr, 53,
				b.rec.src_addr, 40000, 17));
	assert_int_equal(flowint(j, "ndr_label_count"), 4);
	assert_int_equal(flowint(j, "ndr_longest_label"), 20);
	assert_true(entropy_at(j, "ndr_dns_query") == 3.5);
	assert_true(entropy_at(j, "ndr_dns_query_longest_label") == 1.0 / 4096.0);
	assert_int_equal(flowint(j, "ndr_n_lower"), 26);
	assert_int_equal(flowint(j, "ndr_n_digit"), 4);
	assert_false(has_flowint(j, "ndr_min_ttl"));
	assert_false(has_flowint(j, "ndr_first_an_type"));
	assert_string_equal(flowbits(j, pf, sizeof(pf)), "ndr.dns.truncated,ndr.dns.tcp,ndr.dns.0x100");
	json_decref(j);
}

static void test_dns_answer_and_hostile_name(void **state)
{
	union dns_buf b;
	json_t *j;
	char *s;
	/* any byte can be in a label: quote, backslash, control, high bytes, NUL */
	static const char name[] = "a\"b\\c\x01\xff\x00z.evil";

	(void)state;
	dns_record(&b, name, sizeof(name) - 1);
	b.rec.dns_flags = 0x8183;   /* QR RD RA NXDOMAIN */
	b.rec.qtype = 65;
	b.rec.ancount = 2;
	b.rec.an_txt = 1;
	b.rec.an_other = 1;
	b.rec.first_an_type = 4321;
	b.rec.min_ttl = 300;
	b.rec.txt_len = 220;
	b.rec.txt_entropy = 6 * 4096;
	b.rec.vlan_outer = 7;
	s = ndr_eve_dns_str(&b.rec);
	assert_non_null(s);
	for (const char *p = s; *p; p++)
		assert_true((unsigned char)*p >= 0x20);   /* no raw control byte in the line */
	j = parse(s);
	assert_string_equal(str_at(j, "dns", "type"), "answer");
	assert_true(json_is_true(json_object_get(json_object_get(j, "dns"), "qr")));
	assert_string_equal(str_at(j, "dns", "rcode"), "NXDOMAIN");
	assert_string_equal(str_at(j, "dns", "flags"), "8183");
	assert_string_equal(str_at(j, "dns", "rrtype"), "HTTPS");
	assert_string_equal(str_at(j, "dns", "rrname"), "a\"b\\\\c\\001\\255\\000z.evil");
	assert_int_equal(flowint(j, "ndr_first_an_type"), 4321);
	assert_int_equal(flowint(j, "ndr_min_ttl"), 300);
	assert_int_equal(flowint(j, "ndr_txt_len"), 220);
	assert_true(entropy_at(j, "ndr_dns_answer_txt") == 6.0);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(j, "vlan"), 0)), 7);
	json_decref(j);

	/* no question: no rrname/rrtype */
	dns_record(&b, "", 0);
	b.rec.qdcount = 0;
	b.rec.parse_flags = NDR_DNS_P_NO_QUESTION;
	j = parse(ndr_eve_dns_str(&b.rec));
	assert_null(json_object_get(json_object_get(j, "dns"), "rrname"));
	assert_null(json_object_get(json_object_get(j, "dns"), "rrtype"));
	json_decref(j);
}

static void tls_record(struct ndr_tls_rec *r, const char *sni)
{
	memset(r, 0, sizeof(*r));
	r->hdr.type = NDR_REC_TLS;
	r->hdr.slots = sizeof(*r) / NDR_SLOT_BYTES;
	r->hdr.ts_ns = 1795642744123456789ull;
	r->hdr.seq = 9;
	addr("192.168.1.10", r->src_addr);
	addr("93.184.216.34", r->dst_addr);
	r->src_port = 51000;
	r->dst_port = 443;
	r->ip_proto = 6;
	r->ip_ttl = 64;
	r->record_version = 0x0301;
	r->hello_version = 0x0303;
	r->record_len = 512;
	r->hello_len = 508;
	r->payload_len = 517;
	r->n_ciphers = 17;
	r->n_extensions = 12;
	if (sni) {
		r->tls_flags |= NDR_TLS_F_SNI;
		r->sni_len = (uint16_t)strlen(sni);
		memcpy(r->sni, sni, r->sni_len < NDR_TLS_SNI_MAX ? r->sni_len : NDR_TLS_SNI_MAX);
	}
}

/* The answers a record keeps, laid out by hand as ndr_abi.h "DNS answers"
 * says, as Suricata's answers and grouped (EVE DNS format 2); what has no
 * Suricata field in metadata. */
static void test_dns_answers(void **state)
{
	union ndr_rec_full buf;
	struct ndr_dns_rec *r = (struct ndr_dns_rec *)buf.slots;
	static const char q[] = "www.example.com", cname[] = "edge.example.net";
	static const struct ndr_dns_an_entry ent[4] = {
		{ 5, 18, 300 }, { 1, 4, 60 }, { 28, 16, 61 }, { 16, 12, 5 },
	};
	static const uint8_t addrs[20] = { 192, 0, 2, 1, 0x20, 0x01, 0x0d, 0xb8, [19] = 1 };
	json_t *j, *an, *e, *g;
	char fl[512];
	uint8_t *base = buf.slots;

	(void)state;
	memset(&buf, 0, sizeof(buf));
	r->hdr.type = NDR_REC_DNS;
	r->hdr.slots = 2 + 1 + 1 + 1;
	addr("192.168.1.1", r->src_addr);
	addr("192.168.1.10", r->dst_addr);
	r->src_port = 53;
	r->dst_port = 40000;
	r->ip_proto = 17;
	r->dns_flags = 0x8180;
	r->qdcount = 1;
	r->ancount = 4;
	r->qtype = 1;
	r->qclass = 1;
	r->qname_len = sizeof(q) - 1;
	memcpy(r->qname, q, sizeof(q));
	memcpy(r->qname + sizeof(q), cname, sizeof(cname));
	r->an_entries = 4;
	r->an_flags = NDR_DNS_A_CNAME;
	r->cname_len = r->cname_stored = sizeof(cname) - 1;
	r->an_owner_q = 0x1;
	r->addr_bytes = 20;
	memcpy(base + 3 * NDR_SLOT_BYTES, ent, sizeof(ent));
	memcpy(base + 4 * NDR_SLOT_BYTES, addrs, sizeof(addrs));

	j = parse(ndr_eve_dns_str(r));
	assert_int_equal(int_at(j, "dns", "version"), 2);
	an = json_object_get(json_object_get(j, "dns"), "answers");
	assert_int_equal(json_array_size(an), 4);
	e = json_array_get(an, 0);
	assert_string_equal(json_string_value(json_object_get(e, "rrname")), q);
	assert_string_equal(json_string_value(json_object_get(e, "rrtype")), "CNAME");
	assert_int_equal(json_integer_value(json_object_get(e, "ttl")), 300);
	assert_string_equal(json_string_value(json_object_get(e, "rdata")), cname);
	e = json_array_get(an, 1);
	assert_null(json_object_get(e, "rrname"));
	assert_string_equal(json_string_value(json_object_get(e, "rdata")), "192.0.2.1");
	e = json_array_get(an, 2);
	assert_string_equal(json_string_value(json_object_get(e, "rrtype")), "AAAA");
	assert_int_equal(json_integer_value(json_object_get(e, "ttl")), 61);
	assert_string_equal(json_string_value(json_object_get(e, "rdata")),
			    "2001:0db8:0000:0000:0000:0000:0000:0001");
	e = json_array_get(an, 3);
	assert_string_equal(json_string_value(json_object_get(e, "rrtype")), "TXT");
	assert_null(json_object_get(e, "rdata"));
	g = json_object_get(json_object_get(j, "dns"), "grouped");
	assert_int_equal(json_object_size(g), 3);
	assert_string_equal(json_string_value(json_array_get(json_object_get(g, "A"), 0)), "192.0.2.1");
	assert_string_equal(json_string_value(json_array_get(json_object_get(g, "CNAME"), 0)), cname);
	assert_int_equal(json_array_size(json_object_get(g, "AAAA")), 1);
	/* the TXT answer's size, named by its place in dns.answers */
	assert_int_equal(flowint(j, "ndr_answer_3_rdlength"), 12);
	assert_false(has_flowint(j, "ndr_answer_0_rdlength"));
	assert_non_null(strstr(flowbits(j, fl, sizeof(fl)), "ndr.dns_answers.cname"));
	assert_null(strstr(fl, "_cut"));
	json_decref(j);

	/* a CNAME kept cut is no rdata; the flags say why */
	r->cname_len = 40;
	r->an_flags |= NDR_DNS_A_CNAME_CUT;
	j = parse(ndr_eve_dns_str(r));
	e = json_array_get(json_object_get(json_object_get(j, "dns"), "answers"), 0);
	assert_null(json_object_get(e, "rdata"));
	g = json_object_get(json_object_get(j, "dns"), "grouped");
	assert_null(json_object_get(g, "CNAME"));
	assert_non_null(strstr(flowbits(j, fl, sizeof(fl)),
			       "ndr.dns_answers.cname,ndr.dns_answers.cname_cut"));
	json_decref(j);

	/* a record whose fields contradict its layout keeps no answers */
	r->addr_bytes = 65;
	j = parse(ndr_eve_dns_str(r));
	assert_null(json_object_get(json_object_get(j, "dns"), "answers"));
	assert_int_equal(int_at(j, "dns", "version"), 2);
	json_decref(j);
}

/* A ServerHello on its own, and one paired: where tls.version comes from. */
static void test_tls_versions(void **state)
{
	struct ndr_tls_rec c, sv;
	json_t *j;
	char fl[512];

	(void)state;
	tls_record(&c, "www.example.com");
	tls_record(&sv, NULL);
	/* the server's view: its own endpoints are the client's reversed */
	memcpy(sv.src_addr, c.dst_addr, 16);
	memcpy(sv.dst_addr, c.src_addr, 16);
	sv.src_port = c.dst_port;
	sv.dst_port = c.src_port;
	sv.tls_flags = NDR_TLS_F_SERVER | NDR_TLS_F_CIPHERS | NDR_TLS_F_SV;
	sv.hello_version = 0x0303;
	sv.sv_version = 0x0304;
	sv.ciphers[0] = 0x1302;
	sv.n_ciphers = 1;
	sv.n_extensions = 2;
	sv.ext_types[0] = 43;
	sv.ext_types[1] = 51;
	sv.hdr.seq = 12;

	j = parse(ndr_eve_tls_str(&sv));
	assert_string_equal(str_at(j, NULL, "src_ip"), "192.168.1.10");   /* the client */
	assert_int_equal(int_at(j, NULL, "dest_port"), 443);
	assert_string_equal(str_at(j, "tls", "version"), "TLS 1.3");
	assert_non_null(strstr(flowbits(j, fl, sizeof(fl)),
			       "ndr.tls_version_from.server_supported_versions"));
	assert_false(has_flowint(j, "ndr_client_max_version"));
	assert_false(has_flowint(j, "ndr_server_seq"));
	assert_null(json_object_get(json_object_get(j, "tls"), "client_handshake"));
	assert_int_equal(int_at(json_object_get(j, "tls"), "server_handshake", "cipher"), 0x1302);
	assert_string_equal(str_at(json_object_get(j, "tls"), "ja3s", "string"), "771,4866,43-51");
	json_decref(j);

	/* TLS 1.2 chosen by a server without supported_versions, to a client
	 * offering up to 1.3; the client record has no cipher list */
	sv.tls_flags &= (uint16_t)~NDR_TLS_F_SV;
	c.tls_flags |= NDR_TLS_F_SV;
	c.sv_version = 0x0304;
	j = parse(ndr_eve_tls_pair_str(&c, &sv));
	assert_string_equal(str_at(j, "tls", "version"), "TLS 1.2");
	assert_non_null(strstr(flowbits(j, fl, sizeof(fl)), "ndr.tls_version_from.server_hello"));
	assert_int_equal(flowint(j, "ndr_server_seq"), 12);
	assert_int_equal(flowint(j, "ndr_seq"), 9);
	assert_int_equal(flowint(j, "ndr_client_max_version"), 0x0304);
	assert_non_null(strstr(flowbits(j, fl, sizeof(fl)),
			       "ndr.tls_fingerprint_missing.no_ciphers"));
	assert_null(json_object_get(json_object_get(j, "tls"), "ja3"));
	assert_string_equal(str_at(j, "tls", "sni"), "www.example.com");
	assert_non_null(json_object_get(json_object_get(j, "tls"), "client_handshake"));
	json_decref(j);

	/* a ServerHello cut before its extensions: its legacy 1.2 may be 1.3 */
	sv.tls_flags |= NDR_TLS_F_TRUNCATED;
	j = parse(ndr_eve_tls_pair_str(&c, &sv));
	assert_string_equal(str_at(j, "tls", "version"), "UNDETERMINED");
	assert_non_null(strstr(flowbits(j, fl, sizeof(fl)), "ndr.tls_version_from.server_hello_cut"));
	assert_non_null(json_object_get(json_object_get(j, "tls"), "server_handshake"));
	json_decref(j);

	/* no ServerHello: the client's legacy version, said so */
	j = parse(ndr_eve_tls_str(&c));
	assert_non_null(strstr(flowbits(j, fl, sizeof(fl)), "ndr.tls_version_from.client_hello"));
	assert_null(json_object_get(json_object_get(j, "tls"), "server_handshake"));
	json_decref(j);
}

static void test_tls_event(void **state)
{
	struct ndr_tls_rec r;
	json_t *j;
	char *s;
	char longname[100], fl[256];

	(void)state;
	tls_record(&r, "www.example.com");
	r.tls_flags |= NDR_TLS_F_ALPN;
	memcpy(r.alpn, "h2", 2);
	r.alpn_len = 2;
	r.vlan_outer = 10;
	r.vlan_inner = 20;
	j = parse(ndr_eve_tls_str(&r));
	assert_string_equal(str_at(j, NULL, "event_type"), "tls");
	assert_string_equal(str_at(j, NULL, "timestamp"), "2026-11-25T21:39:04.123456+0000");
	assert_string_equal(str_at(j, NULL, "src_ip"), "192.168.1.10");
	assert_int_equal(int_at(j, NULL, "dest_port"), 443);
	assert_string_equal(str_at(j, NULL, "proto"), "TCP");
	assert_non_null(json_object_get(j, "community_id"));
	assert_int_equal(json_integer_value(json_array_get(json_object_get(j, "vlan"), 1)), 20);
	assert_string_equal(str_at(j, "tls", "sni"), "www.example.com");
	assert_string_equal(str_at(j, "tls", "version"), "TLS 1.2");
	assert_int_equal(flowint(j, "ndr_record_version"), 0x0301);
	assert_string_equal(json_string_value(json_array_get(json_object_get(json_object_get(j, "tls"),
				"client_alpns"), 0)), "h2");
	assert_int_equal(flowint(j, "ndr_n_ciphers"), 17);
	assert_int_equal(flowint(j, "ndr_n_extensions"), 12);
	assert_int_equal(flowint(j, "ndr_sni_len"), 15);
	assert_int_equal(flowint(j, "ndr_seq"), 9);
	assert_string_equal(flowbits(j, fl, sizeof(fl)), "ndr.tls.sni,ndr.tls.alpn,"
			    "ndr.tls_version_from.client_hello,ndr.tls_fingerprint_missing.no_ciphers");
	json_decref(j);

	/* a first protocol longer than the card keeps is no protocol name */
	r.alpn_len = NDR_TLS_ALPN_MAX + 1;
	j = parse(ndr_eve_tls_str(&r));
	assert_null(json_object_get(json_object_get(j, "tls"), "client_alpns"));
	assert_int_equal(flowint(j, "ndr_alpn_len"), NDR_TLS_ALPN_MAX + 1);
	json_decref(j);

	/* no SNI: no tls.sni; the record version when the hello's is unknown */
	tls_record(&r, NULL);
	r.hello_version = 0;
	r.record_version = 0x0300;
	r.tls_flags = NDR_TLS_F_TRUNCATED | NDR_TLS_F_MALFORMED;
	j = parse(ndr_eve_tls_str(&r));
	assert_null(json_object_get(json_object_get(j, "tls"), "sni"));
	assert_null(json_object_get(j, "vlan"));
	assert_null(json_object_get(json_object_get(j, "tls"), "client_alpns"));
	assert_string_equal(str_at(j, "tls", "version"), "SSLv3");
	assert_string_equal(flowbits(j, fl, sizeof(fl)), "ndr.tls.truncated,ndr.tls.malformed,"
			    "ndr.tls_version_from.record_layer,ndr.tls_fingerprint_missing.hello_not_whole");
	json_decref(j);

	/* a cut name prints its 64 stored bytes; hostile bytes stay JSON;
	 * an unknown version prints as hex */
	memset(longname, 'q', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	tls_record(&r, longname);
	r.tls_flags |= NDR_TLS_F_SNI_CUT;
	r.sni[0] = '\x01';
	r.sni[1] = '"';
	r.hello_version = 0x7f1c;
	s = ndr_eve_tls_str(&r);
	assert_non_null(s);
	for (const char *p = s; *p; p++)
		assert_true((unsigned char)*p >= 0x20);
	j = parse(s);
	assert_int_equal(strlen(str_at(j, "tls", "sni")), 4 + 1 + 62);
	assert_memory_equal(str_at(j, "tls", "sni"), "\\001\"qq", 7);
	assert_int_equal(flowint(j, "ndr_sni_len"), 99);
	assert_string_equal(str_at(j, "tls", "version"), "0x7f1c");
	json_decref(j);
}

static void test_names(void **state)
{
	char buf[16];

	(void)state;
	assert_string_equal(ndr_dns_rrtype_name(1, buf), "A");
	assert_string_equal(ndr_dns_rrtype_name(28, buf), "AAAA");
	assert_string_equal(ndr_dns_rrtype_name(255, buf), "ANY");
	assert_string_equal(ndr_dns_rrtype_name(0, buf), "TYPE0");
	assert_string_equal(ndr_dns_rrtype_name(65535, buf), "TYPE65535");
	assert_string_equal(ndr_dns_rcode_name(0, buf), "NOERROR");
	assert_string_equal(ndr_dns_rcode_name(2, buf), "SERVFAIL");
	assert_string_equal(ndr_dns_rcode_name(15, buf), "RCODE15");
}

static void test_writer(void **state)
{
	FILE *f = tmpfile();
	struct ndr_eve_writer *w;
	struct ndr_eve_stats st;
	struct ndr_alert a;
	struct ndr_flow_rec r;
	union dns_buf b;
	struct ndr_alert_sink sink;
	char line[4096];
	int lines = 0;

	(void)state;
	assert_non_null(f);
	w = ndr_eve_writer_from_file(f);
	assert_non_null(w);
	sample_alert(&a, NULL);
	memset(&r, 0, sizeof(r));
	r.ip_proto = 17;
	dns_record(&b, "x.example", 9);
	assert_int_equal(ndr_eve_write_alert(w, &a), 0);
	assert_int_equal(ndr_eve_write_flow(w, &r), 0);
	assert_int_equal(ndr_eve_write_dns(w, &b.rec), 0);
	sink = ndr_eve_alert_sink(w);
	ndr_alert_emit(&sink, &a);
	ndr_eve_writer_stats(w, &st);
	assert_int_equal(st.events, 4);
	assert_int_equal(st.errors, 0);
	ndr_eve_writer_close(w);   /* not ours: f stays open */

	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		json_error_t jerr;
		json_t *j;
		size_t n = strlen(line);
		assert_true(n > 1 && line[n - 1] == '\n');
		line[n - 1] = '\0';
		j = json_loads(line, 0, &jerr);
		assert_non_null(j);
		assert_non_null(json_object_get(j, "event_type"));
		json_decref(j);
		lines++;
	}
	assert_int_equal(lines, 4);
	fclose(f);
}

static void test_writer_errors(void **state)
{
	char err[256] = "";
	struct ndr_eve_writer *w;
	struct ndr_eve_stats st;
	struct ndr_alert a;

	(void)state;
	assert_null(ndr_eve_writer_open("/nonexistent/dir/eve.json", err, sizeof(err)));
	assert_string_equal(err, "/nonexistent/dir/eve.json: No such file or directory");

	/* /dev/full: every flush fails with ENOSPC, counted, never a crash */
	w = ndr_eve_writer_open("/dev/full", err, sizeof(err));
	assert_non_null(w);
	sample_alert(&a, NULL);
	errno = 0;
	assert_int_equal(ndr_eve_write_alert(w, &a), -1);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(ndr_eve_write_alert(w, &a), -1);
	ndr_eve_writer_stats(w, &st);
	assert_int_equal(st.events, 0);
	assert_int_equal(st.errors, 2);
	ndr_eve_writer_close(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_community_id_vectors),
		cmocka_unit_test(test_community_id_seed_changes_hash),
		cmocka_unit_test(test_timestamp),
		cmocka_unit_test(test_alert_exact),
		cmocka_unit_test(test_alert_ipv6_and_odd_strings),
		cmocka_unit_test(test_alert_host_and_pair),
		cmocka_unit_test(test_app_proto),
		cmocka_unit_test(test_flow_tcp_ipv6),
		cmocka_unit_test(test_flow_icmp_and_udp),
		cmocka_unit_test(test_dns_query),
		cmocka_unit_test(test_dns_answer_and_hostile_name),
		cmocka_unit_test(test_dns_answers),
		cmocka_unit_test(test_tls_event),
		cmocka_unit_test(test_tls_versions),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_writer),
		cmocka_unit_test(test_writer_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
