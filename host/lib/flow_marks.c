/*
 * flow_marks.c - per-flow marks for the outputs (ndr_flow_marks.h).
 */
#include <stdlib.h>

#include "ndr_flow_marks.h"

struct slot {
	uint64_t id;       /* flow id + 1: 0 is a free slot */
	uint8_t marks;
};

struct ndr_flow_marks {
	uint64_t mask;
	uint64_t evicted;
	struct slot slot[];
};

struct ndr_flow_marks *ndr_flow_marks_new(unsigned bits)
{
	struct ndr_flow_marks *m;

	if (bits < 4 || bits > 24)
		return NULL;
	m = calloc(1, sizeof(*m) + ((size_t)1 << bits) * sizeof(struct slot));
	if (m)
		m->mask = ((uint64_t)1 << bits) - 1;
	return m;
}

void ndr_flow_marks_free(struct ndr_flow_marks *m)
{
	free(m);
}

/* flow ids are hashes already: their low bits spread evenly */
static struct slot *slot_of(const struct ndr_flow_marks *m, uint64_t flow_id)
{
	return (struct slot *)&m->slot[flow_id & m->mask];
}

void ndr_flow_marks_add(struct ndr_flow_marks *m, uint64_t flow_id, uint8_t marks)
{
	struct slot *s = slot_of(m, flow_id);

	if (s->id != flow_id + 1) {
		if (s->id)
			m->evicted++;
		s->id = flow_id + 1;
		s->marks = 0;
	}
	s->marks |= marks;
}

uint8_t ndr_flow_marks_get(const struct ndr_flow_marks *m, uint64_t flow_id)
{
	const struct slot *s = slot_of(m, flow_id);

	return s->id == flow_id + 1 ? s->marks : 0;
}

void ndr_flow_marks_forget(struct ndr_flow_marks *m, uint64_t flow_id)
{
	struct slot *s = slot_of(m, flow_id);

	if (s->id == flow_id + 1)
		s->id = 0;
}

uint64_t ndr_flow_marks_evicted(const struct ndr_flow_marks *m)
{
	return m->evicted;
}
