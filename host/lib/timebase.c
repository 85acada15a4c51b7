/*
 * timebase.c - card clock to wall time (see ndr_timebase.h).
 */
#include <string.h>

#include "ndr_timebase.h"

void ndr_timebase_init(struct ndr_timebase *tb, uint64_t actual_hz)
{
	memset(tb, 0, sizeof(*tb));
	tb->actual_hz = actual_hz ? actual_hz : NDR_TIMEBASE_NOMINAL_HZ;
	tb->min_delay = INT64_MAX;
}

uint64_t ndr_timebase_hz_from_mhz(uint32_t mhz)
{
	if (mhz == NDR_TIMEBASE_NOMINAL_HZ / 1000000u)
		return NDR_TIMEBASE_NOMINAL_HZ;
	return (uint64_t)mhz * 1000000u;
}

static uint64_t scale(const struct ndr_timebase *tb, int64_t card_delta)
{
	/* 128 bits: a year of nanoseconds times 3.2e8 does not fit in 64. */
	__int128 v = (__int128)card_delta * (__int128)NDR_TIMEBASE_NOMINAL_HZ;

	return (uint64_t)(int64_t)(v / (__int128)tb->actual_hz);
}

uint64_t ndr_timebase_map(struct ndr_timebase *tb, uint64_t card_ns, uint64_t now_ns)
{
	if (!tb->anchored) {
		tb->card0 = card_ns;
		tb->wall0 = now_ns;
		tb->anchored = 1;
	}
	if (card_ns == 0)
		return 0;   /* "not set" stays not set (e.g. no lost record yet) */
	return tb->wall0 + scale(tb, (int64_t)(card_ns - tb->card0));
}

/* Only the smallest delay of a window of heartbeats says how far behind
 * the mapping is: any one of them may have waited in a backlog. */
static void heartbeat_seen(struct ndr_timebase *tb, uint64_t mapped, uint64_t now_ns)
{
	int64_t delay = (int64_t)(now_ns - mapped);

	if (delay < tb->min_delay)
		tb->min_delay = delay;
	if (++tb->window_n < NDR_TIMEBASE_WINDOW)
		return;
	if (tb->min_delay > (int64_t)NDR_TIMEBASE_MAX_LAG_NS) {
		tb->wall0 += (uint64_t)tb->min_delay;
		tb->corrections++;
	}
	tb->min_delay = INT64_MAX;
	tb->window_n = 0;
}

void ndr_timebase_rewrite(struct ndr_timebase *tb, struct ndr_rec_hdr *rec, uint64_t now_ns)
{
	uint64_t mapped = ndr_timebase_map(tb, rec->ts_ns, now_ns);

	if (mapped > now_ns) {
		/* Seen before it happened: the anchor is late. */
		tb->wall0 -= mapped - now_ns;
		tb->corrections++;
		tb->min_delay = INT64_MAX;
		tb->window_n = 0;
	}
	rec->ts_ns = ndr_timebase_map(tb, rec->ts_ns, now_ns);
	switch (rec->type) {
	case NDR_REC_FLOW: {
		struct ndr_flow_rec *f = (struct ndr_flow_rec *)rec;

		f->first_ts_ns = ndr_timebase_map(tb, f->first_ts_ns, now_ns);
		f->last_ts_ns = ndr_timebase_map(tb, f->last_ts_ns, now_ns);
		break;
	}
	case NDR_REC_DROP: {
		struct ndr_drop_rec *d = (struct ndr_drop_rec *)rec;

		d->first_lost_ts_ns = ndr_timebase_map(tb, d->first_lost_ts_ns, now_ns);
		d->last_lost_ts_ns = ndr_timebase_map(tb, d->last_lost_ts_ns, now_ns);
		break;
	}
	case NDR_REC_HEARTBEAT:
		heartbeat_seen(tb, rec->ts_ns, now_ns);
		break;
	default:
		break;
	}
}
