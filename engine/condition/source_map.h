// Maps byte offsets inside a condition (or output) string back to file:line:col. A YAML scalar
// may be plain, quoted or a folded/literal block, so one string can span several file lines; the
// rules reader records where each piece of the string starts in the file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/diagnostics.h"

namespace th::cond {

class SourceMap {
 public:
  // A run of the string that sits contiguously on one file line: string offset `offset` is at
  // file line `line`, column `col` (both 1-based).
  struct Segment {
    uint32_t offset;
    uint32_t line;
    uint32_t col;
    std::string file = {};  // when the piece comes from another file (appended conditions)
  };

  // The item a string belongs to ("macro", "m"), so that a diagnostic about an expanded macro
  // names the macro, not only the rule being compiled. Empty when not known.
  struct Origin {
    std::string kind;
    std::string name;
  };

  // Registers a string found in `file`; returns its source id. With no segments every offset
  // maps to the start position (line 0 means unknown).
  uint32_t add(std::string file, std::string text, std::vector<Segment> segments,
               Origin origin = {});
  uint32_t add_simple(std::string file, std::string text, uint32_t line, uint32_t col);

  SourcePos position(uint32_t source, uint32_t offset) const;
  const std::string& text(uint32_t source) const;
  const std::string& file(uint32_t source) const;
  const Origin& origin(uint32_t source) const;
  std::size_t size() const { return sources_.size(); }

 private:
  struct Source {
    std::string file;
    std::string text;
    std::vector<Segment> segments;
    Origin origin;
  };
  std::vector<Source> sources_;
};

}  // namespace th::cond
