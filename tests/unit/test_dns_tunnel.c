/*
 * test_dns_tunnel.c - detector D1 on synthetic DNS records.
 *
 * Each tunnel style is built from what its tool puts on the wire (query
 * types, label shapes, answer sizes), fed as struct ndr_dns_rec records the
 * way the card writes them, and must alert exactly once naming its
 * registered domain; benign mixes must raise nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ndr_detector.h"

#define SEC 1000000000ull
#define T0  (1700000000ull * SEC)   /* 2023-11-14T22:13:20Z */

#define QT_A     1
#define QT_CNAME 5
#define QT_NULL  10
#define QT_PTR   12
#define QT_MX    15
#define QT_TXT   16
#define QT_KEY   25
#define QT_AAAA  28
#define QT_HTTPS 65

/* ------------------------------------------------------------------ */
/* records */

struct rec_buf {
	_Alignas(64) uint8_t b[NDR_SLOT_BYTES * NDR_REC_MAX_SLOTS];
};

static uint16_t entropy_q12(const char *s, size_t n)
{
	unsigned count[256] = { 0 };
	double h = 0;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		count[(unsigned char)s[i]]++;
	for (unsigned c = 0; c < 256; c++)
		if (count[c])
			h -= (double)count[c] / n * log2((double)count[c] / n);
	return (uint16_t)(h * 4096.0);
}

/* IPv4 10.0.x.y as the ABI's IPv4-mapped form. */
static void v4(uint8_t out[16], uint32_t a)
{
	memset(out, 0, 16);
	out[10] = out[11] = 0xff;
	out[12] = (uint8_t)(a >> 24);
	out[13] = (uint8_t)(a >> 16);
	out[14] = (uint8_t)(a >> 8);
	out[15] = (uint8_t)a;
}

#define RESOLVER 0x0a000035u   /* 10.0.0.53 */

struct msg {
	uint64_t ts;
	uint32_t client;
	int response;
	const char *name;
	uint16_t qtype;
	unsigned rcode;
	uint16_t txt_len;          /* TXT/NULL RDATA bytes in the answer */
	double txt_entropy;        /* bits per byte */
};

/* Builds the record the card would write for this message: name features
 * per docs/dataplane.md. */
static const struct ndr_rec_hdr *build(struct rec_buf *rb, const struct msg *m)
{
	struct ndr_dns_rec *r = (struct ndr_dns_rec *)rb->b;
	size_t len = strlen(m->name), start = 0, longest_at = 0, longest = 0;
	char labels[NDR_DNS_NAME_MAX + 1];
	size_t nl = 0;

	memset(rb->b, 0, sizeof(rb->b));
	assert_true(len <= NDR_DNS_NAME_MAX);
	r->hdr.type = NDR_REC_DNS;
	r->hdr.slots = (uint8_t)ndr_dns_rec_slots((uint32_t)len);
	r->hdr.version = NDR_ABI_VERSION;
	r->hdr.ts_ns = m->ts;
	v4(m->response ? r->dst_addr : r->src_addr, m->client);
	v4(m->response ? r->src_addr : r->dst_addr, RESOLVER);
	r->src_port = m->response ? 53 : 40000;
	r->dst_port = m->response ? 40000 : 53;
	r->dns_flags = (uint16_t)((m->response ? 0x8180u : 0x0100u) | m->rcode);
	r->qdcount = 1;
	r->qtype = m->qtype;
	r->qclass = 1;
	r->ip_proto = 17;
	r->qname_len = (uint8_t)len;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || m->name[i] == '.') {
			if (i > start)
				r->label_count++;
			if (i - start > longest) {
				longest = i - start;
				longest_at = start;
			}
			start = i + 1;
		} else {
			labels[nl++] = m->name[i];
		}
	}
	r->longest_label = (uint8_t)longest;
	r->qname_entropy = entropy_q12(labels, nl);
	r->label_entropy = entropy_q12(m->name + longest_at, longest);
	r->min_ttl = 0xffffffffu;
	if (m->response && m->txt_len) {
		r->ancount = 1;
		r->an_txt = m->qtype == QT_TXT;
		r->an_other = m->qtype != QT_TXT;
		r->first_an_type = m->qtype;
		r->txt_len = m->txt_len;
		r->txt_entropy = (uint16_t)(m->txt_entropy * 4096.0);
	} else if (m->response && m->rcode == 0) {
		r->ancount = 1;
		r->an_a = 1;
		r->first_an_type = QT_A;
	}
	memcpy(r->qname, m->name, len);
	return &r->hdr;
}

/* ------------------------------------------------------------------ */
/* the detector under test and a sink that keeps what it is given */

#define MAX_ALERTS 16

struct caught {
	char signature[320];
	char entity[256];
	uint32_t sid;
	int severity;
	double score;
	uint8_t src[16], dst[16];
	uint64_t ts;
	json_t *evidence;
	const char *mitre0;
};

struct harness {
	const struct ndr_detector_ops *ops;
	struct ndr_config *cfg;
	void *det;
	struct ndr_alert_sink sink;
	struct caught alerts[MAX_ALERTS];
	unsigned n_alerts;
	uint64_t last_tick;
};

static void on_alert(void *arg, const struct ndr_alert *a)
{
	struct harness *h = arg;
	struct caught *c;

	assert_true(h->n_alerts < MAX_ALERTS);
	c = &h->alerts[h->n_alerts++];
	assert_string_equal(a->category, "dns_tunnel");
	snprintf(c->signature, sizeof(c->signature), "%s", a->signature);
	snprintf(c->entity, sizeof(c->entity), "%s", a->entity);
	c->sid = a->signature_id;
	c->severity = a->severity;
	c->score = a->score;
	c->ts = a->ts_ns;
	c->mitre0 = a->mitre[0];
	memcpy(c->src, a->src_addr, 16);
	memcpy(c->dst, a->dst_addr, 16);
	assert_true(json_is_object(a->evidence));
	c->evidence = json_deep_copy(a->evidence);
	assert_true(a->score >= 0.0 && a->score <= 1.0);
	assert_true(a->severity >= 1 && a->severity <= 3);
	assert_string_equal(a->mitre[0], "T1071.004");
	assert_string_equal(a->mitre[1], "T1572");
	assert_string_equal(a->mitre[2], "T1048.003");
	assert_null(a->mitre[3]);
}

static const struct ndr_detector_ops *find_ops(void)
{
	for (unsigned i = 0; ndr_detectors[i]; i++)
		if (strcmp(ndr_detectors[i]->name, "dns_tunnel") == 0)
			return ndr_detectors[i];
	fail_msg("dns_tunnel is not in ndr_detectors[]");
	return NULL;
}

static struct harness *harness_new(const char *config_text)
{
	struct harness *h = calloc(1, sizeof(*h));
	struct ndr_detector_ctx ctx = ndr_detector_ctx_one(0x6e64722d74657374ull);
	char err[512];

	assert_non_null(h);
	h->ops = find_ops();
	h->cfg = ndr_config_parse(config_text ? config_text : "", "test.conf", err, sizeof(err));
	if (!h->cfg)
		fail_msg("config: %s", err);
	h->det = h->ops->create(h->cfg, &ctx, err, sizeof(err));
	if (!h->det)
		fail_msg("create: %s", err);
	assert_int_equal(ndr_config_check_unused(h->cfg, err, sizeof(err)), 0);
	h->sink.emit = on_alert;
	h->sink.arg = h;
	return h;
}

static void harness_free(struct harness *h)
{
	for (unsigned i = 0; i < h->n_alerts; i++)
		json_decref(h->alerts[i].evidence);
	h->ops->destroy(h->det);
	ndr_config_free(h->cfg);
	free(h);
}

/* Feeds one message, ticking once per second of record time as the sensor does. */
static void feed(struct harness *h, const struct msg *m)
{
	struct rec_buf rb;

	if (m->ts >= h->last_tick + SEC) {
		h->ops->tick(h->det, m->ts, &h->sink);
		h->last_tick = m->ts;
	}
	h->ops->record(h->det, build(&rb, m), &h->sink);
}

/* A query and its response 20 ms later. */
static void exchange(struct harness *h, uint64_t ts, uint32_t client, const char *name,
		     uint16_t qtype, unsigned rcode, uint16_t txt_len, double txt_entropy)
{
	struct msg q = { ts, client, 0, name, qtype, 0, 0, 0 };
	struct msg r = { ts + 20000000ull, client, 1, name, qtype, rcode, txt_len, txt_entropy };

	feed(h, &q);
	feed(h, &r);
}

static json_t *stats(struct harness *h)
{
	json_t *o = json_object();

	ndr_detector_stats_json(h->ops, h->det, o);
	return o;
}

static json_int_t stat(struct harness *h, const char *key)
{
	json_t *o = stats(h);
	json_t *v = json_object_get(o, key);
	json_int_t x;

	if (!json_is_integer(v))
		fail_msg("stats has no integer '%s'", key);
	x = json_integer_value(v);
	json_decref(o);
	return x;
}

static double ev_num(const struct caught *c, const char *key)
{
	json_t *v = json_object_get(c->evidence, key);

	if (!json_is_number(v))
		fail_msg("evidence has no number '%s'", key);
	return json_number_value(v);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void random_label(char *out, size_t n, const char *alphabet)
{
	size_t k = strlen(alphabet);

	for (size_t i = 0; i < n; i++)
		out[i] = alphabet[rnd() % k];
	out[n] = '\0';
}

static const char BASE32[] = "abcdefghijklmnopqrstuvwxyz012345";
static const char HEX[] = "0123456789abcdef";

/* ------------------------------------------------------------------ */
/* tunnel traffic */

/* iodine: NULL queries (some TXT/CNAME) with long base32 labels, ~5/s,
 * downstream data in NULL answers. */
static void iodine(struct harness *h, uint64_t start, unsigned seconds, uint32_t client,
		   const char *domain)
{
	static const uint16_t types[] = { QT_NULL, QT_NULL, QT_NULL, QT_TXT, QT_CNAME };
	char a[64], b[64], name[256];

	for (unsigned i = 0; i < seconds * 5; i++) {
		uint16_t qt = types[i % 5];

		random_label(a, 60, BASE32);
		random_label(b, 40, BASE32);
		snprintf(name, sizeof(name), "p%s.%s.t.%s", a, b, domain);
		exchange(h, start + (uint64_t)i * (SEC / 5), client, name, qt, 0,
			 qt == QT_CNAME ? 0 : 220, 6.6);
	}
}

/* dns2tcp: KEY and TXT queries whose labels are short and low-entropy
 * (a session id and a counter), 3/s, small answers. */
static void dns2tcp(struct harness *h, uint64_t start, unsigned seconds, uint32_t client,
		    const char *domain)
{
	char name[256];

	for (unsigned i = 0; i < seconds * 3; i++) {
		snprintf(name, sizeof(name), "aa%u.ssh.%s", i, domain);
		exchange(h, start + (uint64_t)i * (SEC / 3), client, name,
			 i % 4 == 3 ? QT_TXT : QT_KEY, 0, 40, 3.0);
	}
}

/* dnscat2: hex-encoded labels under the domain, TXT/CNAME/MX, 2/s. */
static void dnscat2(struct harness *h, uint64_t start, unsigned seconds, uint32_t client,
		    const char *domain)
{
	static const uint16_t types[] = { QT_TXT, QT_CNAME, QT_MX };
	char a[64], name[256];

	for (unsigned i = 0; i < seconds * 2; i++) {
		random_label(a, 50, HEX);
		snprintf(name, sizeof(name), "%s.%s", a, domain);
		exchange(h, start + (uint64_t)i * (SEC / 2), client, name, types[i % 3], 0,
			 types[i % 3] == QT_TXT ? 60 : 0, 3.9);
	}
}

/* PowerShell stager over TXT: 19 short names, one every 10 s, each answer
 * ~346 bytes of base64 with entropy ~5.4. */
static void txt_stager(struct harness *h, uint64_t start, uint32_t client, const char *domain)
{
	char name[256];

	for (unsigned i = 0; i < 19; i++) {
		snprintf(name, sizeof(name), "%u.s.%s", i + 1, domain);
		exchange(h, start + (uint64_t)i * 10 * SEC, client, name, QT_TXT, 0, 346, 5.4);
	}
}

static void expect_one_alert(struct harness *h, const char *domain, uint32_t client,
			     uint64_t start, uint64_t within)
{
	uint8_t want_src[16], want_dst[16];
	const struct caught *c;

	if (h->n_alerts != 1)
		fail_msg("expected exactly 1 alert for %s, got %u", domain, h->n_alerts);
	c = &h->alerts[0];
	assert_string_equal(c->entity, domain);
	assert_non_null(strstr(c->signature, domain));
	assert_non_null(strstr(c->signature, "NDR DNS tunnel"));
	v4(want_src, client);
	v4(want_dst, RESOLVER);
	assert_memory_equal(c->src, want_src, 16);
	assert_memory_equal(c->dst, want_dst, 16);
	assert_true(c->ts >= start && c->ts <= start + within);
	assert_true(c->score >= 0.6);
	print_message("%s: alert after %.0f s, score %.2f, severity %d: %s\n", domain,
		      (double)(c->ts - start) / SEC, c->score, c->severity, c->signature);
	assert_true(json_is_array(json_object_get(c->evidence, "example_names")));
	assert_true(json_array_size(json_object_get(c->evidence, "example_names")) >= 1);
	assert_true(json_is_string(json_object_get(c->evidence, "first_seen")));
	assert_true(json_is_string(json_object_get(c->evidence, "last_seen")));
	assert_int_equal((int)ev_num(c, "window_seconds"), 600);
	assert_true(json_is_object(json_object_get(c->evidence, "qtypes")));
}

/* ------------------------------------------------------------------ */
/* tunnels alert, once each */

static void test_iodine(void **state)
{
	struct harness *h = harness_new(NULL);
	const struct caught *c;

	(void)state;
	iodine(h, T0, 300, 0x0a000105, "tunnel-iodine.com");
	/* its names are obviously encoded (60- and 40-character random
	 * labels, NULL/TXT/CNAME lookups): the short-session path sees it after
	 * short_min_names of them, long before the aggregate's 50 */
	expect_one_alert(h, "tunnel-iodine.com", 0x0a000105, T0, 3 * SEC);
	c = &h->alerts[0];
	assert_non_null(strstr(c->signature, "encoded names in a short session"));
	assert_true(ev_num(c, "distinct_encoded_labels") >= 5);
	assert_true(ev_num(c, "score_short") >= 0.6);
	assert_true(ev_num(c, "non_a_aaaa_share") >= 0.99);
	assert_int_equal((int)ev_num(c, "max_label_len"), 61);
	assert_true(ev_num(c, "mean_qname_len") > 100);
	assert_true(ev_num(c, "mean_entropy") > 0.75);
	assert_true(json_integer_value(json_object_get(json_object_get(c->evidence, "qtypes"),
						       "NULL")) > 0);
	assert_non_null(strstr(json_string_value(json_array_get(
		json_object_get(c->evidence, "example_names"), 0)), ".t.tunnel-iodine.com"));
	assert_int_equal(c->sid, 8610001);
	harness_free(h);

	/* with the short path out of reach, the aggregate still sees it */
	h = harness_new("[dns_tunnel]\nshort_label_len = 63\n");
	iodine(h, T0, 300, 0x0a000105, "tunnel-iodine.com");
	expect_one_alert(h, "tunnel-iodine.com", 0x0a000105, T0, 30 * SEC);
	c = &h->alerts[0];
	assert_non_null(strstr(c->signature, "unique subdomains"));
	assert_true(ev_num(c, "distinct_names") >= 45);
	assert_true(ev_num(c, "distinct_names_per_window") >= 200);
	assert_true(ev_num(c, "txt_bytes") > 0);
	assert_int_equal(c->severity, 1);
	harness_free(h);
}

/* The four shapes of the shared captures' short sessions (12-22 queries
 * each), rebuilt from their records: each alone must alert. */
static void test_short_sessions(void **state)
{
	static const char B64URL[] =
		"abcdefghijklmnopqrstuvwxyz0123456789-_ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	char a[64], b[64], c2[64], d[64], name[512];
	struct harness *h;

	(void)state;
	/* dnscat2: 12 lookups of 34 hex characters, MX/TXT/CNAME, 1 s apart */
	h = harness_new(NULL);
	for (unsigned i = 0; i < 12; i++) {
		static const uint16_t t[] = { QT_MX, QT_TXT, QT_MX, QT_CNAME };

		random_label(a, 34, HEX);
		snprintf(name, sizeof(name), "%s.biillpi.com", a);
		exchange(h, T0 + i * SEC, 0x0a000111, name, t[i % 4], 0,
			 t[i % 4] == QT_TXT ? 35 : 0, 3.8);
	}
	expect_one_alert(h, "biillpi.com", 0x0a000111, T0, 12 * SEC);
	assert_true(h->alerts[0].score >= 0.6);
	harness_free(h);

	/* dnsextrator: 13 TXT lookups of four 63-character labels */
	h = harness_new(NULL);
	for (unsigned i = 0; i < 13; i++) {
		random_label(a, 63, B64URL);
		random_label(b, 63, B64URL);
		random_label(c2, 63, B64URL);
		random_label(d, 40, B64URL);
		snprintf(name, sizeof(name), "%u.%s.%s.%s.%s.hsc.fr", i, a, b, c2, d);
		exchange(h, T0 + i * SEC / 10, 0x0a000112, name, QT_TXT, 0, 2, 1.0);
	}
	expect_one_alert(h, "hsc.fr", 0x0a000112, T0, 2 * SEC);
	harness_free(h);

	/* iodine's handshake: NULL lookups, a few with raw 8-bit bytes, most
	 * short polls answered with random payloads */
	h = harness_new(NULL);
	for (unsigned i = 0; i < 14; i++) {
		if (i % 2 == 0) {
			for (unsigned k = 0; k < 30; k++)
				a[k] = (char)(0x80 + rnd() % 0x7f);
			a[30] = '\0';
			snprintf(name, sizeof(name), "z0p%caa%s.t1.biillpi.com", 'a' + i, a);
		} else {
			random_label(a, 6, BASE32);
			snprintf(name, sizeof(name), "%s.t1.biillpi.com", a);
		}
		exchange(h, T0 + i * SEC / 2, 0x0a000113, name, QT_NULL, 0, 48, 5.0);
	}
	expect_one_alert(h, "biillpi.com", 0x0a000113, T0, 7 * SEC);
	assert_true(ev_num(&h->alerts[0], "names_with_non_hostname_bytes") >= 5);
	harness_free(h);

	/* dns2tcp: '=' in the name, 63-character base32 data labels */
	h = harness_new(NULL);
	for (unsigned i = 0; i < 22; i++) {
		random_label(a, i % 2 ? 63 : 10, BASE32);
		snprintf(name, sizeof(name), "%s.=auth.dns2tcp.hsc.fr", a);
		exchange(h, T0 + i * SEC / 10, 0x0a000114, name, QT_TXT, 0, 40, 4.3);
	}
	expect_one_alert(h, "hsc.fr", 0x0a000114, T0, 3 * SEC);
	harness_free(h);
}

/* What looks encoded and is not: the same long label again and again
 * (Active Directory's DC locator: SRV lookups naming a long site and the
 * domain GUID; a mail relay's DKIM lookups of one long selector; ACME
 * challenges), long random labels in A/AAAA lookups (CDN object names),
 * a few encoded-looking names among many ordinary ones. */
static void test_short_benign(void **state)
{
	static const char *const srv[] = { "_ldap._tcp", "_kerberos._tcp", "_kpasswd._tcp",
					   "_gc._tcp", "_ldap._tcp.pdc" };
	struct harness *h = harness_new(NULL);
	char a[64], name[256];
	unsigned n = 0;

	(void)state;
	for (unsigned round = 0; round < 40; round++) {
		for (unsigned k = 0; k < 5; k++) {
			snprintf(name, sizeof(name),
				 "%s.Headquarters-Building-North-Campus._sites.dc._msdcs.corp.example.com",
				 srv[k]);
			exchange(h, T0 + (uint64_t)n++ * SEC, 0x0a000121, name, 33, 0, 0, 0);
			snprintf(name, sizeof(name),
				 "%s.6f1c3b2a-9d4e-4f7a-8b2c-1e5d7a9c3f0b.domains._msdcs.corp.example.com",
				 srv[k]);
			exchange(h, T0 + (uint64_t)n++ * SEC, 0x0a000121, name, 33, 0, 0, 0);
		}
		snprintf(name, sizeof(name),
			 "selector-2024-outbound-mailrelay-primary._domainkey.bigmail.example.net");
		exchange(h, T0 + (uint64_t)n++ * SEC, 0x0a000122, name, QT_TXT, 0, 410, 5.9);
		snprintf(name, sizeof(name), "_acme-challenge.www.shop.example.org");
		exchange(h, T0 + (uint64_t)n++ * SEC, 0x0a000123, name, QT_TXT, 0, 43, 5.3);
	}
	/* object names of 32 random characters, A/AAAA only */
	for (unsigned i = 0; i < 200; i++) {
		random_label(a, 32, HEX);
		snprintf(name, sizeof(name), "%s.objects.cdn-assets.example.net", a);
		exchange(h, T0 + (uint64_t)i * SEC, 0x0a000124, name, i % 2 ? QT_A : QT_AAAA, 0,
			 0, 0);
	}
	/* four encoded-looking TXT lookups among 200 ordinary ones */
	for (unsigned i = 0; i < 200; i++) {
		if (i % 50 == 0)
			random_label(a, 40, BASE32);
		else
			snprintf(a, sizeof(a), "host%u", i % 20);
		snprintf(name, sizeof(name), "%s.intranet.example.com", a);
		exchange(h, T0 + (uint64_t)i * SEC, 0x0a000125, name, i % 50 ? QT_A : QT_TXT, 0,
			 0, 0);
	}
	for (unsigned i = 0; i < h->n_alerts; i++)
		print_message("unexpected: %s %s\n", h->alerts[i].entity, h->alerts[i].signature);
	assert_int_equal(h->n_alerts, 0);
	harness_free(h);
}

static void test_dns2tcp(void **state)
{
	struct harness *h = harness_new(NULL);
	const struct caught *c;

	(void)state;
	/* under a multi-label public suffix: the entity is dns2tcp.co.uk */
	dns2tcp(h, T0, 300, 0x0a000106, "dns2tcp.co.uk");
	expect_one_alert(h, "dns2tcp.co.uk", 0x0a000106, T0, 60 * SEC);
	c = &h->alerts[0];
	assert_int_equal(c->sid, 8610001);
	assert_non_null(strstr(c->signature, "unique subdomains"));
	assert_true(ev_num(c, "non_a_aaaa_share") >= 0.99);
	assert_true(ev_num(c, "mean_qname_len") < 30);   /* short names... */
	assert_true(ev_num(c, "distinct_names_per_window") >= 200); /* ...but many */
	assert_true(json_integer_value(json_object_get(json_object_get(c->evidence, "qtypes"),
						       "KEY")) > 0);
	harness_free(h);
}

static void test_dnscat2(void **state)
{
	struct harness *h = harness_new(NULL);
	const struct caught *c;

	(void)state;
	dnscat2(h, T0, 300, 0x0a000107, "c2.dnscat-test.net");
	expect_one_alert(h, "dnscat-test.net", 0x0a000107, T0, 60 * SEC);
	c = &h->alerts[0];
	assert_true(ev_num(c, "non_a_aaaa_share") >= 0.99);
	assert_true(json_object_get(json_object_get(c->evidence, "qtypes"), "MX") != NULL);
	assert_true(json_object_get(json_object_get(c->evidence, "qtypes"), "TXT") != NULL);
	harness_free(h);
}

static void test_txt_stager(void **state)
{
	struct harness *h = harness_new(NULL);
	const struct caught *c;

	(void)state;
	txt_stager(h, T0, 0x0a000108, "stager-cdn.org");
	expect_one_alert(h, "stager-cdn.org", 0x0a000108, T0, 190 * SEC);
	c = &h->alerts[0];
	assert_int_equal(c->sid, 8610002);
	assert_non_null(strstr(c->signature, "TXT"));
	assert_true(ev_num(c, "distinct_names") < 20);   /* few names... */
	assert_true(ev_num(c, "txt_entropy") > 5.0);     /* ...random answers */
	assert_true(ev_num(c, "mean_txt_bytes") > 300);
	assert_true(ev_num(c, "txt_answers") >= 5);
	harness_free(h);
}

/* ------------------------------------------------------------------ */
/* benign traffic raises nothing */

static void test_benign_popular_domains(void **state)
{
	static const char *const tlds[] = { "com", "net", "org", "com.br", "co.uk", "de" };
	static const char *const hosts[] = { "www", "cdn", "api", "static", "img" };
	static const uint16_t types[] = { QT_A, QT_AAAA, QT_HTTPS };
	struct harness *h = harness_new(NULL);
	char name[256];
	unsigned n = 0;

	(void)state;
	/* 300 sites, 5 names each, looked up again and again for 20 minutes,
	 * by one busy client; a few SPF/verification TXT lookups too */
	for (unsigned round = 0; round < 4; round++)
		for (unsigned s = 0; s < 300; s++)
			for (unsigned k = 0; k < 5; k++) {
				snprintf(name, sizeof(name), "%s.site%u.%s", hosts[k], s, tlds[s % 6]);
				exchange(h, T0 + (uint64_t)n * (SEC / 5), 0x0a000109, name,
					 types[n % 3], 0, 0, 0);
				n++;
				if (k == 0 && s % 10 == 0) {
					snprintf(name, sizeof(name), "site%u.%s", s, tlds[s % 6]);
					exchange(h, T0 + (uint64_t)n * (SEC / 5), 0x0a000109, name,
						 QT_TXT, 0, 180, 4.6);
					n++;
				}
			}
	assert_int_equal(h->n_alerts, 0);
	assert_true(stat(h, "entities") >= 300);
	harness_free(h);
}

static void test_benign_cdn(void **state)
{
	struct harness *h = harness_new(NULL);
	char a[32], name[256];

	(void)state;
	/* 3000 distinct CDN hostnames, some with random-looking 14-char
	 * labels, all A/AAAA, to one client in 10 minutes */
	for (unsigned i = 0; i < 3000; i++) {
		if (i % 2) {
			random_label(a, 14, "abcdefghijklmnopqrstuvwxyz0123456789");
			snprintf(name, sizeof(name), "d%s.cdn-example.net", a);
		} else {
			snprintf(name, sizeof(name), "e%u.a.cdn-example.net", i);
		}
		exchange(h, T0 + (uint64_t)i * (SEC / 5), 0x0a00010a, name,
			 i % 2 ? QT_AAAA : QT_A, 0, 0, 0);
	}
	assert_int_equal(h->n_alerts, 0);
	harness_free(h);
}

static void test_benign_reverse_lookups(void **state)
{
	struct harness *h = harness_new(NULL);
	char name[256];

	(void)state;
	/* a log server resolving 5000 addresses: PTR, many NXDOMAIN */
	for (unsigned i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "%u.%u.%u.10.in-addr.arpa", i % 250, (i / 250) % 250,
			 i / 62500);
		exchange(h, T0 + (uint64_t)i * (SEC / 10), 0x0a00010b, name, QT_PTR,
			 i % 3 ? 3 : 0, 0, 0);
	}
	snprintf(name, sizeof(name), "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
	exchange(h, T0 + 600 * SEC, 0x0a00010b, name, QT_PTR, 3, 0, 0);
	assert_int_equal(h->n_alerts, 0);
	assert_int_equal(stat(h, "reverse_lookups"), 10002);
	assert_int_equal(stat(h, "entities"), 0);
	harness_free(h);
}

static void test_allowlists(void **state)
{
	struct harness *h = harness_new("[dns_tunnel]\n"
					"allow_domain = av-vendor.com\n"
					"allow_domain = updates.Other-Vendor.net.\n"
					"allow_client = 10.9.0.0/16\n"
					"allow_client = 2001:db8::/32\n");

	(void)state;
	/* an AV product's lookups look exactly like a tunnel */
	iodine(h, T0, 200, 0x0a000110, "av-vendor.com");
	/* only the allowlisted subdomain of other-vendor.net is exempt */
	dns2tcp(h, T0, 200, 0x0a000111, "updates.other-vendor.net");
	/* a client range the SOC exempted */
	dnscat2(h, T0, 200, 0x0a090001, "dnscat-test.net");
	assert_int_equal(h->n_alerts, 0);
	assert_true(stat(h, "allowlisted_domain") > 0);
	assert_true(stat(h, "allowlisted_client") > 0);
	/* other subdomains of the partly allowlisted domain are still watched */
	dns2tcp(h, T0 + 200 * SEC, 200, 0x0a000111, "other.other-vendor.net");
	assert_int_equal(h->n_alerts, 1);
	assert_string_equal(h->alerts[0].entity, "other-vendor.net");
	harness_free(h);
}

/* ------------------------------------------------------------------ */
/* suppression */

static void test_suppression(void **state)
{
	struct harness *h = harness_new("[dns_tunnel]\nsuppress = 10m\n");
	json_t *prev;

	(void)state;
	/* two infected clients, one domain: one alert for the domain */
	iodine(h, T0, 300, 0x0a000120, "evil-tunnel.com");
	iodine(h, T0 + 10 * SEC, 290, 0x0a000121, "evil-tunnel.com");
	/* a second domain alerts on its own */
	dnscat2(h, T0, 200, 0x0a000120, "other-c2.org");
	assert_int_equal(h->n_alerts, 2);
	assert_string_equal(h->alerts[0].entity, "evil-tunnel.com");
	assert_string_equal(h->alerts[1].entity, "other-c2.org");
	assert_true(stat(h, "alerts_suppressed") >= 1);

	/* still tunnelling after the suppression window: one new alert that
	 * carries what was suppressed */
	iodine(h, T0 + 300 * SEC, 400, 0x0a000120, "evil-tunnel.com");
	assert_int_equal(h->n_alerts, 3);
	assert_string_equal(h->alerts[2].entity, "evil-tunnel.com");
	assert_true(h->alerts[2].ts >= h->alerts[0].ts + 600 * SEC);
	prev = json_object_get(h->alerts[2].evidence, "previous_alert");
	assert_non_null(prev);
	assert_int_equal(json_integer_value(json_object_get(prev, "clients")), 2);
	assert_int_equal(json_integer_value(json_object_get(prev, "suppressed")), 1);
	harness_free(h);
}

/* ------------------------------------------------------------------ */
/* memory */

static void test_eviction_small_table(void **state)
{
	struct harness *h = harness_new("[dns_tunnel]\nmax_entities = 64\n");
	char name[256];
	uint64_t ts = T0;

	(void)state;
	/* a tunnel keeps its entry warm while 500 clients x 4 domains churn
	 * through a 64-entry table */
	for (unsigned sec = 0; sec < 200; sec++) {
		char a[64];

		for (unsigned j = 0; j < 5; j++) {
			random_label(a, 60, BASE32);
			snprintf(name, sizeof(name), "%s.t.churn-tunnel.com", a);
			exchange(h, ts, 0x0a000130, name, QT_NULL, 0, 200, 6.5);
			ts += SEC / 10;
			snprintf(name, sizeof(name), "www.site%u.com", (sec * 5 + j) % 4);
			exchange(h, ts, 0x0a010000 + (sec * 5 + j) % 500, name, QT_A, 0, 0, 0);
			ts += SEC / 10;
		}
		assert_true(stat(h, "entities") <= 64);
		assert_true(stat(h, "memory_bytes") <= stat(h, "memory_cap_bytes"));
	}
	assert_true(stat(h, "evictions") > 400);
	assert_int_equal(h->n_alerts, 1);
	assert_string_equal(h->alerts[0].entity, "churn-tunnel.com");

	/* entries idle for a whole window are released */
	h->ops->tick(h->det, ts + 601 * SEC, &h->sink);
	assert_int_equal(stat(h, "entities"), 0);
	assert_true(stat(h, "expired") > 0);
	harness_free(h);
}

static void test_million_records_bounded(void **state)
{
	struct harness *h = harness_new("[dns_tunnel]\nmax_entities = 20000\n");
	json_t *st;
	char name[128];
	struct msg m = { 0, 0, 0, name, QT_A, 0, 0, 0 };
	clock_t c0 = clock();
	json_int_t cap;

	(void)state;
	/* 1M queries from 100k clients to 1000 domains over 10 minutes */
	for (unsigned i = 0; i < 1000000; i++) {
		m.ts = T0 + (uint64_t)i * 600000;
		m.client = 0x0a000000u + (uint32_t)(rnd() % 100000);
		m.qtype = i % 2 ? QT_A : QT_AAAA;
		snprintf(name, sizeof(name), "host%u.domain%u.com", (unsigned)(rnd() % 8),
			 (unsigned)(rnd() % 1000));
		feed(h, &m);
		if (i % 100000 == 0) {
			assert_true(stat(h, "memory_bytes") <= stat(h, "memory_cap_bytes"));
			assert_true(stat(h, "entities") <= 20000);
		}
	}
	st = stats(h);
	cap = json_integer_value(json_object_get(st, "memory_cap_bytes"));
	print_message("1M records in %.2f s CPU: entities %lld, evictions %lld, memory %lld of %lld "
		      "bytes\n", (double)(clock() - c0) / CLOCKS_PER_SEC,
		      (long long)json_integer_value(json_object_get(st, "entities")),
		      (long long)json_integer_value(json_object_get(st, "evictions")),
		      (long long)json_integer_value(json_object_get(st, "memory_bytes")),
		      (long long)cap);
	assert_int_equal(json_integer_value(json_object_get(st, "entities")), 20000);
	assert_true(json_integer_value(json_object_get(st, "evictions")) > 500000);
	assert_true(json_integer_value(json_object_get(st, "memory_bytes")) <= cap);
	/* the cap is what the configuration says, not unbounded */
	assert_true(cap < 20000 * 4096);
	assert_int_equal(h->n_alerts, 0);
	json_decref(st);
	harness_free(h);
}

/* ------------------------------------------------------------------ */
/* robustness */

static void test_bad_records_counted(void **state)
{
	struct harness *h = harness_new(NULL);
	struct rec_buf rb;
	struct msg m = { T0, 0x0a000140, 0, "x.example.com", QT_A, 0, 0, 0 };
	struct ndr_dns_rec *r;

	(void)state;
	r = (struct ndr_dns_rec *)build(&rb, &m);
	r->hdr.slots = 2;   /* too short for its name */
	h->ops->record(h->det, &r->hdr, &h->sink);
	r = (struct ndr_dns_rec *)build(&rb, &m);
	r->parse_flags = NDR_DNS_P_LABEL_LONG;   /* name cut: domain unknown */
	h->ops->record(h->det, &r->hdr, &h->sink);
	r = (struct ndr_dns_rec *)build(&rb, &m);
	r->dns_flags |= 5u << 11;                 /* UPDATE, not a lookup */
	h->ops->record(h->det, &r->hdr, &h->sink);
	m.name = "localhost";
	h->ops->record(h->det, build(&rb, &m), &h->sink);
	m.name = "com";
	h->ops->record(h->det, build(&rb, &m), &h->sink);
	assert_int_equal(stat(h, "malformed"), 1);
	assert_int_equal(stat(h, "incomplete_name"), 1);
	assert_int_equal(stat(h, "not_query"), 1);
	assert_int_equal(stat(h, "no_registered_domain"), 2);
	assert_int_equal(stat(h, "entities"), 0);
	/* other record types are ignored */
	memset(rb.b, 0, sizeof(rb.b));
	((struct ndr_rec_hdr *)rb.b)->type = NDR_REC_FLOW;
	((struct ndr_rec_hdr *)rb.b)->slots = 3;
	h->ops->record(h->det, (struct ndr_rec_hdr *)rb.b, &h->sink);
	assert_int_equal(stat(h, "dns_records"), 5);
	harness_free(h);
}

static void expect_bad_config(const char *text, const char *needle)
{
	const struct ndr_detector_ops *ops = find_ops();
	char err[512] = "";
	struct ndr_config *cfg = ndr_config_parse(text, "bad.conf", err, sizeof(err));
	struct ndr_detector_ctx ctx = ndr_detector_ctx_one(1);
	void *det;

	assert_non_null(cfg);
	det = ops->create(cfg, &ctx, err, sizeof(err));
	if (det)
		fail_msg("config accepted: %s", text);
	print_message("rejected: %s\n", err);
	if (!strstr(err, needle))
		fail_msg("message '%s' does not mention '%s'", err, needle);
	ndr_config_free(cfg);
}

static void test_bad_config(void **state)
{
	(void)state;
	expect_bad_config("[dns_tunnel]\nwindow = soon\n", "window");
	expect_bad_config("[dns_tunnel]\nwindow = 1s\n", "window");
	expect_bad_config("[dns_tunnel]\nmax_entities = 0\n", "max_entities");
	expect_bad_config("[dns_tunnel]\nhll_precision = 20\n", "hll_precision");
	expect_bad_config("[dns_tunnel]\nscore_threshold = 1.5\n", "score_threshold");
	expect_bad_config("[dns_tunnel]\ndistinct_low = 500\ndistinct_high = 200\n",
			  "bad.conf:2: [dns_tunnel] distinct_low: 500 must be below distinct_high (200)");
	expect_bad_config("[dns_tunnel]\nnon_a_share_high = 2\n", "non_a_share_high");
	expect_bad_config("[dns_tunnel]\nallow_domain = bad domain.com\n", "bad domain.com");
	expect_bad_config("[dns_tunnel]\nallow_domain = a..b.com\n", "a..b.com");
	expect_bad_config("[dns_tunnel]\nallow_client = 10.0.0.0/33\n", "10.0.0.0/33");
	expect_bad_config("[dns_tunnel]\nallow_client = example.com\n", "allow_client");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short_sessions),
		cmocka_unit_test(test_short_benign),
		cmocka_unit_test(test_iodine),
		cmocka_unit_test(test_dns2tcp),
		cmocka_unit_test(test_dnscat2),
		cmocka_unit_test(test_txt_stager),
		cmocka_unit_test(test_benign_popular_domains),
		cmocka_unit_test(test_benign_cdn),
		cmocka_unit_test(test_benign_reverse_lookups),
		cmocka_unit_test(test_allowlists),
		cmocka_unit_test(test_suppression),
		cmocka_unit_test(test_eviction_small_table),
		cmocka_unit_test(test_million_records_bounded),
		cmocka_unit_test(test_bad_records_counted),
		cmocka_unit_test(test_bad_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
