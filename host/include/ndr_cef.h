/*
 * ndr_cef.h - an alert as ArcSight Common Event Format (CEF) text, for
 * SIEMs that parse CEF rather than JSON (--syslog-format cef).
 *
 *   CEF:0|ndr|ndr-sensor|VERSION|SIGNATURE_ID|SIGNATURE|SEVERITY|EXTENSIONS
 *
 * Escaping as the CEF specification (ArcSight "Implementing ArcSight CEF",
 * revision 25) says: in the header, a pipe as \| and a backslash as \\; in
 * extension values, an equal sign as \=, a backslash as \\, and a newline
 * or carriage return as \n or \r (a pipe stays as is there). Header fields
 * hold no line breaks (each becomes a space). Severity is CEF's 0..10:
 * alert severity 1 (high) -> 9, 2 (medium) -> 6, 3 (low) -> 3, else 1.
 *
 * Extensions (CEF dictionary names; docs/alerts.md "CEF" lists each with
 * the EVE field it comes from): rt, cat, act, src, dst, spt, dpt, proto,
 * cs1 entity, cs2 MITRE techniques, cs3 community id, cn1 flow id, cfp1
 * score, cs4 scope, cs5 evidence (compact JSON), each custom field with
 * its csNLabel/cnNLabel/cfp1Label.
 */
#ifndef NDR_CEF_H
#define NDR_CEF_H

#include <stddef.h>

#include "ndr_alert.h"

/* The text of one alert (no newline), malloc'd; NULL on allocation failure. */
char *ndr_cef_alert(const struct ndr_alert *alert, const char *version);

/* Escaped copies, malloc'd (NULL on allocation failure). */
char *ndr_cef_escape_header(const char *s);
char *ndr_cef_escape_value(const char *s);

/* Alert severity -> CEF severity, see above. */
int ndr_cef_severity(int alert_severity);

#endif
