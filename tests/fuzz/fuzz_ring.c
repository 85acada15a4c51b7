/*
 * fuzz_ring.c - arbitrary ring contents through the ring consumer, every
 * detector and every output, wired as ndr-sensor wires them (detector
 * workers, host/sensor/outputs.c), on two workers so records are sharded.
 *
 * Input: u8 ring size (2^(6 + b % 3) slots), u32 first consumer index,
 * u8 records per drain (0: all), u8 slots per cons write-back, then rounds
 * of what a card does: u16 how far it moves prod ahead of cons (more than
 * a ring is a hostile card), and the bytes of the slots it wrote from cons
 * on (wrapping; at most a ring's worth). After each round the reader
 * drains as ndr-sensor does. A broken or hostile card writes anything.
 *
 * Checks: the reader only hands out records that pass ndr_record_check and
 * lie within [cons, prod), and its counters add up; every EVE line written
 * (flow, dns and tls events, alerts) parses as JSON; every syslog message
 * that reached the receiver is one RFC 5424 line of printable ASCII.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "fuzz_input.h"
#include "ndr_ring.h"
#include "ndr_workers.h"
#include "sensor.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NS_PER_SEC 1000000000ull
#define MAX_ROUNDS 256u

static struct ndr_config *cfg;
static int syslog_fd = -1;
static char syslog_url[64], eve_path[80];

struct run {
	struct ndr_ring_reader *rd;
	struct ndr_workers *det;
	struct sensor_outputs *out;
	uint64_t last_ts, next_tick;
	uint64_t handed;
};

__attribute__((noreturn)) static void die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_ring: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	abort();
}

static void remove_eve(void)
{
	unlink(eve_path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* Small tables, so the fuzzer reaches evictions, not only inserts. */
	static const char text[] =
		"[dns_tunnel]\nmax_entities = 64\nmax_alerted_domains = 16\n"
		"[beacon]\nmemory_cap = 256k\n[brute_force]\nmemory_cap = 256k\n"
		"[https_tunnel]\nmemory_cap = 256k\n[new_admin_path]\nmemory_cap = 256k\n"
		"[port_scan]\nmemory_cap = 256k\n[rpc_recon]\nmemory_cap = 256k\n";
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	char err[512];
	int fd;

	(void)argc;
	(void)argv;
	cfg = ndr_config_parse(text, "fuzz_ring.conf", err, sizeof(err));
	if (!cfg)
		die("config", err);
	/* the syslog receiver: a UDP socket on loopback that the harness reads */
	syslog_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (syslog_fd < 0 || bind(syslog_fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(syslog_fd, (struct sockaddr *)&a, &alen) != 0)
		die("syslog receiver", "cannot bind on 127.0.0.1");
	snprintf(syslog_url, sizeof(syslog_url), "udp://127.0.0.1:%u", ntohs(a.sin_port));
	snprintf(eve_path, sizeof(eve_path), "%s/ndr-fuzz-ring-eve-XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	fd = mkstemp(eve_path);
	if (fd < 0)
		die(eve_path, "mkstemp");
	close(fd);
	atexit(remove_eve);
	return 0;
}

static void tick_if_due(struct run *r)
{
	if (r->last_ts < r->next_tick)
		return;
	ndr_workers_tick(r->det, r->last_ts);
	r->next_tick = r->last_ts - r->last_ts % NS_PER_SEC + NS_PER_SEC;
}

static int on_record(void *arg, const struct ndr_rec_hdr *rec)
{
	struct run *r = arg;
	const uint8_t *base = r->rd->slots;
	uint32_t idx = (uint32_t)(((const uint8_t *)rec - base) / NDR_SLOT_BYTES);
	uint32_t size = r->rd->mask + 1, avail = r->rd->ctrl->prod - r->rd->cons;
	const char *why;

	if ((const void *)rec == (const void *)&r->rd->expanded) {
		/* a compact record at cons, handed out in its full form */
		const struct ndr_rec_hdr *at = (const void *)(base + (size_t)(r->rd->cons & r->rd->mask) *
							     NDR_SLOT_BYTES);

		idx = r->rd->cons & r->rd->mask;
		if ((at->type != NDR_REC_FLOW_SHORT || rec->type != NDR_REC_FLOW) &&
		    (at->type != NDR_REC_DNS_SHORT || rec->type != NDR_REC_DNS))
			die("an expanded record whose compact form is not at cons", NULL);
		if (ndr_record_check(at, avail < size - idx ? avail : size - idx, &why) != at->slots)
			die("a compact record that fails ndr_record_check was expanded", why);
		if (ndr_record_check(rec, rec->slots, &why) != rec->slots)
			die("an expanded record fails ndr_record_check", why);
	} else {
		if ((const uint8_t *)rec < base || idx >= size || idx != (r->rd->cons & r->rd->mask))
			die("the reader handed out a record that is not at cons", NULL);
		if (ndr_record_check(rec, avail < size - idx ? avail : size - idx, &why) !=
		    rec->slots || rec->type == NDR_REC_PAD)
			die("the reader handed out a record that fails ndr_record_check", why);
	}
	if (rec->ts_ns > r->last_ts)
		r->last_ts = rec->ts_ns;
	ndr_workers_record(r->det, rec);   /* --records: the workers write it in order */
	tick_if_due(r);
	r->handed++;
	return 0;
}

static void check_eve(void)
{
	FILE *f = fopen(eve_path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f)
		die(eve_path, "cannot read back");
	while ((n = getline(&line, &cap, f)) > 0) {
		json_error_t e;
		json_t *j = json_loadb(line, (size_t)n, 0, &e);

		if (!j || !json_is_object(j)) {
			fprintf(stderr, "fuzz_ring: EVE line is not a JSON object (%s): %.300s\n",
				e.text, line);
			abort();
		}
		json_decref(j);
	}
	free(line);
	fclose(f);
	if (truncate(eve_path, 0) != 0)
		die(eve_path, "truncate");
}

static void check_syslog(void)
{
	char msg[70000];
	ssize_t n;

	while ((n = recv(syslog_fd, msg, sizeof(msg), 0)) > 0) {
		if (msg[0] != '<' || !strstr(msg, ">1 "))
			die("a syslog message that is not RFC 5424", NULL);
		for (ssize_t i = 0; i < n; i++)
			if ((unsigned char)msg[i] < 0x20 || (unsigned char)msg[i] > 0x7e)
				die("a syslog message with a byte that is not printable ASCII", NULL);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static _Alignas(64) uint8_t slots[256 * NDR_SLOT_BYTES];
	struct ndr_ring_ctrl ctrl;
	struct ndr_ring_reader rd;
	struct sensor_opts o;
	struct ndr_workers_opts wo = { .workers = 2, .seed = 1 };
	struct ndr_workers_out sink;
	struct run r;
	struct fuzz_in in;
	const uint8_t *img;
	uint32_t log2, cons0, max, batch, prev_cons;
	size_t len;
	char err[512];
	unsigned rounds, rounds_total = 0;

	if (!cfg)
		LLVMFuzzerInitialize(NULL, NULL);
	fuzz_in_init(&in, data, size);
	log2 = 6 + fuzz_u8(&in) % 3;
	cons0 = fuzz_u32(&in);
	max = fuzz_u8(&in);
	batch = 1 + fuzz_u8(&in) % 64;
	memset(slots, 0, sizeof(slots));
	memset(&ctrl, 0, sizeof(ctrl));
	ctrl.log2_slots = log2;
	ctrl.cons = ctrl.prod = cons0;

	memset(&o, 0, sizeof(o));
	o.eve_path = eve_path;
	o.syslog_urls[0] = syslog_url;
	o.n_syslog = 1;
	o.records = 1;
	memset(&r, 0, sizeof(r));
	r.out = outputs_open(&o, cfg, err, sizeof(err));
	if (!r.out)
		die("outputs", err);
	sink.alert = outputs_alert;
	sink.record = outputs_record;
	sink.arg = r.out;
	r.det = ndr_workers_new(cfg, &wo, &sink, err, sizeof(err));
	if (!r.det || ndr_workers_start(r.det, err, sizeof(err)) != 0)
		die("detectors", err);
	ndr_ring_reader_init(&rd, slots, log2, &ctrl, batch);
	rd.cons = cons0;
	r.rd = &rd;

	while (in.left && rounds_total++ < MAX_ROUNDS) {
		uint32_t ahead = fuzz_u16(&in), mask = (1u << log2) - 1;
		size_t want = (size_t)(ahead < mask + 1 ? ahead : mask + 1) * NDR_SLOT_BYTES;

		img = fuzz_bytes(&in, want, &len);
		for (size_t i = 0; i < len; i += NDR_SLOT_BYTES) {
			uint32_t idx = (rd.cons + (uint32_t)(i / NDR_SLOT_BYTES)) & mask;
			size_t n = len - i < NDR_SLOT_BYTES ? len - i : NDR_SLOT_BYTES;

			memset(slots + (size_t)idx * NDR_SLOT_BYTES, 0, NDR_SLOT_BYTES);
			memcpy(slots + (size_t)idx * NDR_SLOT_BYTES, img + i, n);
		}
		__atomic_store_n(&ctrl.prod, rd.cons + ahead, __ATOMIC_RELEASE);
		rounds = 0;
		do {
			prev_cons = rd.cons;
			ndr_ring_drain(&rd, on_record, &r, max);
			if (++rounds > mask + 3)
				die("the reader does not get to prod", NULL);
			ndr_workers_poll(r.det);
		} while (rd.cons != prev_cons && rd.cons != ctrl.prod);
		if (rd.cons != ctrl.prod)
			die("the reader stopped before prod", NULL);
		if (ctrl.cons != rd.cons)
			die("the reader did not publish its last cons", NULL);
	}
	if (rd.c.records != r.handed)
		die("records counted differ from records handed out", NULL);
	if (r.last_ts)
		ndr_workers_tick(r.det, r.last_ts);
	ndr_workers_finish(r.det);
	json_decref(ndr_workers_stats(r.det));
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "fuzz_ring: %llu records, %llu alerts, %llu bad records\n",
			(unsigned long long)r.handed, (unsigned long long)outputs_alerts(r.out),
			(unsigned long long)rd.c.bad_records);
	ndr_workers_free(r.det);
	outputs_close(r.out);
	check_eve();
	check_syslog();
	return 0;
}
