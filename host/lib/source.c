/*
 * source.c - open a card source by its spec (see ndr_source.h).
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
}

struct ndr_source *ndr_source_open(const char *spec, const struct ndr_source_opts *o,
				   char *err, size_t errlen)
{
	if (strncmp(spec, "sim:file:", 9) == 0)
		return ndr_source_sim_open("file", spec + 9, o, err, errlen);
	if (strncmp(spec, "sim:live:", 9) == 0)
		return ndr_source_sim_open("live", spec + 9, o, err, errlen);
	if (strncmp(spec, "chardev:", 8) == 0)
		return ndr_source_chardev_open(spec + 8, o, err, errlen);
	if (strncmp(spec, "xrt:", 4) == 0 || strncmp(spec, "opencl:", 7) == 0) {
		snprintf(err, errlen, "%s: this card source is not built into this ndr-sensor",
			 spec);
		return NULL;
	}
	snprintf(err, errlen,
		 "%s: unknown card source (expected sim:file:PATH, sim:live:IFACE or chardev:/dev/ndrN)",
		 spec);
	return NULL;
}

void ndr_source_close(struct ndr_source *s)
{
	if (s)
		s->ops->close(s);
}
