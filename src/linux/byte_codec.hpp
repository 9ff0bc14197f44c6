// Little-endian encoding of host-side state for snapshot files: a writer that appends integers,
// byte strings and trivially copyable records to a buffer, and a reader that takes them back
// and fails (instead of reading past the end) on a short or inconsistent input. A snapshot file
// is checksummed before it is decoded, but the reader still treats its input as hostile: every
// length is checked against what is left and against the caller's limit.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace forkbox::os {

static_assert(std::endian::native == std::endian::little, "snapshot files are little-endian");

class ByteWriter {
 public:
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(uint32_t v) { raw(&v, sizeof v); }
  void u64(uint64_t v) { raw(&v, sizeof v); }
  void bytes(std::string_view s) {
    u64(s.size());
    out_.append(s);
  }
  // A trivially copyable record (a KVM struct) as its raw bytes, length-prefixed.
  template <typename T>
  void record(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    u64(sizeof(T));
    raw(&v, sizeof(T));
  }
  void raw(const void* p, size_t n) { out_.append(static_cast<const char*>(p), n); }
  [[nodiscard]] std::string take() { return std::move(out_); }
  [[nodiscard]] size_t size() const { return out_.size(); }

 private:
  std::string out_;
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}
  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] bool at_end() const { return ok_ && at_ == in_.size(); }

  uint8_t u8() {
    uint8_t v = 0;
    raw(&v, 1);
    return v;
  }
  uint32_t u32() {
    uint32_t v = 0;
    raw(&v, sizeof v);
    return v;
  }
  uint64_t u64() {
    uint64_t v = 0;
    raw(&v, sizeof v);
    return v;
  }
  // A length-prefixed byte string of at most `max` bytes.
  std::string bytes(size_t max) {
    const uint64_t n = u64();
    if (!ok_ || n > max || n > in_.size() - at_) {
      ok_ = false;
      return {};
    }
    std::string s(in_.substr(at_, n));
    at_ += n;
    return s;
  }
  // A record written by ByteWriter::record; its size must match T exactly.
  template <typename T>
  T record() {
    static_assert(std::is_trivially_copyable_v<T>);
    T v{};
    if (u64() != sizeof(T)) ok_ = false;
    raw(&v, sizeof(T));
    return v;
  }
  void raw(void* p, size_t n) {
    if (!ok_ || n > in_.size() - at_) {
      ok_ = false;
      return;
    }
    std::memcpy(p, in_.data() + at_, n);
    at_ += n;
  }
  void fail() { ok_ = false; }

 private:
  std::string_view in_;
  size_t at_ = 0;
  bool ok_ = true;
};

}  // namespace forkbox::os
