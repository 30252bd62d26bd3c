// Encoding primitives of the binary capture format (capture_format.h): LEB128 varints, zigzag
// for signed numbers, length-prefixed strings. Private to engine/io.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace th::capture {

inline uint64_t zigzag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t unzigzag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

// Appends to a byte buffer; never fails.
class Encoder {
 public:
  explicit Encoder(std::string& out) : out_(out) {}
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void varint(uint64_t v) {
    char tmp[10];
    std::size_t n = 0;
    while (v >= 0x80) {
      tmp[n++] = static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    tmp[n++] = static_cast<char>(v);
    out_.append(tmp, n);
  }
  void svarint(int64_t v) { varint(zigzag(v)); }
  void str(std::string_view s) {
    varint(s.size());
    out_.append(s.data(), s.size());
  }
  void u32le_at(std::size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) out_[at + i] = static_cast<char>(v >> (8 * i));
  }

 private:
  std::string& out_;
};

// Reads from one record's payload; every read is bounds-checked and a failure sticks (the
// record is then reported as malformed, with the offset of the field that did not fit).
class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  std::size_t pos() const { return pos_; }
  bool done() const { return pos_ == in_.size(); }
  void invalidate() { ok_ = false; }  // a value out of its range

  uint8_t u8() {
    if (!need(1)) return 0;
    return static_cast<uint8_t>(in_[pos_++]);
  }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (!need(1)) return 0;
      auto b = static_cast<uint8_t>(in_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    ok_ = false;  // more than 10 bytes
    return 0;
  }
  int64_t svarint() { return unzigzag(varint()); }
  template <class T>
  T num() {
    return static_cast<T>(varint());
  }
  template <class T>
  T snum() {
    return static_cast<T>(svarint());
  }
  // Assigns into `out`, reusing its capacity.
  void str(std::string& out) {
    uint64_t n = varint();
    if (!need(n)) return;
    out.assign(in_.data() + pos_, n);
    pos_ += n;
  }

 private:
  bool need(uint64_t n) {
    if (ok_ && n <= in_.size() - pos_) return true;
    ok_ = false;
    return false;
  }
  std::string_view in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace th::capture
