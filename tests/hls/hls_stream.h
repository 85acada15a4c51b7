/*
 * hls_stream.h - a stand-in for Vitis HLS's hls::stream, for compiling and
 * running the Vitis shims and their testbench with g++ where Vitis is not
 * installed (tests/integration/vitis_shims.sh, `make -C hw csim-standin`).
 *
 * It models C simulation (csim) semantics only, which is what Vitis's own
 * header gives a C++ compiler too: a stream is an unbounded FIFO, full() is
 * always false, write never blocks. Reading an empty stream is a design or
 * testbench error (in hardware the read would stall forever): it is
 * reported with the stream's name and the program stops. Nothing here says
 * anything about the FIFO depths, the timing or the resources of the
 * synthesized design; only Vitis can (docs/hardware.md).
 *
 * Written for this project from the public description of the interface
 * (Vitis HLS user guide, "HLS Stream Library"); only what ndr uses.
 */
#ifndef NDR_STANDIN_HLS_STREAM_H
#define NDR_STANDIN_HLS_STREAM_H

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>

namespace hls {

template <typename T>
class stream {
public:
	stream() : name_("unnamed") {}
	explicit stream(const char *name) : name_(name ? name : "unnamed") {}
	/* A stream is a FIFO in hardware, not a value: as in Vitis, it can
	 * be neither copied nor assigned; pass it by reference. */
	stream(const stream &) = delete;
	stream &operator=(const stream &) = delete;

	bool empty() const { return q_.empty(); }
	bool full() const { return false; }
	std::size_t size() const { return q_.size(); }

	T read()
	{
		if (q_.empty()) {
			std::fprintf(stderr, "hls::stream '%s': read while empty "
				     "(in hardware this read would stall for ever)\n",
				     name_.c_str());
			std::abort();
		}
		T v = q_.front();
		q_.pop_front();
		return v;
	}
	void read(T &v) { v = read(); }
	bool read_nb(T &v)
	{
		if (q_.empty())
			return false;
		v = read();
		return true;
	}
	void operator>>(T &v) { v = read(); }

	void write(const T &v) { q_.push_back(v); }
	bool write_nb(const T &v)
	{
		write(v);
		return true;
	}
	void operator<<(const T &v) { write(v); }

private:
	std::string name_;
	std::deque<T> q_;
};

} /* namespace hls */

#endif /* NDR_STANDIN_HLS_STREAM_H */
