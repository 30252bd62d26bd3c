// Buffered input for replay and the capture reader: a file descriptor (a file or a pipe, read in
// large chunks) or bytes in memory (tests, fuzzing). Knows the offset of every byte it hands out,
// so that errors can name where a malformed record starts.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace th {

class ByteSource {
 public:
  static ByteSource from_fd(int fd);  // not owned
  static ByteSource from_memory(std::string_view bytes);

  // At least n bytes from the current position, or fewer at the end of the input.
  std::string_view peek(std::size_t n);
  void consume(std::size_t n);
  // The next line without its newline; false at the end of the input.
  bool getline(std::string& line);
  // Offset of the next unread byte from the start of the input.
  uint64_t offset() const { return consumed_; }
  // A read error (errno text); empty when none.
  const std::string& error() const { return error_; }

 private:
  ByteSource() = default;
  bool fill(std::size_t want);  // false at the end or on error

  int fd_ = -1;
  std::string buf_;            // fd mode: the bytes read and not yet consumed start at begin_
  std::string_view memory_;    // memory mode
  std::size_t begin_ = 0;
  uint64_t consumed_ = 0;
  bool eof_ = false;
  std::string error_;
};

}  // namespace th
