#include "engine/core/diagnostics.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

namespace th {

void Diagnostics::report(DiagCode code, SourcePos pos, std::string message,
                         std::string item_kind, std::string item_name, std::string used_by) {
  Diagnostic d{code.severity(),        std::string(code.code()), std::move(pos),
               std::move(item_kind),   std::move(item_name),     std::move(message),
               {},                     std::move(used_by)};
  attach_snippet(d);
  items_.push_back(std::move(d));
}

void Diagnostics::append(const Diagnostics& other) {
  items_.insert(items_.end(), other.items_.begin(), other.items_.end());
  if (other.sources_ && other.sources_ != sources_)
    for (const auto& [file, text] : *other.sources_) add_source(file, text);
}

bool Diagnostics::has_errors() const { return error_count() > 0; }

std::size_t Diagnostics::error_count() const {
  std::size_t n = 0;
  for (const auto& d : items_) n += d.severity == Severity::error;
  return n;
}

std::size_t Diagnostics::warning_count() const { return items_.size() - error_count(); }

void Diagnostics::add_source(const std::string& file, std::string text) {
  if (!sources_) sources_ = std::make_shared<std::map<std::string, std::string>>();
  (*sources_)[file] = std::move(text);
}

void Diagnostics::attach_snippet(Diagnostic& d) const {
  if (!sources_ || !d.snippet.empty() || d.pos.line == 0) return;
  auto it = sources_->find(d.pos.file);
  if (it == sources_->end()) return;
  std::string_view text = it->second;
  std::size_t begin = 0;
  for (uint32_t line = 1; line < d.pos.line; ++line) {
    begin = text.find('\n', begin);
    if (begin == std::string_view::npos) return;
    ++begin;
  }
  std::size_t end = std::min(text.find('\n', begin), text.size());
  std::string_view l = text.substr(begin, end - begin);
  if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
  d.snippet = l;
}

void Diagnostics::attach_snippets() {
  for (auto& d : items_) attach_snippet(d);
}

std::string format_diagnostic(const Diagnostic& d) {
  std::ostringstream out;
  if (!d.pos.file.empty()) {
    out << d.pos.file;
    if (d.pos.line) out << ':' << d.pos.line;
    if (d.pos.line && d.pos.col) out << ':' << d.pos.col;
    out << ": ";
  }
  out << (d.severity == Severity::error ? "error" : "warning") << '[' << d.code << "] ";
  if (!d.item_kind.empty()) {
    out << d.item_kind;
    if (!d.item_name.empty()) out << " '" << d.item_name << '\'';
    if (!d.used_by.empty()) out << " (used by rule '" << d.used_by << "')";
    out << ": ";
  }
  out << d.message << '\n';
  if (!d.snippet.empty()) {
    out << "    " << d.snippet << '\n';
    if (d.pos.col > 0) {
      out << "    ";
      // Keep tabs so the caret lines up under the column in a terminal.
      for (uint32_t i = 0; i + 1 < d.pos.col && i < d.snippet.size(); ++i)
        out << (d.snippet[i] == '\t' ? '\t' : ' ');
      out << "^\n";
    }
  }
  return out.str();
}

std::string format_diagnostics_text(const Diagnostics& ds) {
  std::string s;
  for (const auto& d : ds.items()) s += format_diagnostic(d);
  return s;
}

std::string format_diagnostics_json(const Diagnostics& ds) {
  auto arr = nlohmann::json::array();
  for (const auto& d : ds.items()) {
    nlohmann::json j = {{"severity", d.severity == Severity::error ? "error" : "warning"},
                        {"code", d.code},
                        {"file", d.pos.file},
                        {"line", d.pos.line},
                        {"col", d.pos.col},
                        {"item_kind", d.item_kind},
                        {"item", d.item_name},
                        {"message", d.message},
                        {"snippet", d.snippet}};
    if (!d.used_by.empty()) j["used_by"] = d.used_by;
    arr.push_back(std::move(j));
  }
  // Rule files may hold any bytes: invalid UTF-8 is replaced, never thrown about.
  return arr.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace th
