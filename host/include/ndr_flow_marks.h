/*
 * ndr_flow_marks.h - what the outputs learned about a flow before its flow
 * event is written: an alert named it, the card saw DNS or a TLS
 * ClientHello on it (the flow event's flow.alerted and app_proto).
 *
 * A fixed table of 2^bits entries, direct-mapped by flow id (ndr_flow_id.h),
 * allocated once: no allocation per event and a bounded footprint whatever
 * the traffic. Two live flows whose ids share a slot evict each other's
 * marks; a mark lost so is counted in evicted and can only turn a true
 * into false (flow.alerted false for a flow an alert named), never the
 * reverse: an entry holds its full id and a lookup compares it.
 *
 * One thread (the outputs' writer).
 */
#ifndef NDR_FLOW_MARKS_H
#define NDR_FLOW_MARKS_H

#include <stdint.h>

#define NDR_MARK_ALERTED 0x01u
#define NDR_MARK_DNS     0x02u
#define NDR_MARK_TLS     0x04u

#define NDR_FLOW_MARKS_DEFAULT_BITS 16u   /* 65536 flows, 1 MiB */

struct ndr_flow_marks;

/* bits 4..24; NULL when out of memory. */
struct ndr_flow_marks *ndr_flow_marks_new(unsigned bits);
void ndr_flow_marks_free(struct ndr_flow_marks *m);

void ndr_flow_marks_add(struct ndr_flow_marks *m, uint64_t flow_id, uint8_t marks);
/* The marks of flow_id, 0 when none. */
uint8_t ndr_flow_marks_get(const struct ndr_flow_marks *m, uint64_t flow_id);
/* Forget flow_id (its flow ended: a later flow on the same 5-tuple starts clean). */
void ndr_flow_marks_forget(struct ndr_flow_marks *m, uint64_t flow_id);
/* Marks lost to a slot taken by another flow. */
uint64_t ndr_flow_marks_evicted(const struct ndr_flow_marks *m);

#endif
