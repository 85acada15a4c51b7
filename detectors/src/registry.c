/*
 * registry.c - the detectors compiled into the sensor (ndr_detector.h).
 *
 * Each detector's file defines one const struct ndr_detector_ops named
 * ndr_det_<name>, declared in ndr_detectors_ext.h; adding a detector is one
 * declaration and one table line. The sensor runs them in this order.
 */
#include <stddef.h>

#include "ndr_detectors_ext.h"

const struct ndr_detector_ops *const ndr_detectors[] = {
	&ndr_det_dns_tunnel,
	&ndr_det_beacon,
	&ndr_det_https_tunnel,
	&ndr_det_port_scan,
	&ndr_det_brute_force,
	&ndr_det_rpc_recon,
	&ndr_det_new_admin_path,
	NULL,
};
