/*
 * record_text.h - records as text for people: one line per record
 * (ndr-sim --dump), and a field-by-field difference of two records of the
 * same type (the card against the golden model).
 *
 * Lives with the golden model because the comparison is its purpose; used by
 * sim/tools/ndr_sim.c and tests/unit/test_compare*.c.
 */
#ifndef NDR_RECORD_TEXT_H
#define NDR_RECORD_TEXT_H

#include <stddef.h>
#include <stdio.h>

#include "ndr_abi.h"

/* Writes one line (no newline) describing rec into buf; any record type. */
void ndr_rec_format(const struct ndr_rec_hdr *rec, char *buf, size_t len);

/*
 * Compares two records field by field, ignoring hdr.seq and the phase bit.
 * Prints one line per differing field to out (if not NULL):
 *   "  <field>: <a_name>=<value> <b_name>=<value>"
 * Returns the number of differing fields (0: equal).
 */
unsigned ndr_rec_diff(const struct ndr_rec_hdr *a, const struct ndr_rec_hdr *b,
		      const char *a_name, const char *b_name, FILE *out);

#endif
