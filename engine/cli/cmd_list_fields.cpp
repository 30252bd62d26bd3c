// tracehound list-fields [--json|--markdown]: the field registry, as rule authors need it.
#include <iostream>

#include "engine/cli/commands.h"
#include "engine/fields/field_docs.h"

namespace th::cli {

Runner add_list_fields(CLI::App& app) {
  auto* cmd = app.add_subcommand("list-fields", "List the fields conditions and outputs can use");
  auto json = std::make_shared<bool>(false);
  auto md = std::make_shared<bool>(false);
  auto* j = cmd->add_flag("--json", *json, "As JSON");
  cmd->add_flag("--markdown", *md, "As a Markdown table (the generated docs)")->excludes(j);
  return [json, md]() {
    const auto& r = FieldRegistry::builtin();
    std::cout << (*json ? fields_as_json(r) : *md ? fields_as_markdown(r) : fields_as_text(r));
    return 0;
  };
}

}  // namespace th::cli
