// The diagnostic catalogue against the code that uses it and the docs generated from it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "engine/core/diagnostic_codes.h"

namespace th {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every "TH-X-NAME" string literal in the engine's and the probe loader's sources.
std::set<std::string> codes_in_sources() {
  std::set<std::string> out;
  const std::regex code(R"re("(TH-[A-Z]-[A-Z0-9]+(-[A-Z0-9]+)*)")re");
  for (const char* dir : {"engine", "probe"}) {
    for (const auto& e : fs::recursive_directory_iterator(fs::path(TH_SOURCE_DIR) / dir)) {
      auto ext = e.path().extension();
      if (!e.is_regular_file() || (ext != ".cpp" && ext != ".h")) continue;
      if (e.path().filename() == "diagnostic_codes.h") continue;
      std::string text = read_file(e.path());
      for (std::sregex_iterator it(text.begin(), text.end(), code), end; it != end; ++it)
        out.insert((*it)[1].str());
    }
  }
  return out;
}

TEST(DiagnosticCodes, AreUniqueAndWellFormed) {
  std::set<std::string_view> seen;
  for (const auto& c : kDiagnosticCodes) {
    EXPECT_TRUE(seen.insert(c.code).second) << c.code << " is listed twice";
    EXPECT_TRUE(c.code.starts_with("TH-")) << c.code;
    // W codes are warnings, and only they.
    EXPECT_EQ(c.code.substr(0, 5) == "TH-W-", c.severity == Severity::warning) << c.code;
    EXPECT_FALSE(c.summary.empty()) << c.code;
    EXPECT_FALSE(c.summary.ends_with(".")) << c.code;
    EXPECT_TRUE(c.description.ends_with(".")) << c.code;
  }
}

TEST(DiagnosticCodes, CatalogueEveryCodeTheSourcesUseAndNoOther) {
  std::set<std::string> used = codes_in_sources();
  for (const auto& code : used)
    EXPECT_TRUE(find_diagnostic_code(code)) << code << " is used but not in the catalogue";
  for (const auto& c : kDiagnosticCodes)
    EXPECT_TRUE(used.count(std::string(c.code))) << c.code << " is catalogued but never used";
}

TEST(DiagnosticCodes, CompileTimeCheckedCodesCarryTheirSeverity) {
  constexpr DiagCode any = "TH-W-UNUSED-MACRO";
  constexpr ErrorCode error = "TH-E-UNKNOWN-FIELD";
  constexpr WarningCode warning = "TH-W-UNUSED-LIST";
  static_assert(any.severity() == Severity::warning);
  static_assert(error.severity() == Severity::error);
  static_assert(warning.code() == "TH-W-UNUSED-LIST");
  EXPECT_EQ(error.info().summary, find_diagnostic_code("TH-E-UNKNOWN-FIELD")->summary);
}

TEST(DiagnosticCodes, DocsAreCurrent) {
  std::string docs = read_file(fs::path(TH_SOURCE_DIR) / "docs/diagnostics.md");
  std::string generated = diagnostic_codes_markdown();
  if (std::getenv("TH_UPDATE_DOCS")) {
    std::ofstream(fs::path(TH_SOURCE_DIR) / "docs/diagnostics.md", std::ios::binary) << generated;
    docs = generated;
  }
  EXPECT_EQ(docs, generated) << "docs/diagnostics.md is stale; regenerate it with: "
                                "TH_UPDATE_DOCS=1 build/tests/test_core "
                                "--gtest_filter=DiagnosticCodes.DocsAreCurrent";
}

}  // namespace
}  // namespace th
