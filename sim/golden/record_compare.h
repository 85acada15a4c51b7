/*
 * record_compare.h - the bit-exact comparison of the card's records with the
 * golden model's: FLOW and DNS records, per type, in order, every byte
 * except hdr.seq and the phase bit (docs/dataplane.md, last section).
 *
 * Feed each side's records as they come (any interleaving); records of other
 * types are ignored. Mismatches are described on the report stream: the
 * record type, its index within the type, the frames that produced it, each
 * differing field with both values, and both records as text.
 */
#ifndef NDR_RECORD_COMPARE_H
#define NDR_RECORD_COMPARE_H

#include <stdint.h>
#include <stdio.h>

#include "ndr_abi.h"

struct ndr_rec_cmp;

/* report may be NULL (count only); at most max_reports mismatches are
 * described. NULL when out of memory. */
struct ndr_rec_cmp *ndr_rec_cmp_new(FILE *report, unsigned max_reports);
/* frame_no: the 1-based number of the frame being processed when the
 * record came out (for the report). */
void ndr_rec_cmp_card(struct ndr_rec_cmp *c, const struct ndr_rec_hdr *rec, uint64_t frame_no);
void ndr_rec_cmp_golden(struct ndr_rec_cmp *c, const struct ndr_rec_hdr *rec, uint64_t frame_no);
/* End of input: records left on one side are mismatches. Returns the number
 * of mismatches in all. */
uint64_t ndr_rec_cmp_finish(struct ndr_rec_cmp *c);
/* The card may lack records of this type (ones it dropped and counted):
 * where the heads differ, the golden one is taken as missing, and golden
 * records left at the end are missing, not mismatches. */
void ndr_rec_cmp_allow_missing(struct ndr_rec_cmp *c, unsigned type);
uint64_t ndr_rec_cmp_missing(const struct ndr_rec_cmp *c, unsigned type);
/* Records compared equal, per type. */
uint64_t ndr_rec_cmp_equal(const struct ndr_rec_cmp *c, unsigned type);
void ndr_rec_cmp_free(struct ndr_rec_cmp *c);

#endif
