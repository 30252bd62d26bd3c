// Reading rule-test files: YAML with positions (yaml-cpp marks), every problem a Diagnostic with
// file:line:col, never an exception out of here.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "engine/core/closest_name.h"
#include "engine/ruletest/event_builder.h"
#include "engine/ruletest/test_file.h"
#include "engine/ruletest/yaml_json.h"

namespace th::ruletest {
namespace fs = std::filesystem;

std::optional<uint64_t> parse_duration_ns(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  std::size_t i = 0;
  while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) ++i;
  if (i == 0) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + i, v);
  if (ec != std::errc() || p != text.data() + i || !std::isfinite(v)) return std::nullopt;
  std::string_view unit = text.substr(i);
  double scale;
  if (unit.empty() || unit == "s") scale = 1e9;
  else if (unit == "ms") scale = 1e6;
  else if (unit == "m") scale = 60e9;
  else if (unit == "h") scale = 3600e9;
  else return std::nullopt;
  double ns = v * scale;
  if (ns > 1e18) return std::nullopt;
  return static_cast<uint64_t>(std::llround(ns));
}

namespace {

const std::set<std::string> kFileKeys = {"processes", "cases"};
const std::set<std::string> kCaseKeys = {"name",   "description", "fold",  "fold_window",
                                         "exact",  "processes",   "events", "expect"};
const std::set<std::string> kExpectKeys = {"rule",   "priority", "alerts",
                                           "summaries", "folded", "output_contains"};

class Parser {
 public:
  Parser(std::string path, Diagnostics& d) : path_(std::move(path)), d_(d) {}

  TestFile parse(const std::string& content) {
    TestFile out;
    out.path = path_;
    YAML::Node root;
    try {
      root = YAML::Load(content);
    } catch (const YAML::ParserException& e) {
      d_.error("TH-E-TEST-YAML", {path_, static_cast<uint32_t>(e.mark.line + 1),
                                  static_cast<uint32_t>(e.mark.column + 1)},
               "invalid YAML: " + e.msg);
      return out;
    } catch (const std::exception& e) {
      d_.error("TH-E-TEST-YAML", {path_, 0, 0}, std::string("invalid YAML: ") + e.what());
      return out;
    }
    try {
      read_root(root, out);
    } catch (const YAML::Exception& e) {
      // yaml-cpp throws on conversions not guarded above: report, never crash.
      d_.error("TH-E-TEST-TYPE", {path_, static_cast<uint32_t>(e.mark.line + 1),
                                  static_cast<uint32_t>(e.mark.column + 1)},
               "unexpected value: " + e.msg);
    }
    return out;
  }

 private:
  SourcePos pos(const YAML::Node& n) const { return node_pos(path_, n); }

  void error(ErrorCode code, const YAML::Node& n, std::string msg, const std::string& item = {}) {
    d_.error(code, pos(n), std::move(msg), item.empty() ? "" : "case", item);
  }

  bool check_keys(const YAML::Node& map, const std::set<std::string>& allowed,
                  const char* what, const std::string& item = {}) {
    bool ok = true;
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
      if (!seen.insert(key).second) {
        error("TH-E-TEST-KEY", it->first, "key '" + key + "' appears twice", item);
        ok = false;
      } else if (!allowed.count(key)) {
        std::vector<std::string_view> cands(allowed.begin(), allowed.end());
        error("TH-E-TEST-KEY", it->first,
              "unknown key '" + key + "' in " + what + did_you_mean(key, cands), item);
        ok = false;
      }
    }
    return ok;
  }

  std::optional<std::string> string_of(const YAML::Node& n, const char* key, const std::string& item) {
    if (!n.IsScalar() || n.Scalar().empty()) {
      error("TH-E-TEST-TYPE", n, std::string("'") + key + "' must be a non-empty string", item);
      return std::nullopt;
    }
    return n.Scalar();
  }

  std::optional<bool> bool_of(const YAML::Node& n, const char* key, const std::string& item) {
    nlohmann::json v = yaml_to_json(n);
    if (!v.is_boolean()) {
      error("TH-E-TEST-TYPE", n, std::string("'") + key + "' must be true or false", item);
      return std::nullopt;
    }
    return v.get<bool>();
  }

  std::optional<uint64_t> count_of(const YAML::Node& n, const char* key, const std::string& item) {
    nlohmann::json v = yaml_to_json(n);
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0)) {
      error("TH-E-TEST-TYPE", n, std::string("'") + key + "' must be a whole number (0 or more)",
            item);
      return std::nullopt;
    }
    return v.get<uint64_t>();
  }

  // Declared processes into the book (later declarations of a pid replace earlier ones).
  bool read_processes(const YAML::Node& n, ProcessBook& book, const std::string& item) {
    if (!n.IsSequence()) {
      error("TH-E-TEST-TYPE", n, "'processes' must be a list of process mappings", item);
      return false;
    }
    bool ok = true;
    for (const auto& p : n) {
      nlohmann::json j = yaml_to_json(p);
      EventProblem problem;
      if (!build_process(j, problem)) {
        error("TH-E-TEST-PROCESS", find_path(p, problem.path), problem.message, item);
        ok = false;
        continue;
      }
      int64_t pid = j.at("pid").get<int64_t>();  // before the move below
      book[pid] = std::move(j);
    }
    return ok;
  }

  void read_root(const YAML::Node& root, TestFile& out) {
    if (!root.IsMap()) {
      d_.error("TH-E-TEST-TYPE", root.IsDefined() && !root.IsNull() ? pos(root) : SourcePos{path_, 1, 1},
               "a rule-test file must be a mapping with a 'cases' list");
      return;
    }
    check_keys(root, kFileKeys, "a rule-test file");
    ProcessBook book;
    if (root["processes"].IsDefined() && !read_processes(root["processes"], book, "")) return;
    const YAML::Node cases = root["cases"];
    if (!cases.IsDefined()) {
      d_.error("TH-E-TEST-MISSING", pos(root), "missing 'cases'");
      return;
    }
    if (!cases.IsSequence() || cases.size() == 0) {
      error("TH-E-TEST-TYPE", cases, "'cases' must be a non-empty list");
      return;
    }
    std::set<std::string> names;
    for (const auto& c : cases) {
      TestCase tc;
      if (read_case(c, book, tc)) {
        if (!names.insert(tc.name).second) {
          error("TH-E-TEST-DUPLICATE", c["name"], "case '" + tc.name + "' is defined twice", tc.name);
          continue;
        }
        out.cases.push_back(std::move(tc));
      }
    }
  }

  bool read_case(const YAML::Node& c, const ProcessBook& file_book, TestCase& tc) {
    if (!c.IsMap()) {
      error("TH-E-TEST-TYPE", c, "each case must be a mapping (- name: ..., events: ..., expect: ...)");
      return false;
    }
    tc.pos = pos(c);
    if (!c["name"].IsDefined()) {
      error("TH-E-TEST-MISSING", c, "a case needs a 'name'");
      return false;
    }
    auto name = string_of(c["name"], "name", "");
    if (!name) return false;
    tc.name = *name;
    const std::string& item = tc.name;
    bool ok = check_keys(c, kCaseKeys, "a case", item);
    if (c["description"].IsDefined() && !c["description"].IsScalar()) {
      error("TH-E-TEST-TYPE", c["description"], "'description' must be a string", item);
      ok = false;
    }
    if (c["fold"].IsDefined()) {
      tc.fold = bool_of(c["fold"], "fold", item);
      ok = ok && tc.fold.has_value();
    }
    if (c["exact"].IsDefined()) {
      auto e = bool_of(c["exact"], "exact", item);
      ok = ok && e.has_value();
      tc.exact = e.value_or(true);
    }
    if (c["fold_window"].IsDefined()) {
      const YAML::Node w = c["fold_window"];
      tc.fold_window_ns = w.IsScalar() ? parse_duration_ns(w.Scalar()) : std::nullopt;
      if (!tc.fold_window_ns || *tc.fold_window_ns == 0) {
        error("TH-E-TEST-TYPE", w, "'fold_window' must be a positive duration such as \"500ms\", "
                                   "\"5s\" or \"2m\"", item);
        ok = false;
      }
    }
    ProcessBook book = file_book;
    if (c["processes"].IsDefined()) ok = read_processes(c["processes"], book, item) && ok;
    for (const auto& [pid, j] : book) {
      EventProblem unused;
      if (auto p = build_process(j, unused)) tc.processes.push_back(std::move(*p));
    }
    ok = read_events(c, book, tc) && ok;
    ok = read_expect(c, tc) && ok;
    return ok;
  }

  bool read_events(const YAML::Node& c, const ProcessBook& book, TestCase& tc) {
    const YAML::Node events = c["events"];
    if (!events.IsDefined()) {
      error("TH-E-TEST-MISSING", c, "missing 'events'", tc.name);
      return false;
    }
    if (!events.IsSequence() || events.size() == 0) {
      error("TH-E-TEST-TYPE", events, "'events' must be a non-empty list of events", tc.name);
      return false;
    }
    bool ok = true;
    uint64_t index = 0;
    for (const auto& ev : events) {
      EventProblem problem;
      auto rec = build_event(yaml_to_json(ev), book, index++, problem);
      if (!rec) {
        error("TH-E-TEST-EVENT", find_path(ev, problem.path), "event: " + problem.message, tc.name);
        ok = false;
        continue;
      }
      tc.events.push_back(std::move(*rec));
      tc.event_pos.push_back(pos(ev));
    }
    return ok;
  }

  bool read_expect(const YAML::Node& c, TestCase& tc) {
    const YAML::Node expect = c["expect"];
    if (!expect.IsDefined()) {
      error("TH-E-TEST-MISSING", c, "missing 'expect' (a list of rules; [] when no rule may fire)",
            tc.name);
      return false;
    }
    if (!expect.IsSequence()) {
      error("TH-E-TEST-TYPE", expect, "'expect' must be a list of {rule, priority} ([] when no "
                                      "rule may fire)", tc.name);
      return false;
    }
    bool ok = true;
    std::set<std::string> rules;
    for (const auto& x : expect) {
      Expectation e;
      if (!read_expectation(x, tc.name, e)) {
        ok = false;
        continue;
      }
      if (!rules.insert(e.rule).second) {
        error("TH-E-TEST-DUPLICATE", x["rule"], "rule '" + e.rule + "' is expected twice", tc.name);
        ok = false;
        continue;
      }
      tc.expect.push_back(std::move(e));
    }
    return ok;
  }

  bool read_expectation(const YAML::Node& x, const std::string& item, Expectation& e) {
    if (!x.IsMap()) {
      error("TH-E-TEST-TYPE", x, "each expectation must be a mapping {rule: ..., priority: ...}", item);
      return false;
    }
    e.pos = pos(x);
    bool ok = check_keys(x, kExpectKeys, "an expectation", item);
    if (!x["rule"].IsDefined()) {
      error("TH-E-TEST-MISSING", x, "an expectation needs a 'rule'", item);
      return false;
    }
    auto rule = string_of(x["rule"], "rule", item);
    if (!rule) return false;
    e.rule = *rule;
    if (x["priority"].IsDefined()) {
      auto p = x["priority"].IsScalar() ? priority_from_name(x["priority"].Scalar()) : std::nullopt;
      if (!p) {
        error("TH-E-TEST-TYPE", x["priority"],
              "invalid priority: use one of EMERGENCY, ALERT, CRITICAL, ERROR, WARNING, NOTICE, "
              "INFORMATIONAL, DEBUG", item);
        ok = false;
      }
      e.priority = p;
    }
    auto count = [&](const char* key, std::optional<uint64_t>& out) {
      if (!x[key].IsDefined()) return;
      out = count_of(x[key], key, item);
      ok = ok && out.has_value();
    };
    count("alerts", e.alerts);
    count("summaries", e.summaries);
    count("folded", e.folded);
    if (x["output_contains"].IsDefined()) {
      const YAML::Node oc = x["output_contains"];
      if (oc.IsScalar()) {
        e.output_contains.push_back(oc.Scalar());
      } else if (oc.IsSequence()) {
        for (const auto& s : oc) {
          if (!s.IsScalar()) {
            error("TH-E-TEST-TYPE", s, "'output_contains' items must be strings", item);
            ok = false;
            continue;
          }
          e.output_contains.push_back(s.Scalar());
        }
      } else {
        error("TH-E-TEST-TYPE", oc, "'output_contains' must be a string or a list of strings", item);
        ok = false;
      }
    }
    return ok;
  }

  std::string path_;
  Diagnostics& d_;
};

}  // namespace

TestFile parse_test_yaml(const std::string& path, const std::string& content, Diagnostics& d) {
  d.add_source(path, content);
  return Parser(path, d).parse(content);
}

TestFile parse_test_file(const std::string& path, Diagnostics& d) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    d.error("TH-E-FILE", {path, 0, 0}, "cannot read rule-test file");
    return {path, {}};
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_test_yaml(path, ss.str(), d);
}

std::vector<std::string> expand_test_paths(const std::vector<std::string>& paths, Diagnostics& d) {
  std::vector<std::string> out;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> files;
      for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::end(it);
           it.increment(ec)) {
        auto ext = it->path().extension().string();
        if (it->is_regular_file(ec) && (ext == ".yaml" || ext == ".yml"))
          files.push_back(it->path().string());
      }
      if (ec) d.error("TH-E-FILE", {p, 0, 0}, "cannot list folder: " + ec.message());
      std::sort(files.begin(), files.end());
      if (files.empty() && !ec)
        d.error("TH-E-FILE", {p, 0, 0}, "folder holds no .yaml or .yml rule-test files");
      out.insert(out.end(), files.begin(), files.end());
    } else if (fs::exists(p, ec)) {
      out.push_back(p);
    } else {
      d.error("TH-E-FILE", {p, 0, 0}, "no such rule-test file or folder");
    }
  }
  return out;
}

}  // namespace th::ruletest
