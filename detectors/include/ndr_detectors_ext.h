/*
 * ndr_detectors_ext.h - every detector compiled in: D1 (docs/detectors.md)
 * and the east-west detectors D2..D7 (docs/detectors-east-west.md).
 *
 * Each is a struct ndr_detector_ops whose name is its alert category and
 * configuration section. new_admin_path learns a baseline that must survive
 * restarts, through its state_load/state_save hooks (the sensor's --state
 * DIR); the functions are also exported for tests.
 */
#ifndef NDR_DETECTORS_EXT_H
#define NDR_DETECTORS_EXT_H

#include <stddef.h>

#include "ndr_detector.h"

extern const struct ndr_detector_ops ndr_det_dns_tunnel;      /* D1 */
extern const struct ndr_detector_ops ndr_det_beacon;          /* D2 */
extern const struct ndr_detector_ops ndr_det_https_tunnel;    /* D3 */
extern const struct ndr_detector_ops ndr_det_port_scan;       /* D4 */
extern const struct ndr_detector_ops ndr_det_brute_force;     /* D5 */
extern const struct ndr_detector_ops ndr_det_rpc_recon;       /* D6 */
extern const struct ndr_detector_ops ndr_det_new_admin_path;  /* D7 */

/* Writes the learned admin-path baseline to DIR/new_admin_path.state
 * atomically (ndr_state_store.h). 0, or -1 with "what: why" in err; on
 * error the previous file is intact. */
int ndr_det_new_admin_path_save(void *det, const char *dir, char *err, size_t errlen);
/* Reads it back into a freshly created detector. 1 loaded, 0 no file yet
 * (first start), -1 rejected (corrupt, other version, unreadable): err says
 * why, the file is moved aside to new_admin_path.state.bad and the
 * detector keeps an empty baseline (learning starts again). */
int ndr_det_new_admin_path_load(void *det, const char *dir, char *err, size_t errlen);

#endif
