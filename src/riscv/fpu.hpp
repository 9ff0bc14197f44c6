// Floating-point semantics of the F and D extensions on an x86-64 host.
//
// Arithmetic runs on the host's SSE unit, whose IEEE behaviour matches RISC-V for the five
// directed/nearest rounding modes and whose sticky MXCSR exception bits map one-to-one onto
// fflags (IE->NV, ZE->DZ, OE->OF, UE->UF, PE->NX; both detect tininess after rounding). The run
// loop keeps the guest's frm in MXCSR.RC and lets the guest's flags accumulate in MXCSR, so a
// floating-point add costs one host add. What SSE does differently is fixed up here: NaN
// results are canonicalized, min/max/compare/classify and float->int conversion are done in
// software, and round-to-nearest-max-magnitude (RMM, absent on x86) is emulated.
#pragma once

#include <immintrin.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace forkbox::riscv::fpu {

// fflags bits.
inline constexpr uint32_t kNX = 1, kUF = 2, kOF = 4, kDZ = 8, kNV = 16;
// Rounding modes.
inline constexpr uint32_t kRNE = 0, kRTZ = 1, kRDN = 2, kRUP = 3, kRMM = 4, kDYN = 7;

inline constexpr uint64_t kBoxMask = 0xffffffff00000000ull;
inline constexpr uint32_t kCanonicalNanS = 0x7fc00000u;
inline constexpr uint64_t kCanonicalNanD = 0x7ff8000000000000ull;

// MXCSR with all exceptions masked, the rounding control for `rm`, and no flags.
inline uint32_t mxcsr_for(uint32_t rm) {
  static constexpr uint32_t rc[5] = {0, 3, 1, 2, 0};  // RMM runs as nearest, then fixed up
  return 0x1f80u | (rc[rm <= 4 ? rm : 0] << 13);
}
inline uint32_t flags_from_mxcsr(uint32_t m) {
  return ((m & 0x01) ? kNV : 0) | ((m & 0x04) ? kDZ : 0) | ((m & 0x08) ? kOF : 0) |
         ((m & 0x10) ? kUF : 0) | ((m & 0x20) ? kNX : 0);
}
inline uint32_t mxcsr_flags_from(uint32_t f) {
  return ((f & kNV) ? 0x01u : 0) | ((f & kDZ) ? 0x04u : 0) | ((f & kOF) ? 0x08u : 0) |
         ((f & kUF) ? 0x10u : 0) | ((f & kNX) ? 0x20u : 0);
}

// NaN-boxing: a single-precision value lives in the low half of an F register whose upper
// half is all ones; anything else reads as the canonical NaN.
inline float unbox_s(uint64_t v) {
  uint32_t bits = (v & kBoxMask) == kBoxMask ? static_cast<uint32_t>(v) : kCanonicalNanS;
  return std::bit_cast<float>(bits);
}
inline uint64_t box_s(float f) { return kBoxMask | std::bit_cast<uint32_t>(f); }
inline uint64_t box_s_bits(uint32_t bits) { return kBoxMask | bits; }
inline double as_d(uint64_t v) { return std::bit_cast<double>(v); }
inline uint64_t bits_d(double d) { return std::bit_cast<uint64_t>(d); }

// Results of arithmetic: NaNs become the canonical NaN, as RISC-V requires.
inline uint64_t result_s(float r) { return r != r ? box_s_bits(kCanonicalNanS) : box_s(r); }
inline uint64_t result_d(double r) { return r != r ? kCanonicalNanD : bits_d(r); }

inline bool is_snan_s(float f) {
  uint32_t b = std::bit_cast<uint32_t>(f);
  return (b & 0x7f800000u) == 0x7f800000u && (b & 0x007fffffu) && !(b & 0x00400000u);
}
inline bool is_snan_d(double d) {
  uint64_t b = std::bit_cast<uint64_t>(d);
  return (b & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (b & 0x000fffffffffffffull) &&
         !(b & 0x0008000000000000ull);
}

// Sets host MXCSR rounding for one instruction whose static rounding mode differs from frm,
// and restores it afterwards (flags are kept).
class StaticRounding {
 public:
  StaticRounding(uint32_t rm, uint32_t frm) : active_(rm != kDYN && rm != frm) {
    if (active_) {
      saved_ = _mm_getcsr();
      _mm_setcsr((saved_ & ~0x6000u) | (mxcsr_for(rm) & 0x6000u));
    }
  }
  StaticRounding(const StaticRounding&) = delete;
  StaticRounding& operator=(const StaticRounding&) = delete;
  ~StaticRounding() {
    if (active_) _mm_setcsr((_mm_getcsr() & ~0x6000u) | (saved_ & 0x6000u));
  }

 private:
  bool active_;
  uint32_t saved_ = 0;
};

// minimumNumber/maximumNumber (RISC-V F/D 2.2): a NaN operand yields the other operand, two
// NaNs the canonical NaN, signalling NaNs raise NV, and -0.0 orders below +0.0.
template <typename F>
F min_max(F a, F b, bool is_max, uint32_t& flags, bool snan_a, bool snan_b) {
  if (snan_a || snan_b) flags |= kNV;
  bool na = a != a, nb = b != b;
  if (na && nb) return std::numeric_limits<F>::quiet_NaN();
  if (na) return b;
  if (nb) return a;
  if (a == b) {  // equal magnitudes: sort out signed zeros
    bool a_negative = std::signbit(a);
    if (is_max) return a_negative ? b : a;
    return a_negative ? a : b;
  }
  return is_max ? (a > b ? a : b) : (a < b ? a : b);
}

// FEQ is quiet (NV only for signalling NaNs); FLT/FLE signal NV on any NaN.
template <typename F>
uint64_t compare(F a, F b, int kind, uint32_t& flags, bool snan_any) {
  bool unordered = a != a || b != b;
  if (kind == 0) {  // feq
    if (snan_any) flags |= kNV;
    return unordered ? 0 : (a == b);
  }
  if (unordered) {
    flags |= kNV;
    return 0;
  }
  return kind == 1 ? (a < b) : (a <= b);
}

// FCLASS from the bit pattern alone: any floating-point comparison would raise NV on a
// signalling NaN, and FCLASS never raises flags.
inline uint64_t classify_bits(uint64_t bits, unsigned exp_bits, unsigned frac_bits) {
  bool neg = (bits >> (exp_bits + frac_bits)) & 1;
  uint64_t exp = (bits >> frac_bits) & ((1ull << exp_bits) - 1);
  uint64_t frac = bits & ((1ull << frac_bits) - 1);
  uint64_t exp_max = (1ull << exp_bits) - 1;
  if (exp == exp_max) {
    if (frac == 0) return neg ? 1u << 0 : 1u << 7;
    return (frac >> (frac_bits - 1)) ? 1u << 9 : 1u << 8;  // quiet : signalling
  }
  if (exp == 0) {
    if (frac == 0) return neg ? 1u << 3 : 1u << 4;
    return neg ? 1u << 2 : 1u << 5;
  }
  return neg ? 1u << 1 : 1u << 6;
}
inline uint64_t classify_s(float v) { return classify_bits(std::bit_cast<uint32_t>(v), 8, 23); }
inline uint64_t classify_d(double v) { return classify_bits(std::bit_cast<uint64_t>(v), 11, 52); }

// Rounds to an integral value in mode rm (never the dynamic mode: callers resolve it).
template <typename F>
F round_integral(F v, uint32_t rm) {
  switch (rm) {
    case kRTZ: return std::trunc(v);
    case kRDN: return std::floor(v);
    case kRUP: return std::ceil(v);
    case kRMM: return std::round(v);
    default: return static_cast<F>(__builtin_roundeven(static_cast<double>(v)));  // exact
  }
}

// Float -> integer with RISC-V saturation: NaN and +overflow give the maximum, -overflow the
// minimum, each raising NV; inexact in-range results raise NX. I is the integer type.
template <typename I, typename F>
I to_int(F v, uint32_t rm, uint32_t& flags) {
  constexpr I kMax = std::numeric_limits<I>::max();
  constexpr I kMin = std::numeric_limits<I>::min();
  if (v != v) {
    flags |= kNV;
    return kMax;
  }
  F r = round_integral(v, rm);
  // 2^bits as F is exact for every integer width here, so these bounds are exact.
  constexpr F kUpper = static_cast<F>(static_cast<long double>(kMax) + 1.0L);  // exact: 2^n
  constexpr F kLower = static_cast<F>(kMin);
  if (r >= kUpper) {
    flags |= kNV;
    return kMax;
  }
  if (r < kLower) {
    flags |= kNV;
    return kMin;
  }
  if (r != v) flags |= kNX;
  return static_cast<I>(r);
}

// Integer -> float in mode rm under the host's current MXCSR (the caller has set the static
// mode already). RMM ties are fixed up through long double, which holds any 64-bit integer
// exactly.
template <typename F, typename I>
F from_int(I v, uint32_t rm) {
  F r = static_cast<F>(v);
  if (rm == kRMM) {
    long double exact = static_cast<long double>(v);
    long double err = exact - static_cast<long double>(r);
    if (err != 0) {
      F away = std::nextafter(r, err > 0 ? std::numeric_limits<F>::infinity()
                                         : -std::numeric_limits<F>::infinity());
      long double mid = (static_cast<long double>(r) + static_cast<long double>(away)) / 2;
      if (exact == mid && std::fabs(static_cast<long double>(away)) > std::fabs(static_cast<long double>(r)))
        r = away;
    }
  }
  return r;
}

// Fix-up for arithmetic in RMM: the host computed `r` with round-to-nearest-even; if the exact
// result `exact` (computed in long double, exact or close enough to tell a tie) sat exactly
// halfway and even-rounding went toward zero, move one ulp away from zero.
template <typename F>
F rmm_fixup(F r, long double exact) {
  if (r != r || std::isinf(r)) return r;
  long double lr = static_cast<long double>(r);
  if (lr == exact) return r;
  F away = std::nextafter(r, exact > lr ? std::numeric_limits<F>::infinity()
                                        : -std::numeric_limits<F>::infinity());
  long double mid = (lr + static_cast<long double>(away)) / 2;
  if (exact == mid && std::fabs(static_cast<long double>(away)) > std::fabs(lr)) return away;
  return r;
}

}  // namespace forkbox::riscv::fpu
