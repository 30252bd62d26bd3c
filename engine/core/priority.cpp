#include "engine/core/priority.h"

#include <array>
#include <cctype>

namespace th {
namespace {
constexpr std::array<std::string_view, 8> kNames = {
    "Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug"};
constexpr std::array<std::string_view, 8> kUpper = {
    "EMERGENCY", "ALERT", "CRITICAL", "ERROR", "WARNING", "NOTICE", "INFORMATIONAL", "DEBUG"};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}
}  // namespace

std::optional<Priority> priority_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (iequals(name, kNames[i])) return static_cast<Priority>(i);
  if (iequals(name, "info")) return Priority::informational;
  return std::nullopt;
}

std::string_view priority_name(Priority p) { return kNames[static_cast<std::size_t>(p)]; }
std::string_view priority_upper_name(Priority p) { return kUpper[static_cast<std::size_t>(p)]; }

}  // namespace th
