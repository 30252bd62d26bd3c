#include "engine/core/diagnostics.h"

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

namespace th {

void Diagnostics::error(std::string code, SourcePos pos, std::string message,
                        std::string item_kind, std::string item_name) {
  items_.push_back({Severity::error, std::move(code), std::move(pos), std::move(item_kind),
                    std::move(item_name), std::move(message), {}});
}

void Diagnostics::warning(std::string code, SourcePos pos, std::string message,
                          std::string item_kind, std::string item_name) {
  items_.push_back({Severity::warning, std::move(code), std::move(pos), std::move(item_kind),
                    std::move(item_name), std::move(message), {}});
}

void Diagnostics::append(const Diagnostics& other) {
  items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

bool Diagnostics::has_errors() const { return error_count() > 0; }

std::size_t Diagnostics::error_count() const {
  std::size_t n = 0;
  for (const auto& d : items_) n += d.severity == Severity::error;
  return n;
}

std::size_t Diagnostics::warning_count() const { return items_.size() - error_count(); }

void Diagnostics::attach_snippets() {
  std::map<std::string, std::vector<std::string>> files;
  for (auto& d : items_) {
    if (!d.snippet.empty() || d.pos.file.empty() || d.pos.line == 0) continue;
    auto it = files.find(d.pos.file);
    if (it == files.end()) {
      std::vector<std::string> lines;
      std::ifstream in(d.pos.file);
      for (std::string l; std::getline(in, l);) lines.push_back(std::move(l));
      it = files.emplace(d.pos.file, std::move(lines)).first;
    }
    if (d.pos.line <= it->second.size()) d.snippet = it->second[d.pos.line - 1];
  }
}

std::string format_diagnostic(const Diagnostic& d) {
  std::ostringstream out;
  if (!d.pos.file.empty()) {
    out << d.pos.file;
    if (d.pos.line) out << ':' << d.pos.line << ':' << (d.pos.col ? d.pos.col : 1);
    out << ": ";
  }
  out << (d.severity == Severity::error ? "error" : "warning") << '[' << d.code << "] ";
  if (!d.item_kind.empty()) {
    out << d.item_kind;
    if (!d.item_name.empty()) out << " '" << d.item_name << '\'';
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
    arr.push_back({{"severity", d.severity == Severity::error ? "error" : "warning"},
                   {"code", d.code},
                   {"file", d.pos.file},
                   {"line", d.pos.line},
                   {"col", d.pos.col},
                   {"item_kind", d.item_kind},
                   {"item", d.item_name},
                   {"message", d.message},
                   {"snippet", d.snippet}});
  }
  // Rule files may hold any bytes: invalid UTF-8 is replaced, never thrown about.
  return arr.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace th
