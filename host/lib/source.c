/*
 * source.c - open a card source by its spec, drain it (see ndr_source.h).
 */
#include <stdio.h>
#include <string.h>

#include "ndr_source.h"

void ndr_source_opts_defaults(struct ndr_source_opts *o)
{
	memset(o, 0, sizeof(*o));
	ndr_card_cfg_defaults(&o->card);
	o->batch_slots = 256;
	o->numa_node = -1;
	o->rs_fec = 1;
}

uint32_t ndr_source_default_log2_slots(const struct ndr_card_cfg *cfg)
{
	uint32_t l = cfg->log2_buckets + 4u;

	if (l < 20u)
		l = 20u;
	return l > NDR_RING_MAX_LOG2 ? NDR_RING_MAX_LOG2 : l;
}

struct ndr_source *ndr_source_open(const char *spec, const struct ndr_source_opts *o,
				   char *err, size_t errlen)
{
	if (strncmp(spec, "sim:file:", 9) == 0)
		return o->pipelines > 1 ? ndr_source_pipes_open("file", spec + 9, o, err, errlen)
					: ndr_source_sim_open("file", spec + 9, o, err, errlen);
	if (strncmp(spec, "sim:live:", 9) == 0)
		return o->pipelines > 1 ? ndr_source_pipes_open("live", spec + 9, o, err, errlen)
					: ndr_source_sim_open("live", spec + 9, o, err, errlen);
	if (strncmp(spec, "chardev:", 8) == 0)
		return ndr_source_chardev_open(spec + 8, o, err, errlen);
	if (strncmp(spec, "xrt:", 4) == 0)
		return ndr_source_xrt_open(spec + 4, o, err, errlen);
	if (strcmp(spec, "opencl") == 0)
		return ndr_source_opencl_open("", o, err, errlen);
	if (strncmp(spec, "opencl:", 7) == 0)
		return ndr_source_opencl_open(spec + 7, o, err, errlen);
	snprintf(err, errlen,
		 "%s: unknown card source (expected sim:file:PATH, sim:live:IFACE, chardev:/dev/ndrN, "
		 "xrt:DEVICE or opencl[:PLATFORM])",
		 spec);
	return NULL;
}

struct rewrite_ctx {
	struct ndr_source *s;
	ndr_record_fn fn;
	void *arg;
};

/* The ring stays as the card wrote it: the consumer sees a rewritten copy. */
static int rewrite_one(void *arg, const struct ndr_rec_hdr *rec)
{
	struct rewrite_ctx *c = arg;
	union {
		struct ndr_rec_hdr hdr;
		uint8_t bytes[NDR_REC_MAX_SLOTS * NDR_SLOT_BYTES];
	} copy;

	memcpy(copy.bytes, rec, (size_t)rec->slots * NDR_SLOT_BYTES);
	c->s->ops->rewrite(c->s, &copy.hdr);
	return c->fn(c->arg, &copy.hdr);
}

size_t ndr_source_drain(struct ndr_source *s, ndr_record_fn fn, void *arg, size_t max_records)
{
	struct rewrite_ctx c = { s, fn, arg };

	if (s->ops->drain)
		return s->ops->drain(s, fn, arg, max_records);
	if (!s->ops->rewrite)
		return ndr_ring_drain(&s->reader, fn, arg, max_records);
	return ndr_ring_drain(&s->reader, rewrite_one, &c, max_records);
}

void ndr_source_close(struct ndr_source *s)
{
	if (s)
		s->ops->close(s);
}
