// Where each piece of a YAML scalar's value sits in the file. yaml-cpp gives only the start mark of
// a scalar; for folded (`>`), literal (`|`), quoted and multi-line plain scalars this finds the
// file line and column of every line of the value, so that an error at offset N of a condition
// points at the right place in the file.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/rules/rule_items.h"

namespace th::rules {

class FileLines {
 public:
  explicit FileLines(std::string_view content);
  std::size_t size() const { return lines_.size(); }
  std::string_view line(std::size_t i) const { return i < lines_.size() ? lines_[i] : ""; }

 private:
  std::vector<std::string_view> lines_;
};

// `line` and `col` are yaml-cpp's 0-based mark of the scalar.
Text locate_scalar(const std::string& file, const FileLines& lines, std::string value, int line,
                   int col);

}  // namespace th::rules
