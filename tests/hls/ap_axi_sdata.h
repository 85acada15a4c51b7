/*
 * ap_axi_sdata.h - a stand-in for Vitis HLS's AXI4-Stream word,
 * ap_axiu<D, U, TI, TD>: TDATA (D bits), TKEEP and TSTRB (a bit per byte),
 * TLAST, and the side channels TUSER (U bits), TID (TI bits) and TDEST
 * (TD bits), which are absent when their width is 0.
 *
 * For compiling and running the shims with g++ where Vitis is not
 * installed (tests/hls/hls_stream.h says why). Written for this project
 * from the public description of the type (Vitis HLS user guide,
 * "AXI4-Stream Interfaces with Side-Channels").
 */
#ifndef NDR_STANDIN_AP_AXI_SDATA_H
#define NDR_STANDIN_AP_AXI_SDATA_H

#include "ap_int.h"

namespace ndr_standin {
template <int W>
struct axis_side {
	typedef ap_uint<W> type;
};
template <>
struct axis_side<0> {
	struct type {
	};
};
} /* namespace ndr_standin */

template <int D, int U, int TI, int TD>
struct ap_axiu {
	ap_uint<D> data;
	ap_uint<(D + 7) / 8> keep;
	ap_uint<(D + 7) / 8> strb;
	typename ndr_standin::axis_side<U>::type user;
	ap_uint<1> last;
	typename ndr_standin::axis_side<TI>::type id;
	typename ndr_standin::axis_side<TD>::type dest;
};

#endif /* NDR_STANDIN_AP_AXI_SDATA_H */
