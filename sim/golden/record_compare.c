/*
 * record_compare.c - card-versus-golden record comparison (record_compare.h).
 * Two queues per type; whenever both have a record, the heads are compared.
 */
#include <stdlib.h>
#include <string.h>

#include "record_compare.h"
#include "record_text.h"

#define REC_MAX_BYTES (NDR_REC_MAX_SLOTS * NDR_SLOT_BYTES)

struct queued {
	uint64_t frame_no;
	uint8_t rec[REC_MAX_BYTES];
};

struct queue {
	struct queued *items;
	size_t head, tail, cap;
	uint64_t popped;             /* index of the head within the type */
};

enum { SIDE_CARD, SIDE_GOLDEN, SIDES };
enum { T_FLOW, T_DNS, T_TLS, TYPES };

struct ndr_rec_cmp {
	FILE *report;
	unsigned max_reports, reported;
	uint64_t mismatches;
	uint64_t equal[TYPES];
	uint64_t missing[TYPES];     /* golden records the card lacks */
	int allow_missing[TYPES];
	int oom;
	struct queue q[TYPES][SIDES];
};

static const char *const side_name[SIDES] = { "card", "golden" };
static const char *const type_name[TYPES] = { "flow", "dns", "tls" };

struct ndr_rec_cmp *ndr_rec_cmp_new(FILE *report, unsigned max_reports)
{
	struct ndr_rec_cmp *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->report = report;
	c->max_reports = max_reports;
	return c;
}

static int type_index(unsigned type)
{
	if (type == NDR_REC_FLOW || type == NDR_REC_FLOW_SHORT)
		return T_FLOW;
	if (type == NDR_REC_DNS || type == NDR_REC_DNS_SHORT)
		return T_DNS;
	if (type == NDR_REC_TLS)
		return T_TLS;
	return -1;
}

static int push(struct ndr_rec_cmp *c, struct queue *q, const struct ndr_rec_hdr *rec,
		uint64_t frame_no)
{
	size_t bytes = (size_t)rec->slots * NDR_SLOT_BYTES;

	if (q->head > 0 && q->tail == q->cap) {
		memmove(q->items, q->items + q->head, (q->tail - q->head) * sizeof(*q->items));
		q->tail -= q->head;
		q->head = 0;
	}
	if (q->tail == q->cap) {
		size_t ncap = q->cap ? q->cap * 2 : 64;
		struct queued *n = realloc(q->items, ncap * sizeof(*n));

		if (!n) {
			c->oom = 1;
			return -1;
		}
		q->items = n;
		q->cap = ncap;
	}
	if (bytes > REC_MAX_BYTES)
		bytes = REC_MAX_BYTES;
	memset(q->items[q->tail].rec, 0, REC_MAX_BYTES);
	memcpy(q->items[q->tail].rec, rec, bytes);
	q->items[q->tail].frame_no = frame_no;
	q->tail++;
	return 0;
}

static void describe(struct ndr_rec_cmp *c, const char *side, const struct queued *it)
{
	char line[2048];

	ndr_rec_format((const struct ndr_rec_hdr *)it->rec, line, sizeof(line));
	fprintf(c->report, "  %-6s (frame %llu): %s\n", side, (unsigned long long)it->frame_no,
		line);
}

static void compare_heads(struct ndr_rec_cmp *c, int t)
{
	struct queue *qc = &c->q[t][SIDE_CARD], *qg = &c->q[t][SIDE_GOLDEN];

	while (qc->head < qc->tail && qg->head < qg->tail) {
		const struct queued *a = &qc->items[qc->head], *b = &qg->items[qg->head];
		const struct ndr_rec_hdr *ra = (const void *)a->rec, *rb = (const void *)b->rec;

		if (ndr_rec_diff(ra, rb, "card", "golden", NULL) == 0) {
			c->equal[t]++;
		} else if (c->allow_missing[t]) {
			/* the card dropped this one: only the golden head goes */
			c->missing[t]++;
			qg->head++;
			qg->popped++;
			continue;
		} else {
			c->mismatches++;
			if (c->report && c->reported < c->max_reports) {
				c->reported++;
				fprintf(c->report, "mismatch: %s record #%llu differs:\n",
					type_name[t], (unsigned long long)qc->popped);
				ndr_rec_diff(ra, rb, "card", "golden", c->report);
				describe(c, "card", a);
				describe(c, "golden", b);
			}
		}
		qc->head++;
		qg->head++;
		qc->popped++;
		qg->popped++;
	}
}

static void add(struct ndr_rec_cmp *c, int side, const struct ndr_rec_hdr *rec, uint64_t frame_no)
{
	int t = type_index(rec->type);

	if (t < 0 || c->oom)
		return;
	if (push(c, &c->q[t][side], rec, frame_no) == 0)
		compare_heads(c, t);
}

void ndr_rec_cmp_card(struct ndr_rec_cmp *c, const struct ndr_rec_hdr *rec, uint64_t frame_no)
{
	add(c, SIDE_CARD, rec, frame_no);
}

void ndr_rec_cmp_golden(struct ndr_rec_cmp *c, const struct ndr_rec_hdr *rec, uint64_t frame_no)
{
	add(c, SIDE_GOLDEN, rec, frame_no);
}

uint64_t ndr_rec_cmp_finish(struct ndr_rec_cmp *c)
{
	int t, s;

	if (c->oom) {
		if (c->report)
			fprintf(c->report, "mismatch: out of memory while queueing records\n");
		return c->mismatches + 1;
	}
	for (t = 0; t < TYPES; t++) {
		for (s = 0; s < SIDES; s++) {
			struct queue *q = &c->q[t][s];
			size_t left = q->tail - q->head;

			if (left == 0)
				continue;
			if (s == SIDE_GOLDEN && c->allow_missing[t]) {
				c->missing[t] += left;
				continue;
			}
			c->mismatches += left;
			if (c->report && c->reported < c->max_reports) {
				c->reported++;
				fprintf(c->report,
					"mismatch: %s records: %s wrote %llu more than %s, from #%llu:\n",
					type_name[t], side_name[s], (unsigned long long)left,
					side_name[!s], (unsigned long long)q->popped);
				describe(c, side_name[s], &q->items[q->head]);
			}
		}
	}
	return c->mismatches;
}

void ndr_rec_cmp_allow_missing(struct ndr_rec_cmp *c, unsigned type)
{
	int t = type_index(type);

	if (t >= 0)
		c->allow_missing[t] = 1;
}

uint64_t ndr_rec_cmp_missing(const struct ndr_rec_cmp *c, unsigned type)
{
	int t = type_index(type);

	return t >= 0 ? c->missing[t] : 0;
}

uint64_t ndr_rec_cmp_equal(const struct ndr_rec_cmp *c, unsigned type)
{
	int t = type_index(type);

	return t < 0 ? 0 : c->equal[t];
}

void ndr_rec_cmp_free(struct ndr_rec_cmp *c)
{
	int t, s;

	if (!c)
		return;
	for (t = 0; t < TYPES; t++)
		for (s = 0; s < SIDES; s++)
			free(c->q[t][s].items);
	free(c);
}
