// Counts by name in the two forms a summary alert carries them: "a x2, b x1" for the output text
// and {"a": 2, "b": 1} for output_fields.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace th {

struct RenderedCounts {
  std::string text;
  nlohmann::ordered_json json = nlohmann::ordered_json::object();
};

template <class Map>
RenderedCounts render_counts(const Map& counts) {
  RenderedCounts r;
  for (const auto& [name, n] : counts) {
    if (!r.text.empty()) r.text += ", ";
    r.text += name + " x" + std::to_string(n);
    r.json[name] = n;
  }
  return r;
}

}  // namespace th
