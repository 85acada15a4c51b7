/*
 * ndr_hw_all.cpp - every hw/src stage source compiled as one C++ unit for
 * Vitis HLS, with NDR_HLS_STREAMS defined (ndr_vitis.h), so the stages'
 * streams are hls::stream. Both kernels' HLS components, the per-stage
 * ones and the testbench take this file; the shims declare only the
 * dataflow around the stages.
 *
 * card_dataflow.c is not here: it is the clocked simulation's sequential
 * wiring of the same stages, which ndr_datapath.cpp replaces with a
 * DATAFLOW region. This file holds nothing but the includes: it is not a
 * shim, so scripts/check-synth.sh (which lints the .cpp files of hw/vitis) does not
 * read it, and checks each of the sources below on its own instead;
 * tests/integration/vitis_shims.sh checks that it includes every other C
 * source of hw/src and nothing else.
 */
#include "../ndr_vitis.h"

#include "../../src/rx_stage.c"
#include "../../src/parser.c"
#include "../../src/parser_stage.c"
#include "../../src/flow_hash.c"
#include "../../src/flow_table.c"
#include "../../src/flow_stage.c"
#include "../../src/walk_pool.c"
#include "../../src/entropy.c"
#include "../../src/log2_table.c"
#include "../../src/dns_walk.c"
#include "../../src/dns_stage.c"
#include "../../src/tls_walk.c"
#include "../../src/tls_stage.c"
#include "../../src/record_writer.c"
#include "../../src/record_stage.c"
