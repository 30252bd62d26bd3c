#include "engine/rules/collector.h"

#include <algorithm>
#include <charconv>

namespace th::rules {

Text join_text(const Text& a, const Text& b) {
  Text out = a;
  if (out.value.empty()) return b;
  for (auto& s : out.segments)
    if (s.file.empty()) s.file = a.file;
  uint32_t shift = static_cast<uint32_t>(a.value.size() + 1);
  out.value += ' ';
  out.value += b.value;
  for (auto s : b.segments) {
    s.offset += shift;
    if (s.file.empty()) s.file = b.file;
    out.segments.push_back(std::move(s));
  }
  return out;
}

void Collector::add(const RulesFile& file) {
  for (const Item& item : file.items) {
    switch (item.kind) {
      case Item::Kind::list: list(item.list); break;
      case Item::Kind::macro: macro(item.macro); break;
      case Item::Kind::rule: rule(item.rule); break;
      case Item::Kind::engine_version: engine_version(item.engine_version); break;
      case Item::Kind::plugin_versions: break;
    }
  }
}

void Collector::engine_version(const EngineVersionItem& v) {
  // Falco accepts a bare number N (meaning 0.N.0) or a semver string.
  int parts[3] = {0, 0, 0};
  const std::string& s = v.version.value;
  bool ok = true;
  if (s.find('.') == std::string::npos) {
    auto r = std::from_chars(s.data(), s.data() + s.size(), parts[1]);
    ok = r.ec == std::errc() && r.ptr == s.data() + s.size();
  } else {
    std::size_t start = 0;
    for (int i = 0; i < 3 && ok; ++i) {
      std::size_t dot = s.find('.', start);
      std::size_t end = (i < 2) ? dot : s.size();
      if (end == std::string::npos) {
        ok = false;
        break;
      }
      auto r = std::from_chars(s.data() + start, s.data() + end, parts[i]);
      ok = r.ec == std::errc() && r.ptr == s.data() + end;
      start = end + 1;
    }
  }
  if (!ok) {
    diags_.error("TH-E-ENGINE-VERSION", v.version.pos,
                 "cannot parse required_engine_version '" + s + "' (expected N or x.y.z)",
                 "required_engine_version", "");
    return;
  }
  int have[3] = {kEngineVersionMajor, kEngineVersionMinor, kEngineVersionPatch};
  if (std::lexicographical_compare(have, have + 3, parts, parts + 3)) {
    diags_.error("TH-E-ENGINE-VERSION", v.version.pos,
                 "this file requires engine version " + s + "; tracehound implements " +
                     std::to_string(have[0]) + "." + std::to_string(have[1]) + "." +
                     std::to_string(have[2]),
                 "required_engine_version", "");
  }
}

void Collector::list(const ListItem& l) {
  auto it = out_.list_index.find(l.name.value);
  if (l.append) {
    if (it == out_.list_index.end()) {
      diags_.error("TH-E-DANGLING-OVERRIDE", l.pos,
                   "appends to list '" + l.name.value + "', which is not defined before it",
                   "list", l.name.value);
      return;
    }
    auto& items = out_.lists[it->second].items;
    items.insert(items.end(), l.items.begin(), l.items.end());
    return;
  }
  if (l.overrides.present && it == out_.list_index.end()) {
    diags_.error("TH-E-DANGLING-OVERRIDE", l.pos,
                 "overrides list '" + l.name.value + "', which is not defined before it", "list",
                 l.name.value);
    return;
  }
  CollectedList c{l.name.value, l.pos, l.items};
  if (it == out_.list_index.end()) {
    out_.list_index[c.name] = out_.lists.size();
    out_.lists.push_back(std::move(c));
  } else {
    out_.lists[it->second] = std::move(c);
  }
}

void Collector::macro(const MacroItem& m) {
  auto it = out_.macro_index.find(m.name.value);
  if (m.append) {
    if (it == out_.macro_index.end()) {
      diags_.error("TH-E-DANGLING-OVERRIDE", m.pos,
                   "appends to macro '" + m.name.value + "', which is not defined before it",
                   "macro", m.name.value);
      return;
    }
    auto& existing = out_.macros[it->second];
    existing.condition = join_text(existing.condition, m.condition);
    return;
  }
  if (m.overrides.present && it == out_.macro_index.end()) {
    diags_.error("TH-E-DANGLING-OVERRIDE", m.pos,
                 "overrides macro '" + m.name.value + "', which is not defined before it",
                 "macro", m.name.value);
    return;
  }
  CollectedMacro c{m.name.value, m.pos, m.condition};
  if (it == out_.macro_index.end()) {
    out_.macro_index[c.name] = out_.macros.size();
    out_.macros.push_back(std::move(c));
  } else {
    out_.macros[it->second] = std::move(c);
  }
}

void Collector::rule(const RuleItem& r) {
  auto it = out_.rule_index.find(r.name.value);
  bool updates = r.append || r.overrides.present;
  bool enable_only = !r.condition && !r.output && !r.desc && !r.priority && !updates;
  if (updates || enable_only) {
    if (it == out_.rule_index.end()) {
      diags_.error("TH-E-DANGLING-OVERRIDE", r.pos,
                   std::string(enable_only ? "sets 'enabled' of" : "overrides") + " rule '" +
                       r.name.value + "', which is not defined before it",
                   "rule", r.name.value);
      return;
    }
    if (enable_only) {
      if (!r.enabled) {
        diags_.error("TH-E-MISSING-KEY", r.pos,
                     "missing 'condition', 'output', 'desc' and 'priority'", "rule",
                     r.name.value);
        return;
      }
      diags_.warning("TH-W-DEPRECATED-ENABLED", r.enabled->pos,
                     "a rule item with only 'enabled' is deprecated; use "
                     "'override: {enabled: replace}'",
                     "rule", r.name.value);
      out_.rules[it->second].enabled = r.enabled->value;
      return;
    }
    update_rule(r, out_.rules[it->second]);
    return;
  }
  define_rule(r);
}

void Collector::define_rule(const RuleItem& r) {
  const std::string& n = r.name.value;
  bool ok = true;
  auto require = [&](bool present, const char* key) {
    if (!present) {
      diags_.error("TH-E-MISSING-KEY", r.pos, std::string("missing '") + key + "'", "rule", n);
      ok = false;
    }
  };
  require(r.condition.has_value(), "condition");
  require(r.output.has_value(), "output");
  require(r.desc.has_value(), "desc");
  require(r.priority.has_value(), "priority");
  if (!ok) return;
  CollectedRule c;
  c.name = n;
  c.pos = r.pos;
  c.condition = *r.condition;
  c.output = *r.output;
  c.desc = r.desc->value;
  auto p = priority_from_name(r.priority->value);
  if (!p) {
    diags_.error("TH-E-BAD-PRIORITY", r.priority->pos,
                 "invalid priority '" + r.priority->value +
                     "': use one of EMERGENCY, ALERT, CRITICAL, ERROR, WARNING, NOTICE, "
                     "INFORMATIONAL, DEBUG",
                 "rule", n);
    return;
  }
  c.priority = *p;
  if (r.tags)
    for (const auto& t : *r.tags) c.tags.push_back(t.value);
  if (r.enabled) c.enabled = r.enabled->value;
  if (r.exceptions) c.exceptions = *r.exceptions;
  if (r.source) c.source = r.source->value;
  if (r.warn_evttypes) c.warn_evttypes = r.warn_evttypes->value;
  if (r.skip_if_unknown_filter) c.skip_if_unknown_filter = r.skip_if_unknown_filter->value;
  if (r.fold) c.fold = r.fold->value;
  set_action(r, c);
  if (r.action_unless) c.action_unless = *r.action_unless;
  auto it = out_.rule_index.find(n);
  if (it == out_.rule_index.end()) {
    out_.rule_index[n] = out_.rules.size();
    out_.rules.push_back(std::move(c));
  } else {
    out_.rules[it->second] = std::move(c);  // Falco: a redefinition replaces, in place
  }
}

void Collector::update_rule(const RuleItem& r, CollectedRule& c) {
  const std::string& n = r.name.value;
  auto appends = [&](const char* key) { return r.append || r.overrides.has(key, OverrideOp::append); };
  auto replaces = [&](const char* key) { return r.overrides.has(key, OverrideOp::replace); };

  if (r.condition) {
    if (appends("condition")) c.condition = join_text(c.condition, *r.condition);
    else if (replaces("condition")) c.condition = *r.condition;
  }
  if (r.output) {
    if (appends("output")) c.output = join_text(c.output, *r.output);
    else if (replaces("output")) c.output = *r.output;
  }
  if (r.desc) {
    if (appends("desc")) c.desc += " " + r.desc->value;
    else if (replaces("desc")) c.desc = r.desc->value;
  }
  if (r.tags) {
    if (replaces("tags")) c.tags.clear();
    for (const auto& t : *r.tags)
      if (std::find(c.tags.begin(), c.tags.end(), t.value) == c.tags.end())
        c.tags.push_back(t.value);
  }
  if (r.exceptions) {
    if (replaces("exceptions")) {
      c.exceptions = *r.exceptions;
    } else {
      // Appending merges values into an exception of the same name, or adds a new one.
      for (const auto& ex : *r.exceptions) {
        auto same = std::find_if(c.exceptions.begin(), c.exceptions.end(),
                                 [&](const ExceptionItem& e) { return e.name.value == ex.name.value; });
        if (same == c.exceptions.end()) {
          if (!ex.fields) {
            diags_.error("TH-E-BAD-EXCEPTION", ex.pos,
                         "appended exception '" + ex.name.value +
                             "' is new to the rule, so it needs 'fields'",
                         "rule", n);
            continue;
          }
          c.exceptions.push_back(ex);
        } else {
          same->values.insert(same->values.end(), ex.values.begin(), ex.values.end());
        }
      }
    }
  }
  if (r.priority && replaces("priority")) {
    auto p = priority_from_name(r.priority->value);
    if (!p)
      diags_.error("TH-E-BAD-PRIORITY", r.priority->pos,
                   "invalid priority '" + r.priority->value + "'", "rule", n);
    else
      c.priority = *p;
  }
  if (r.enabled && replaces("enabled")) c.enabled = r.enabled->value;
  if (r.warn_evttypes && replaces("warn_evttypes")) c.warn_evttypes = r.warn_evttypes->value;
  if (r.skip_if_unknown_filter && replaces("skip-if-unknown-filter"))
    c.skip_if_unknown_filter = r.skip_if_unknown_filter->value;
  if (r.fold && replaces("fold")) c.fold = r.fold->value;
  if (r.action && replaces("action")) set_action(r, c);
  if (r.action_unless && replaces("action_unless")) c.action_unless = *r.action_unless;
}

void Collector::set_action(const RuleItem& r, CollectedRule& c) {
  if (!r.action) return;
  auto a = rule_action_from_name(r.action->value);
  if (!a) {
    diags_.error("TH-E-BAD-ACTION", r.action->pos,
                 "invalid action '" + r.action->value + "': use kill or none", "rule",
                 r.name.value);
    return;
  }
  c.action = *a;
  c.action_pos = r.action->pos;
}

}  // namespace th::rules
