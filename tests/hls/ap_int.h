/*
 * ap_int.h - a stand-in for Vitis HLS's arbitrary-precision unsigned
 * integer, ap_uint<W>, with the operations ndr's Vitis shims use: built
 * from and assigned an integer (truncated to W bits, so -1 is all ones),
 * bit select x[i] (read and assign), part select x.range(hi, lo) (read and
 * assign, at most 64 bits at a time), and conversion to an integer for
 * W <= 64 (to_uint64() for any W: the low 64 bits).
 *
 * For compiling and running the shims with g++ where Vitis is not
 * installed (tests/hls/hls_stream.h says why). A select outside the W
 * bits is reported and stops the program, where Vitis's header would
 * assert. Written for this project from the public description of the
 * type (Vitis HLS user guide, "Arbitrary Precision Data Types"); there is
 * no signed ap_int, no arithmetic between ap_uints and no printing,
 * because nothing in ndr uses them: a shim that needs more fails to
 * compile here, never silently.
 */
#ifndef NDR_STANDIN_AP_INT_H
#define NDR_STANDIN_AP_INT_H

#include <cstdint>
#include <type_traits>
#include <cstdio>
#include <cstdlib>

template <int W>
class ap_uint {
	static_assert(W >= 1 && W <= 4096, "ap_uint<W>: W must be 1..4096");
	enum { WORDS = (W + 63) / 64 };

public:
	ap_uint() { set(0); }
	ap_uint(int v) { set((uint64_t)(int64_t)v, v < 0); }
	ap_uint(long v) { set((uint64_t)(int64_t)v, v < 0); }
	ap_uint(long long v) { set((uint64_t)v, v < 0); }
	ap_uint(unsigned v) { set(v); }
	ap_uint(unsigned long v) { set(v); }
	ap_uint(unsigned long long v) { set(v); }
	ap_uint(bool v) { set(v ? 1u : 0u); }

	/* Conversion to an integer only where no bit is lost (W <= 64), as a
	 * shim may write (uint8_t)x.range(7, 0) or x != 0. */
	template <int V = W, typename = typename std::enable_if<(V <= 64)>::type>
	operator unsigned long long() const { return w_[0]; }
	unsigned long long to_uint64() const { return w_[0]; }

	class bit_ref {
	public:
		bit_ref(ap_uint &p, int i) : p_(p), i_(i) {}
		operator bool() const { return p_.get_bit(i_); }
		bit_ref &operator=(unsigned long long v)
		{
			p_.set_bit(i_, v != 0u);
			return *this;
		}
		bit_ref &operator=(const bit_ref &b) { return *this = (unsigned long long)(bool)b; }

	private:
		ap_uint &p_;
		int i_;
	};

	class range_ref {
	public:
		range_ref(ap_uint &p, int hi, int lo) : p_(p), hi_(hi), lo_(lo) {}
		operator unsigned long long() const { return p_.get_range(hi_, lo_); }
		range_ref &operator=(unsigned long long v)
		{
			p_.set_range(hi_, lo_, v);
			return *this;
		}
		range_ref &operator=(const range_ref &r)
		{
			return *this = (unsigned long long)r;
		}

	private:
		ap_uint &p_;
		int hi_, lo_;
	};

	bit_ref operator[](int i) { return bit_ref(*this, check_bit(i)); }
	bool operator[](int i) const { return get_bit(check_bit(i)); }
	range_ref range(int hi, int lo) { check_range(hi, lo); return range_ref(*this, hi, lo); }
	unsigned long long range(int hi, int lo) const
	{
		check_range(hi, lo);
		return get_range(hi, lo);
	}

	bool get_bit(int i) const { return (w_[i / 64] >> (i % 64)) & 1u; }
	void set_bit(int i, bool v)
	{
		uint64_t m = (uint64_t)1 << (i % 64);
		w_[i / 64] = v ? (w_[i / 64] | m) : (w_[i / 64] & ~m);
	}

private:
	uint64_t w_[WORDS];

	/* v in the low word; the words above are all ones when v was a
	 * negative integer (sign extension), zero otherwise; then the bits
	 * above W are cleared. */
	void set(uint64_t v, bool negative = false)
	{
		w_[0] = v;
		for (int i = 1; i < WORDS; i++)
			w_[i] = negative ? ~(uint64_t)0 : 0u;
		if (W % 64)
			w_[WORDS - 1] &= ((uint64_t)1 << (W % 64)) - 1u;
	}

	static void fail(const char *what, int hi, int lo)
	{
		std::fprintf(stderr, "ap_uint<%d>: %s (%d, %d) is outside the %d bits\n",
			     W, what, hi, lo, W);
		std::abort();
	}
	static int check_bit(int i)
	{
		if (i < 0 || i >= W)
			fail("bit select", i, i);
		return i;
	}
	static void check_range(int hi, int lo)
	{
		if (lo < 0 || hi < lo || hi >= W)
			fail("range", hi, lo);
		if (hi - lo >= 64)
			fail("range wider than 64 bits:", hi, lo);
	}

	unsigned long long get_range(int hi, int lo) const
	{
		uint64_t v = 0;
		for (int i = hi; i >= lo; i--)
			v = v << 1 | (get_bit(i) ? 1u : 0u);
		return v;
	}
	void set_range(int hi, int lo, unsigned long long v)
	{
		for (int i = lo; i <= hi; i++)
			set_bit(i, (v >> (i - lo)) & 1u);
	}
};

#endif /* NDR_STANDIN_AP_INT_H */
