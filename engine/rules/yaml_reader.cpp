#include "engine/rules/yaml_reader.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include "engine/core/closest_name.h"
#include "engine/rules/rule_keys.h"
#include "engine/rules/scalar_text.h"

namespace th::rules {
namespace {

using keys::contains;
using keys::Keys;

// A YAML stream split into its documents: a line starting with "---" or "..." followed by a
// blank or the end of the line is a document marker wherever it appears (YAML 1.2, 9.1). Each
// document keeps its place: it is preceded by as many newlines as lines came before it, so that
// yaml-cpp's marks are positions in the whole file.
std::vector<std::string> split_documents(const std::string& content) {
  std::vector<std::string> docs;
  std::string current;
  std::size_t line = 0, doc_first_line = 0;
  auto is_marker = [](std::string_view l, std::string_view m) {
    return l.substr(0, 3) == m && (l.size() == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\r');
  };
  auto flush = [&]() {
    if (current.find_first_not_of(" \t\r\n") != std::string::npos)
      docs.push_back(std::string(doc_first_line, '\n') + current);
    current.clear();
  };
  std::size_t start = 0;
  while (start < content.size()) {
    std::size_t nl = content.find('\n', start);
    std::size_t end = nl == std::string::npos ? content.size() : nl;
    std::string_view l(content.data() + start, end - start);
    if (is_marker(l, "---")) {
      flush();
      doc_first_line = line;
    } else if (is_marker(l, "...")) {
      flush();
      doc_first_line = line + 1;
      start = end + 1;
      ++line;
      continue;
    }
    current.append(l);
    current.push_back('\n');
    start = end + 1;
    ++line;
  }
  flush();
  return docs;
}

// Lines that are not blank, not comments and not document markers.
bool content_line(std::string_view l) {
  std::size_t i = l.find_first_not_of(" \t\r");
  if (i == std::string_view::npos || l[i] == '#') return false;
  return !(l.substr(i, 3) == "---" || l.substr(i, 3) == "...") || i != 0;
}

bool has_content(const std::string& doc) {
  std::size_t start = 0;
  while (start < doc.size()) {
    std::size_t nl = doc.find('\n', start);
    std::size_t end = nl == std::string::npos ? doc.size() : nl;
    std::string_view l(doc.data() + start, end - start);
    if (content_line(l) && l.find_first_not_of("-. \t\r") != std::string_view::npos) return true;
    start = end + 1;
  }
  return false;
}

uint32_t first_content_line(const std::string& doc) {
  uint32_t line = 1;
  std::size_t start = 0;
  while (start < doc.size()) {
    std::size_t nl = doc.find('\n', start);
    std::size_t end = nl == std::string::npos ? doc.size() : nl;
    if (content_line(std::string_view(doc.data() + start, end - start))) return line;
    start = end + 1;
    ++line;
  }
  return 1;
}

class Reader {
 public:
  Reader(const std::string& path, const std::string& content, Diagnostics& diags)
      : path_(path), lines_(content), diags_(diags) {
    diags_.add_source(path, content);
  }

  RulesFile read(const std::string& content) {
    RulesFile out;
    out.path = path_;
    std::vector<YAML::Node> docs;
    try {
      // Not YAML::LoadAll: yaml-cpp 0.7 loops forever, allocating, on some malformed streams
      // (a lone "," is enough). Documents are split here and each is loaded on its own.
      for (const std::string& doc : split_documents(content)) {
        YAML::Node node = YAML::Load(doc);
        // yaml-cpp reads some stray text (a lone ",") as an empty document: say so.
        if (node.IsNull() && has_content(doc)) {
          diags_.error("TH-E-YAML", {path_, first_content_line(doc), 1},
                       "invalid YAML: this document holds no value yaml can read");
          continue;
        }
        docs.push_back(node);
      }
    } catch (const YAML::ParserException& e) {
      diags_.error("TH-E-YAML", {path_, static_cast<uint32_t>(e.mark.line + 1),
                                 static_cast<uint32_t>(e.mark.column + 1)},
                   "invalid YAML: " + e.msg);
      return out;
    } catch (const std::exception& e) {
      diags_.error("TH-E-YAML", {path_, 0, 0}, std::string("invalid YAML: ") + e.what());
      return out;
    }
    for (const auto& doc : docs) {
      if (!doc.IsDefined() || doc.IsNull()) continue;
      if (!doc.IsSequence()) {
        error("TH-E-BAD-TYPE", doc, "a rules file must be a YAML sequence of items "
                                    "(- rule: ..., - macro: ..., - list: ...)");
        continue;
      }
      for (const auto& node : doc) {
        if (node.IsNull()) continue;
        try {
          read_item(node, out);
        } catch (const YAML::Exception& e) {
          // yaml-cpp throws on conversions we did not guard; report, never crash.
          diags_.error("TH-E-BAD-TYPE", {path_, static_cast<uint32_t>(e.mark.line + 1),
                                         static_cast<uint32_t>(e.mark.column + 1)},
                       "unexpected value: " + e.msg);
        }
      }
    }
    return out;
  }

 private:
  SourcePos pos(const YAML::Node& n) const {
    auto m = n.Mark();
    if (m.line < 0) return {path_, 0, 0};
    return {path_, static_cast<uint32_t>(m.line + 1), static_cast<uint32_t>(m.column + 1)};
  }

  void error(ErrorCode code, const YAML::Node& n, std::string msg, std::string kind = {},
             std::string name = {}) {
    diags_.error(code, pos(n), std::move(msg), std::move(kind), std::move(name));
  }
  void warning(WarningCode code, const YAML::Node& n, std::string msg, std::string kind = {},
               std::string name = {}) {
    diags_.warning(code, pos(n), std::move(msg), std::move(kind), std::move(name));
  }

  // Unknown and duplicate keys of a mapping; returns false when the item should be skipped.
  bool check_keys(const YAML::Node& map, Keys allowed,
                  const std::string& kind, const std::string& name) {
    std::set<std::string> seen;
    bool ok = true;
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (!it->first.IsScalar()) {
        error("TH-E-BAD-TYPE", it->first, "keys must be plain strings", kind, name);
        ok = false;
        continue;
      }
      std::string key = it->first.Scalar();
      if (!seen.insert(key).second) {
        error("TH-E-DUPLICATE-KEY", it->first, "key '" + key + "' appears twice", kind, name);
        ok = false;
      }
      if (!contains(allowed, key)) {
        error("TH-E-UNKNOWN-KEY", it->first, "unknown key '" + key + "'" + did_you_mean(key, allowed),
              kind, name);
        ok = false;
      }
    }
    return ok;
  }

  std::optional<Located<std::string>> string_value(const YAML::Node& item, const char* key,
                                                   const std::string& kind,
                                                   const std::string& name, bool required) {
    const YAML::Node v = item[key];
    if (!v.IsDefined()) {
      if (required) error("TH-E-MISSING-KEY", item, std::string("missing '") + key + "'", kind, name);
      return std::nullopt;
    }
    if (!v.IsScalar() || v.Scalar().empty()) {
      error("TH-E-BAD-TYPE", v, std::string("'") + key + "' must be a non-empty string", kind,
            name);
      return std::nullopt;
    }
    return Located<std::string>{v.Scalar(), pos(v)};
  }

  std::optional<Text> text_value(const YAML::Node& item, const char* key, const std::string& kind,
                                 const std::string& name, bool required) {
    const YAML::Node v = item[key];
    if (!v.IsDefined()) {
      if (required) error("TH-E-MISSING-KEY", item, std::string("missing '") + key + "'", kind, name);
      return std::nullopt;
    }
    if (!v.IsScalar()) {
      error("TH-E-BAD-TYPE", v, std::string("'") + key + "' must be a string", kind, name);
      return std::nullopt;
    }
    return locate_scalar(path_, lines_, v.Scalar(), v.Mark().line, v.Mark().column);
  }

  std::optional<Located<bool>> bool_value(const YAML::Node& item, const char* key,
                                          const std::string& kind, const std::string& name) {
    const YAML::Node v = item[key];
    if (!v.IsDefined()) return std::nullopt;
    bool b = false;
    if (!v.IsScalar() || !YAML::convert<bool>::decode(v, b)) {
      error("TH-E-BAD-TYPE", v, std::string("'") + key + "' must be true or false", kind, name);
      return std::nullopt;
    }
    return Located<bool>{b, pos(v)};
  }

  Overrides overrides(const YAML::Node& item, Keys appendable, Keys replaceable,
                      const std::string& kind,
                      const std::string& name) {
    Overrides o;
    const YAML::Node v = item["override"];
    if (!v.IsDefined()) return o;
    o.present = true;
    if (!v.IsMap()) {
      error("TH-E-BAD-OVERRIDE", v, "'override' must map keys to append or replace", kind, name);
      return o;
    }
    std::set<std::string> seen;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (!it->first.IsScalar() || !it->second.IsScalar()) {
        error("TH-E-BAD-OVERRIDE", it->first, "'override' entries must be key: append|replace",
              kind, name);
        continue;
      }
      std::string key = it->first.Scalar();
      std::string op = it->second.Scalar();
      if (!seen.insert(key).second) {
        error("TH-E-DUPLICATE-OVERRIDE", it->first,
              "override for '" + key + "' is given twice", kind, name);
        continue;
      }
      bool can_append = contains(appendable, key), can_replace = contains(replaceable, key);
      if (op == "append") {
        if (!can_append) {
          error("TH-E-BAD-OVERRIDE", it->first,
                "'" + key + "' cannot be appended to" + (can_replace ? ", use replace" : ""),
                kind, name);
          continue;
        }
        o.keys[key] = {OverrideOp::append, pos(it->first)};
      } else if (op == "replace") {
        if (!can_replace) {
          error("TH-E-BAD-OVERRIDE", it->first, "'" + key + "' cannot be overridden", kind, name);
          continue;
        }
        o.keys[key] = {OverrideOp::replace, pos(it->first)};
      } else {
        error("TH-E-BAD-OVERRIDE", it->second,
              "invalid override operation '" + op + "' for '" + key +
                  "': use append or replace",
              kind, name);
      }
    }
    // Every overridden key needs a value, and every value of an override item needs an entry.
    for (const auto& [key, op] : o.keys)
      if (!item[key].IsDefined())
        diags_.error("TH-E-BAD-OVERRIDE", op.pos,
                     "an override for '" + key + "' is given but '" + key + "' is not", kind,
                     name);
    for (auto it = item.begin(); it != item.end(); ++it) {
      std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
      bool overridable = contains(appendable, key) || contains(replaceable, key);
      if (overridable && !o.keys.count(key))
        error("TH-E-BAD-OVERRIDE", it->first,
              "'" + key + "' has a value but no entry under 'override'", kind, name);
    }
    return o;
  }

  void read_item(const YAML::Node& node, RulesFile& out) {
    if (!node.IsMap()) {
      error("TH-E-BAD-TYPE", node, "each item must be a mapping (- rule: ..., - macro: ..., "
                                   "- list: ...)");
      return;
    }
    Item item{};
    if (node["required_engine_version"].IsDefined()) {
      item.kind = Item::Kind::engine_version;
      check_keys(node, keys::kEngineVersion, "required_engine_version", "");
      auto v = string_value(node, "required_engine_version", "required_engine_version", "", true);
      if (!v) return;
      item.engine_version.version = *v;
      item.engine_version.pos = pos(node);
    } else if (node["required_plugin_versions"].IsDefined()) {
      item.kind = Item::Kind::plugin_versions;
      warning("TH-W-PLUGINS", node,
              "required_plugin_versions: tracehound has no plugins; rules that need plugin "
              "fields will report them as unknown");
    } else if (node["list"].IsDefined()) {
      if (!read_list(node, item.list)) return;
      item.kind = Item::Kind::list;
    } else if (node["macro"].IsDefined()) {
      if (!read_macro(node, item.macro)) return;
      item.kind = Item::Kind::macro;
    } else if (node["rule"].IsDefined()) {
      if (!read_rule(node, item.rule)) return;
      item.kind = Item::Kind::rule;
    } else {
      error("TH-E-UNKNOWN-ITEM", node,
            "unknown item: expected one of rule, macro, list, required_engine_version, "
            "required_plugin_versions");
      return;
    }
    out.items.push_back(std::move(item));
  }

  bool read_list(const YAML::Node& node, ListItem& l) {
    auto name = string_value(node, "list", "list", "", true);
    if (!name) return false;
    l.name = *name;
    l.pos = pos(node);
    const std::string& n = l.name.value;
    bool ok = check_keys(node, keys::kList, "list", n);
    if (n.find_first_of("()\"' \t\r\n=,") != std::string::npos) {
      error("TH-E-BAD-NAME", node["list"], "list names cannot contain spaces, quotes, "
                                           "parentheses, '=' or ','", "list", n);
      ok = false;
    }
    const YAML::Node items = node["items"];
    if (!items.IsDefined()) {
      error("TH-E-MISSING-KEY", node, "missing 'items'", "list", n);
      return false;
    }
    if (!items.IsSequence()) {
      error("TH-E-BAD-TYPE", items, "'items' must be a sequence", "list", n);
      return false;
    }
    for (const auto& i : items) {
      if (!i.IsScalar()) {
        error("TH-E-BAD-TYPE", i, "list items must be strings", "list", n);
        ok = false;
        continue;
      }
      l.items.push_back(locate_scalar(path_, lines_, i.Scalar(), i.Mark().line, i.Mark().column));
    }
    auto append = bool_value(node, "append", "list", n);
    l.overrides = overrides(node, keys::kListOverridable, keys::kListOverridable, "list", n);
    if (append && append->value) {
      warning("TH-W-DEPRECATED-APPEND", node["append"],
              "'append: true' is deprecated; use 'override: {items: append}'", "list", n);
      if (l.overrides.present)
        error("TH-E-BAD-OVERRIDE", node["append"], "'append' and 'override' cannot be combined",
              "list", n);
    }
    l.append = (append && append->value) || l.overrides.has("items", OverrideOp::append);
    return ok;
  }

  bool read_macro(const YAML::Node& node, MacroItem& m) {
    auto name = string_value(node, "macro", "macro", "", true);
    if (!name) return false;
    m.name = *name;
    m.pos = pos(node);
    const std::string& n = m.name.value;
    bool ok = check_keys(node, keys::kMacro, "macro", n);
    bool ident = !n.empty() && std::isalpha(static_cast<unsigned char>(n[0]));
    for (char c : n) ident = ident && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
    if (!ident) {
      error("TH-E-BAD-NAME", node["macro"],
            "macro names must start with a letter and hold only letters, digits and '_'",
            "macro", n);
      ok = false;
    }
    auto cond = text_value(node, "condition", "macro", n, true);
    if (!cond) return false;
    m.condition = std::move(*cond);
    auto append = bool_value(node, "append", "macro", n);
    m.overrides = overrides(node, keys::kMacroOverridable, keys::kMacroOverridable, "macro", n);
    if (append && append->value) {
      warning("TH-W-DEPRECATED-APPEND", node["append"],
              "'append: true' is deprecated; use 'override: {condition: append}'", "macro", n);
      if (m.overrides.present)
        error("TH-E-BAD-OVERRIDE", node["append"], "'append' and 'override' cannot be combined",
              "macro", n);
    }
    m.append = (append && append->value) || m.overrides.has("condition", OverrideOp::append);
    return ok;
  }

  std::optional<ExceptionValue> exception_value(const YAML::Node& v, const std::string& name) {
    ExceptionValue out;
    out.pos = pos(v);
    if (v.IsScalar()) {
      out.item = locate_scalar(path_, lines_, v.Scalar(), v.Mark().line, v.Mark().column);
      return out;
    }
    if (v.IsSequence()) {
      out.is_list = true;
      for (const auto& i : v) {
        auto sub = exception_value(i, name);
        if (!sub) return std::nullopt;
        out.items.push_back(std::move(*sub));
      }
      return out;
    }
    error("TH-E-BAD-TYPE", v, "exception values must be strings or lists", "rule", name);
    return std::nullopt;
  }

  std::optional<std::vector<ExceptionItem>> exceptions(const YAML::Node& node,
                                                       const std::string& rule) {
    const YAML::Node exs = node["exceptions"];
    if (!exs.IsDefined()) return std::nullopt;
    std::vector<ExceptionItem> out;
    if (exs.IsNull()) return out;
    if (!exs.IsSequence()) {
      error("TH-E-BAD-TYPE", exs, "'exceptions' must be a sequence", "rule", rule);
      return std::nullopt;
    }
    std::set<std::string> names;
    for (const auto& ex : exs) {
      if (!ex.IsMap()) {
        error("TH-E-BAD-TYPE", ex, "each exception must be a mapping", "rule", rule);
        continue;
      }
      check_keys(ex, keys::kException, "rule", rule);
      auto name = string_value(ex, "name", "rule", rule, true);
      if (!name) continue;
      if (!names.insert(name->value).second) {
        error("TH-E-DUPLICATE-EXCEPTION", ex["name"],
              "exception '" + name->value + "' is defined twice", "rule", rule);
        continue;
      }
      ExceptionItem item;
      item.name = *name;
      item.pos = pos(ex);
      if (ex["fields"].IsDefined()) item.fields = exception_value(ex["fields"], rule);
      if (ex["comps"].IsDefined()) item.comps = exception_value(ex["comps"], rule);
      if (ex["values"].IsDefined()) {
        if (!ex["values"].IsSequence()) {
          error("TH-E-BAD-TYPE", ex["values"], "exception 'values' must be a sequence", "rule",
                rule);
          continue;
        }
        for (const auto& v : ex["values"]) {
          auto val = exception_value(v, rule);
          if (val) item.values.push_back(std::move(*val));
        }
      }
      out.push_back(std::move(item));
    }
    return out;
  }

  bool read_rule(const YAML::Node& node, RuleItem& r) {
    auto name = string_value(node, "rule", "rule", "", true);
    if (!name) return false;
    r.name = *name;
    r.pos = pos(node);
    const std::string& n = r.name.value;
    bool ok = check_keys(node, keys::kRule, "rule", n);
    auto append = bool_value(node, "append", "rule", n);
    r.append = append && append->value;
    r.overrides = overrides(node, keys::kRuleAppendable, keys::kRuleReplaceable, "rule", n);
    if (r.append) {
      warning("TH-W-DEPRECATED-APPEND", node["append"],
              "'append: true' is deprecated; use 'override: {condition: append}'", "rule", n);
      if (r.overrides.present)
        error("TH-E-BAD-OVERRIDE", node["append"], "'append' and 'override' cannot be combined",
              "rule", n);
    }
    r.condition = text_value(node, "condition", "rule", n, false);
    r.output = text_value(node, "output", "rule", n, false);
    r.desc = string_value(node, "desc", "rule", n, false);
    r.priority = string_value(node, "priority", "rule", n, false);
    r.source = string_value(node, "source", "rule", n, false);
    r.enabled = bool_value(node, "enabled", "rule", n);
    r.warn_evttypes = bool_value(node, "warn_evttypes", "rule", n);
    r.skip_if_unknown_filter = bool_value(node, "skip-if-unknown-filter", "rule", n);
    r.fold = bool_value(node, "fold", "rule", n);
    r.action = string_value(node, "action", "rule", n, false);
    r.action_unless = text_value(node, "action_unless", "rule", n, false);
    r.exceptions = exceptions(node, n);
    const YAML::Node tags = node["tags"];
    if (tags.IsDefined()) {
      if (!tags.IsSequence()) {
        error("TH-E-BAD-TYPE", tags, "'tags' must be a sequence of strings", "rule", n);
        ok = false;
      } else {
        std::vector<Located<std::string>> t;
        for (const auto& tag : tags) {
          if (!tag.IsScalar()) {
            error("TH-E-BAD-TYPE", tag, "tags must be strings", "rule", n);
            ok = false;
            continue;
          }
          t.push_back({tag.Scalar(), pos(tag)});
        }
        r.tags = std::move(t);
      }
    }
    return ok;
  }

  std::string path_;
  FileLines lines_;
  Diagnostics& diags_;
};

}  // namespace

RulesFile read_rules_yaml(const std::string& path, const std::string& content, Diagnostics& diags) {
  Reader r(path, content, diags);
  return r.read(content);
}

RulesFile read_rules_file(const std::string& path, Diagnostics& diags) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diags.error("TH-E-FILE", {path, 0, 0}, "cannot read rules file");
    return {path, {}};
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return read_rules_yaml(path, ss.str(), diags);
}

}  // namespace th::rules
