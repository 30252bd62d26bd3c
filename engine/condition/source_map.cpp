#include "engine/condition/source_map.h"

#include <algorithm>

namespace th::cond {

uint32_t SourceMap::add(std::string file, std::string text, std::vector<Segment> segments,
                        Origin origin) {
  std::sort(segments.begin(), segments.end(),
            [](const Segment& a, const Segment& b) { return a.offset < b.offset; });
  sources_.push_back({std::move(file), std::move(text), std::move(segments), std::move(origin)});
  return static_cast<uint32_t>(sources_.size() - 1);
}

uint32_t SourceMap::add_simple(std::string file, std::string text, uint32_t line, uint32_t col) {
  std::vector<Segment> segs;
  if (line > 0) segs.push_back({0, line, col, {}});
  return add(std::move(file), std::move(text), std::move(segs));
}

SourcePos SourceMap::position(uint32_t source, uint32_t offset) const {
  if (source >= sources_.size()) return {};
  const Source& s = sources_[source];
  SourcePos pos{s.file, 0, 0};
  if (s.segments.empty()) return pos;
  auto it = std::upper_bound(s.segments.begin(), s.segments.end(), offset,
                             [](uint32_t off, const Segment& seg) { return off < seg.offset; });
  if (it != s.segments.begin()) --it;
  if (!it->file.empty()) pos.file = it->file;
  pos.line = it->line;
  pos.col = it->col + (offset >= it->offset ? offset - it->offset : 0);
  return pos;
}

const std::string& SourceMap::text(uint32_t source) const { return sources_.at(source).text; }
const std::string& SourceMap::file(uint32_t source) const { return sources_.at(source).file; }

const SourceMap::Origin& SourceMap::origin(uint32_t source) const {
  static const Origin kNone;
  return source < sources_.size() ? sources_[source].origin : kNone;
}

}  // namespace th::cond
