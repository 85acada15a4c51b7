/*
 * test_workers.c - the detectors on worker threads (ndr_workers.h):
 *  - routing: every record of one detector entity (as the detector keys
 *    its state and its alert suppression, computed here independently of
 *    the shard functions: libpsl for registered domains) lands on one
 *    worker, for 2..8 workers, and the entities spread over all workers;
 *  - the alerts (with their evidence) and the record events that come out
 *    are the same, in the same order, for 1, 2, 3 and 4 workers, on a
 *    stream with hundreds of alerts from many entities;
 *  - statistics add up across instances.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpsl.h>

#include "flowgen.h"
#include "ndr_detector.h"
#include "ndr_cidr_set.h"
#include "ndr_workers.h"

#define SEED 0x746573742d776b72ull

struct dns_buf {
	uint8_t b[NDR_REC_MAX_SLOTS * NDR_SLOT_BYTES];
};

static void v4(uint8_t a[16], uint32_t ip)
{
	memset(a, 0, 16);
	a[10] = a[11] = 0xff;
	a[12] = (uint8_t)(ip >> 24);
	a[13] = (uint8_t)(ip >> 16);
	a[14] = (uint8_t)(ip >> 8);
	a[15] = (uint8_t)ip;
}

static const struct ndr_rec_hdr *dns_rec(struct dns_buf *rb, uint64_t ts, uint32_t client,
					 int response, const char *name, uint16_t qtype)
{
	struct ndr_dns_rec *r = (struct ndr_dns_rec *)rb->b;
	size_t len = strlen(name), longest = 0, run = 0;

	memset(rb->b, 0, sizeof(rb->b));
	r->hdr.type = NDR_REC_DNS;
	r->hdr.slots = (uint8_t)ndr_dns_rec_slots((uint32_t)len);
	r->hdr.version = NDR_ABI_VERSION;
	r->hdr.ts_ns = ts;
	v4(response ? r->dst_addr : r->src_addr, client);
	v4(response ? r->src_addr : r->dst_addr, 0x0a000035u);
	r->src_port = response ? 53 : 40000;
	r->dst_port = response ? 40000 : 53;
	r->dns_flags = response ? 0x8180u : 0x0100u;
	r->qdcount = 1;
	r->qtype = qtype;
	r->qclass = 1;
	r->ip_proto = 17;
	r->qname_len = (uint8_t)len;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || name[i] == '.') {
			r->label_count++;
			longest = run > longest ? run : longest;
			run = 0;
		} else {
			run++;
		}
	}
	r->longest_label = (uint8_t)longest;
	r->min_ttl = 0xffffffffu;
	memcpy(r->qname, name, len);
	return &r->hdr;
}

static struct ndr_workers *pool(unsigned n, const struct ndr_workers_out *out)
{
	char err[512] = "";
	struct ndr_config *cfg = ndr_config_parse("[port_scan]\nscope = any\n"
						  "[new_admin_path]\nlearning = 0s\n",
						  "test.conf", err, sizeof(err));
	struct ndr_workers_opts o = { .workers = n, .seed = SEED, .queue_bytes = 1 << 16 };
	struct ndr_workers *w;

	assert_non_null(cfg);
	w = ndr_workers_new(cfg, &o, out, err, sizeof(err));
	if (!w)
		fail_msg("ndr_workers_new: %s", err);
	if (ndr_config_check_unused(cfg, err, sizeof(err)))
		fail_msg("%s", err);
	ndr_config_free(cfg);
	return w;
}

static unsigned det_index(const char *name)
{
	for (unsigned d = 0; ndr_detectors[d]; d++)
		if (strcmp(ndr_detectors[d]->name, name) == 0)
			return d;
	fail_msg("no detector %s", name);
	return 0;
}

/* (entity, worker) for every routed record; checked once sorted */
struct owner_map {
	size_t n, cap;
	struct owner { char key[160]; int worker; } *e;
	size_t entities;
};

static void owner_check(struct owner_map *m, const char *what, const char *key, int worker)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 4096;
		m->e = realloc(m->e, m->cap * sizeof(*m->e));
		assert_non_null(m->e);
	}
	snprintf(m->e[m->n].key, sizeof(m->e[m->n].key), "%s %s", what, key);
	m->e[m->n++].worker = worker;
}

static int cmp_owner(const void *a, const void *b)
{
	const struct owner *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : x->worker - y->worker;
}

/* Every entity on exactly one worker; each worker holds a fair share. */
static void owner_verify(struct owner_map *m, const char *what, unsigned n)
{
	unsigned per[NDR_WORKERS_MAX] = { 0 };

	qsort(m->e, m->n, sizeof(*m->e), cmp_owner);
	m->entities = 0;
	for (size_t i = 0; i < m->n; i++) {
		if (i > 0 && strcmp(m->e[i].key, m->e[i - 1].key) == 0) {
			if (m->e[i].worker != m->e[i - 1].worker)
				fail_msg("%s '%s' went to worker %d and to worker %d", what,
					 m->e[i].key, m->e[i - 1].worker, m->e[i].worker);
			continue;
		}
		m->entities++;
		per[m->e[i].worker]++;
	}
	for (unsigned i = 0; n > 1 && i < n; i++)
		if (per[i] < m->entities / n / 3)
			fail_msg("%s: worker %u got %u of %zu entities", what, i, per[i],
				 m->entities);
}

static void owner_free(struct owner_map *m)
{
	free(m->e);
	memset(m, 0, sizeof(*m));
}

static const char *const suffixes[] = {
	"com", "co.uk", "com.br", "blogspot.com", "duckdns.org", "kawasaki.jp", "local",
	"s3.amazonaws.com", "github.io", "de",
};

static void test_routing_keeps_entities_together(void **state)
{
	static const char *const ew[] = { "beacon", "https_tunnel", "port_scan",
					  "brute_force", "rpc_recon" };
	static const uint16_t ports[] = { 22, 443, 445, 135, 3389, 5985, 49700, 80, 53 };
	const psl_ctx_t *psl = psl_latest(NULL);
	uint64_t x = 0x9e3779b97f4a7c15ull;
	struct ndr_workers_out out = { 0 };

	(void)state;
	assert_non_null(psl);
	for (unsigned n = 2; n <= 8; n += 3) {
		struct ndr_workers *w = pool(n, &out);
		struct owner_map src = { 0 }, pair = { 0 }, dom = { 0 }, admin = { 0 };
		unsigned dt = det_index("dns_tunnel"), ap = det_index("new_admin_path");

		for (unsigned k = 0; k < 20000; k++) {
			struct ndr_flow_rec r;
			char key[160], ip[48];
			int wk;

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			fg_flow(&r, "10.0.0.1", 1000, "10.0.0.2", 22, (x >> 5) & 1 ? 6 : 17, FG_T0,
				FG_SEC);
			v4(r.src_addr, 0x0a000000u + (uint32_t)(x % 3000));
			v4(r.dst_addr, 0x0a100000u + (uint32_t)((x >> 20) % 500));
			r.dst_port = ports[(x >> 40) % 9];
			ndr_addr_format(r.src_addr, ip, sizeof(ip));
			/* every east-west detector keys by the initiator first */
			for (unsigned e = 0; e < 5; e++) {
				wk = ndr_workers_route(w, det_index(ew[e]), &r.hdr);
				assert_true(wk >= 0 && wk < (int)n);
				owner_check(&src, ew[e], ip, wk);
				snprintf(key, sizeof(key), "%s %u", ip,
					 r.dst_addr[15] | r.dst_addr[14] << 8);
				owner_check(&pair, ew[e], key, wk);
			}
			/* the baseline detector: admin sessions only, one place */
			wk = ndr_workers_route(w, ap, &r.hdr);
			if (r.ip_proto == 6 && (r.dst_port == 22 || r.dst_port == 445 ||
						r.dst_port == 3389 || r.dst_port == 5985)) {
				owner_check(&admin, "new_admin_path", "all", wk);
				assert_true(wk >= 0);
			} else {
				assert_int_equal(wk, -1);
			}
			assert_int_equal(ndr_workers_route(w, dt, &r.hdr), -1);
		}
		for (unsigned k = 0; k < 20000; k++) {
			struct dns_buf b;
			const struct ndr_rec_hdr *rec;
			char name[200];
			const char *rd;
			int wk;

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			snprintf(name, sizeof(name), "h%u.d%u.%s", (unsigned)(x % 97),
				 (unsigned)((x >> 8) % 400), suffixes[(x >> 30) % 10]);
			rec = dns_rec(&b, FG_T0, 0x0a000000u + (uint32_t)((x >> 40) % 3000),
				      (x >> 50) & 1, name, 16);
			wk = ndr_workers_route(w, dt, rec);
			assert_true(wk >= 0 && wk < (int)n);
			rd = psl_registrable_domain(psl, name);
			assert_non_null(rd);
			owner_check(&dom, "dns_tunnel", rd, wk);
			for (unsigned e = 0; e < 5; e++)
				assert_int_equal(ndr_workers_route(w, det_index(ew[e]), rec), -1);
		}
		owner_verify(&src, "sources", n);
		owner_verify(&pair, "pairs", n);
		owner_verify(&dom, "registered domains", n);
		owner_verify(&admin, "admin sessions", 1);
		print_message("%u workers: %zu sources, %zu pairs, %zu registered domains, each "
			      "on one worker\n", n, src.entities / 5, pair.entities / 5, dom.entities);
		assert_true(dom.entities > 3000);
		assert_int_equal(admin.entities, 1);
		owner_free(&src);
		owner_free(&pair);
		owner_free(&dom);
		owner_free(&admin);
		ndr_workers_free(w);
	}
	psl_free((psl_ctx_t *)psl);
}

/* ---- the same output for any number of workers ---- */

struct transcript {
	char *text;
	size_t len, cap;
	unsigned alerts, records;
};

static void append(struct transcript *t, const char *s)
{
	size_t n = strlen(s);

	if (t->len + n + 2 > t->cap) {
		t->cap = (t->len + n + 2) * 2;
		t->text = realloc(t->text, t->cap);
		assert_non_null(t->text);
	}
	memcpy(t->text + t->len, s, n);
	t->len += n;
	t->text[t->len++] = '\n';
	t->text[t->len] = '\0';
}

static void on_alert(void *arg, const struct ndr_alert *a)
{
	struct transcript *t = arg;
	char *ev = a->evidence ? json_dumps(a->evidence, JSON_COMPACT) : NULL;
	char line[8192];

	snprintf(line, sizeof(line), "alert %llu %s %s %s %.3f %s", (unsigned long long)a->ts_ns,
		 a->category, a->entity, a->signature, a->score, ev ? ev : "-");
	free(ev);
	append(t, line);
	t->alerts++;
}

static void on_record(void *arg, const struct ndr_rec_hdr *rec)
{
	struct transcript *t = arg;
	char line[64];

	snprintf(line, sizeof(line), "record %u %llu %u", rec->type,
		 (unsigned long long)rec->ts_ns, rec->slots);
	append(t, line);
	t->records++;
}

/* Tunnels to many registered domains (several clients each, so the
 * per-domain suppression is exercised across clients), port scanners, and
 * benign DNS and flows, ticked once a second of record time. */
static void feed_stream(struct ndr_workers *w)
{
	uint64_t t = FG_T0, next_tick = FG_T0;
	uint64_t x = 0x2545f4914f6cdd1dull;

	for (unsigned k = 0; k < 60000; k++) {
		struct dns_buf b;
		char name[200];

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		t += 1000000;   /* 1 ms */
		if (t >= next_tick) {
			ndr_workers_tick(w, t);
			next_tick = t + FG_SEC;
		}
		switch (x % 4) {
		case 0: {  /* a tunnel: unique TXT names under one of 40 domains */
			unsigned d = (unsigned)((x >> 8) % 40);

			snprintf(name, sizeof(name), "%08x%04x.t%u.%s", (unsigned)(x >> 20), k, d,
				 suffixes[d % 10]);
			ndr_workers_record(w, dns_rec(&b, t, 0x0a000100u + (unsigned)((x >> 40) % 3) +
							     d * 4, (x >> 50) & 1, name, 16));
			break;
		}
		case 1: {  /* ordinary lookups */
			snprintf(name, sizeof(name), "www.site%u.%s", (unsigned)((x >> 8) % 50),
				 suffixes[(x >> 20) % 10]);
			ndr_workers_record(w, dns_rec(&b, t, 0x0a000200u + (unsigned)((x >> 30) % 100),
						      0, name, 1));
			break;
		}
		default: { /* 80 scanners' failed SYNs, and answered sessions */
			struct ndr_flow_rec r;

			fg_flow(&r, "10.1.0.1", 40000, "10.2.0.1", 22, 6, t - FG_SEC, FG_SEC / 2);
			v4(r.src_addr, 0x0a010000u + (uint32_t)((x >> 8) % 80));
			v4(r.dst_addr, 0x0a020000u + (uint32_t)((x >> 16) % 200));
			r.dst_port = (x >> 30) & 1 ? 22 : 445;
			if ((x >> 33) % 3)
				fg_tcp_failed(&r, (x >> 35) & 1);
			else
				fg_tcp_session(&r, 10, 100, 10, 100, 3);
			r.hdr.ts_ns = t;
			ndr_workers_record(w, &r.hdr);
			break;
		}
		}
		if (k % 500 == 0)
			ndr_workers_poll(w);
	}
	ndr_workers_tick(w, t + 3600 * FG_SEC);
}

static void test_same_output_any_workers(void **state)
{
	struct transcript one = { 0 };
	json_t *stats_one = NULL;

	(void)state;
	for (unsigned n = 1; n <= 4; n++) {
		struct transcript t = { 0 };
		struct ndr_workers_out out = { on_alert, on_record, &t };
		struct ndr_workers *w = pool(n, &out);
		char err[256];
		json_t *stats;

		assert_int_equal(ndr_workers_start(w, err, sizeof(err)), 0);
		feed_stream(w);
		ndr_workers_finish(w);
		stats = ndr_workers_stats(w);
		print_message("%u workers: %u alerts, %u record events\n", n, t.alerts, t.records);
		assert_int_equal(ndr_workers_alerts(w), t.alerts);
		if (n == 1) {
			one = t;
			stats_one = stats;
			assert_true(t.alerts >= 100);
			assert_true(t.records >= 50000);
		} else {
			if (strcmp(t.text, one.text) != 0) {
				size_t i = 0, line = 1, start = 0;

				while (t.text[i] && t.text[i] == one.text[i]) {
					if (t.text[i] == '\n') {
						line++;
						start = i + 1;
					}
					i++;
				}
				fail_msg("%u workers differ from 1 at line %zu:\n  1: %.300s\n  %u: %.300s",
					 n, line, one.text + start, n, t.text + start);
			}
			/* counters add up to the same totals */
			for (unsigned d = 0; ndr_detectors[d]; d++) {
				const char *name = ndr_detectors[d]->name;
				json_t *a = json_object_get(stats_one, name);
				json_t *b = json_object_get(stats, name);
				static const char *const keys[] = {
					"alerts", "alerts_suppressed", "flow_records", "dns_records",
				};

				for (unsigned k = 0; k < 4; k++) {
					json_t *x = json_object_get(a, keys[k]);

					if (x)
						assert_int_equal(json_integer_value(x),
							json_integer_value(json_object_get(b, keys[k])));
				}
			}
			json_decref(stats);
			free(t.text);
		}
		ndr_workers_free(w);
	}
	json_decref(stats_one);
	free(one.text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routing_keeps_entities_together),
		cmocka_unit_test(test_same_output_any_workers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
