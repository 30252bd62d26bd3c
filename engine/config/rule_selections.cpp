// The config's `rules:` list (Falco 0.38+): each entry is `enable:` or `disable:` with one of
// `rule:` (a name, `*` wildcards allowed) or `tag:`. Read in order; shape errors at file:line:col.
#include "engine/config/yaml_reader.h"

namespace th::config_detail {
namespace {

void read_entry(YamlReader& r, const YAML::Node& item, const std::string& where,
                std::vector<RuleSelection>& out) {
  if (!r.check_map(item, where, {"enable", "disable"})) return;
  if (item.size() != 1) {
    r.bad_value(item, where, "each entry has exactly one of enable or disable");
    return;
  }
  const bool enable = item["enable"].IsDefined();
  const char* verb = enable ? "enable" : "disable";
  YAML::Node what = item[verb];
  const std::string inner = where + "." + verb;
  if (!r.check_map(what, inner, {"rule", "tag"})) return;
  if (what.size() != 1) {
    r.bad_value(what, inner, "name exactly one of rule (a name or pattern) or tag");
    return;
  }
  const bool by_tag = what["tag"].IsDefined();
  YAML::Node value = what[by_tag ? "tag" : "rule"];
  auto text = r.scalar(value, inner + (by_tag ? ".tag" : ".rule"),
                       by_tag ? "a tag" : "a rule name or pattern");
  if (!text) return;
  if (text->empty()) {
    r.bad_value(value, inner, "the rule name or tag is empty");
    return;
  }
  out.push_back(RuleSelection{enable, by_tag, *text, r.pos(value)});
}

}  // namespace

void read_rule_selections(YamlReader& r, const YAML::Node& n, std::vector<RuleSelection>& out) {
  if (!n.IsSequence()) {
    r.bad_type(n, "rules", "a list of {enable: {rule|tag: ...}} or {disable: {...}} entries");
    return;
  }
  for (std::size_t i = 0; i < n.size(); ++i)
    read_entry(r, n[i], "rules[" + std::to_string(i) + "]", out);
}

}  // namespace th::config_detail
