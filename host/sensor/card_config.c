/*
 * card_config.c - the [card] and [ring] sections of the configuration.
 */
#include <string.h>
#include <unistd.h>

#include "sensor.h"

int sensor_card_config(struct ndr_config *cfg, const struct sensor_opts *o,
		       struct ndr_source_opts *so, char *err, size_t errlen)
{
	struct ndr_card_cfg *c = &so->card;
	uint64_t v;

	ndr_source_opts_defaults(so);
	so->numa_node = o->numa_node;

	/* Emulated pipelines: a replay keeps one unless asked (its records,
	 * and so its output, then do not depend on the machine); live capture
	 * takes a third of the cores (the detectors want the rest). */
	if (ndr_config_u64(cfg, "card", "pipelines", 0, 0, NDR_SOURCE_MAX_PIPES, &v, err, errlen))
		return -1;
	if (o->pipelines)
		v = o->pipelines;
	if (!v) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);

		v = strncmp(o->source_spec, "sim:live:", 9) == 0 && cpus >= 6 ? (uint64_t)cpus / 3 : 1;
	}
	so->pipelines = (unsigned)v;
	so->xclbin = o->xclbin;
	so->xclbin_uuid = o->xclbin_uuid;
	so->frames = o->frames;

	if (ndr_config_u64(cfg, "card", "flow_buckets_log2", c->log2_buckets, 4, 24, &v,
			   err, errlen))
		return -1;
	c->log2_buckets = (uint32_t)v;
	if (ndr_config_u64(cfg, "card", "hash_seed", c->hash_seed, 0, UINT32_MAX, &v, err, errlen))
		return -1;
	c->hash_seed = (uint32_t)v;
	if (ndr_config_duration_ms(cfg, "card", "idle_timeout", c->idle_timeout_ms, 1,
				   86400000, &v, err, errlen))
		return -1;
	c->idle_timeout_ms = (uint32_t)v;
	if (ndr_config_duration_ms(cfg, "card", "active_timeout", c->active_timeout_ms, 1,
				   86400000, &v, err, errlen))
		return -1;
	c->active_timeout_ms = (uint32_t)v;
	if (ndr_config_duration_ms(cfg, "card", "close_timeout", c->close_timeout_ms, 1,
				   3600000, &v, err, errlen))
		return -1;
	c->close_timeout_ms = (uint32_t)v;
	if (ndr_config_duration_ms(cfg, "card", "heartbeat", c->heartbeat_ms, 0, 3600000, &v,
				   err, errlen))
		return -1;
	c->heartbeat_ms = (uint32_t)v;
	if (ndr_config_duration_ms(cfg, "card", "scan_sweep", c->scan_sweep_ms, 1, 86400000, &v,
				   err, errlen))
		return -1;
	c->scan_sweep_ms = (uint32_t)v;
	const char *emu;
	if (ndr_config_str(cfg, "card", "emulation", o->clocked ? "clocked" : "frame", &emu, err,
			   errlen))
		return -1;
	if (strcmp(emu, "frame") && strcmp(emu, "clocked"))
		return ndr_config_errorf(cfg, "card", "emulation", emu, err, errlen,
					 "'%s' is neither frame nor clocked", emu);
	c->clocked = o->clocked || !strcmp(emu, "clocked");
	/* RS-FEC on the card's 100G port: must match the link partner (a
	 * 100GBASE-SR4/CR4 port usually has it on). */
	if (ndr_config_bool(cfg, "card", "rs_fec", 1, &so->rs_fec, err, errlen))
		return -1;

	if (ndr_config_u64(cfg, "ring", "slots_log2", 0, 0, NDR_RING_MAX_LOG2, &v, err, errlen))
		return -1;
	if (v && v < NDR_RING_MIN_LOG2)
		return ndr_config_errorf(cfg, "ring", "slots_log2", NULL, err, errlen,
					 "%llu is below the minimum %u", (unsigned long long)v,
					 NDR_RING_MIN_LOG2);
	so->ring_log2_slots = (uint32_t)v;
	if (ndr_config_u64(cfg, "ring", "batch_slots", so->batch_slots, 1, 1u << 20, &v, err,
			   errlen))
		return -1;
	so->batch_slots = (uint32_t)v;

	/* [capture]: what libpcap does for -r and -i; the command line wins */
	if (ndr_config_str(cfg, "capture", "filter", NULL, &so->capture.filter, err, errlen))
		return -1;
	if (o->filter)
		so->capture.filter = o->filter;
	if (ndr_config_u64(cfg, "capture", "buffer_size", 0, 0, 65536, &v, err, errlen))
		return -1;
	if (o->buffer_mib)
		v = o->buffer_mib;
	so->capture.buffer_bytes = (uint64_t)v << 20;
	return 0;
}

int sensor_stats_config(struct ndr_config *cfg, const struct sensor_opts *o,
			struct sensor_stats_cfg *sc, char *err, size_t errlen)
{
	uint64_t ms;

	if (ndr_config_duration_ms(cfg, "stats", "interval", 0, 0, 86400000, &ms, err, errlen) ||
	    ndr_config_str(cfg, "stats", "metrics_file", NULL, &sc->metrics_file, err, errlen))
		return -1;
	if (ms && ms < 1000)
		return ndr_config_errorf(cfg, "stats", "interval", NULL, err, errlen,
					 "at least 1s (or 0 for none)");
	sc->interval_s = (unsigned)(ms / 1000);
	if (o->stats_interval_s >= 0)
		sc->interval_s = (unsigned)o->stats_interval_s;
	if (o->metrics_file)
		sc->metrics_file = o->metrics_file;
	return 0;
}
