// The engine's layering, checked against what engine/CMakeLists.txt declares: each library
// (engine/<area> -> th_<area>) includes only its own headers and the headers of the libraries it
// declares as dependencies, never one they declare private, and nothing of probe/ (the command in
// engine/cli, which links the probe loader, is the one exception, and declares it). The
// declarations reach this test as a file written at configure time (TH_LAYERS_FILE); the sources
// are read from TH_SOURCE_DIR.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct Library {
  std::set<std::string> deps;            // areas it may include ("probe" for the loader)
  std::set<std::string> private_headers;  // paths from the source root: engine/<area>/x.h
};

// Lines of the layers file: "<area> deps <area>..." and "<area> private <header>...".
std::map<std::string, Library> read_layers() {
  std::map<std::string, Library> libs;
  std::ifstream in(TH_LAYERS_FILE);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string area, kind, item;
    if (!(words >> area >> kind)) continue;
    Library& lib = libs[area];
    while (words >> item) (kind == "deps" ? lib.deps : lib.private_headers).insert(item);
  }
  return libs;
}

struct Include {
  std::string file;  // the including source, from the source root
  int line = 0;
  std::string path;  // what it includes, as written
};

std::vector<Include> project_includes(const fs::path& dir) {
  static const std::regex kInclude(R"re(^\s*#\s*include\s*"((engine|probe)/[^"]+)")re");
  std::vector<Include> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const auto ext = entry.path().extension();
    if (ext != ".h" && ext != ".cpp") continue;
    std::ifstream in(entry.path());
    int n = 0;
    for (std::string line; std::getline(in, line);) {
      ++n;
      std::smatch m;
      if (std::regex_search(line, m, kInclude))
        out.push_back({fs::relative(entry.path(), TH_SOURCE_DIR).string(), n, m[1]});
    }
  }
  return out;
}

std::string area_of(const std::string& include) {  // engine/<area>/x.h -> <area>; probe/x.h -> probe
  if (include.starts_with("probe/")) return "probe";
  auto slash = include.find('/', 7);
  return include.substr(7, slash - 7);
}

const std::map<std::string, Library>& layers() {
  static const auto libs = read_layers();
  return libs;
}

TEST(IncludeGraph, EveryEngineFolderIsADeclaredLibrary) {
  ASSERT_FALSE(layers().empty()) << "no declarations in " << TH_LAYERS_FILE;
  for (const auto& entry : fs::directory_iterator(fs::path(TH_SOURCE_DIR) / "engine")) {
    if (!entry.is_directory()) continue;
    EXPECT_TRUE(layers().contains(entry.path().filename().string()))
        << entry.path() << " is not declared in engine/CMakeLists.txt";
  }
}

TEST(IncludeGraph, LibrariesIncludeOnlyDeclaredDependenciesAndNotTheirInternals) {
  std::size_t checked = 0;
  for (const auto& [area, lib] : layers()) {
    for (const auto& inc : project_includes(fs::path(TH_SOURCE_DIR) / "engine" / area)) {
      ++checked;
      const std::string target = area_of(inc.path);
      if (target == area) continue;
      const std::string where = inc.file + ":" + std::to_string(inc.line) + ": ";
      if (!lib.deps.contains(target)) {
        ADD_FAILURE() << where << "th_" << area << " includes " << inc.path << ", but "
                      << target << " is not among its declared dependencies";
        continue;
      }
      auto dep = layers().find(target);
      if (dep == layers().end()) continue;  // not an engine library (the probe loader)
      EXPECT_FALSE(dep->second.private_headers.contains(inc.path))
          << where << inc.path << " is private to th_" << target;
    }
  }
  EXPECT_GT(checked, 100u) << "the sources were not found under " << TH_SOURCE_DIR;
}

TEST(IncludeGraph, OnlyTheCommandIncludesTheProbe) {
  for (const auto& [area, lib] : layers()) {
    if (area == "cli") continue;
    EXPECT_FALSE(lib.deps.contains("probe")) << "th_" << area << " declares the probe";
  }
}

TEST(IncludeGraph, PrivateHeadersExistAndBelongToTheirLibrary) {
  for (const auto& [area, lib] : layers()) {
    for (const auto& h : lib.private_headers) {
      EXPECT_TRUE(fs::exists(fs::path(TH_SOURCE_DIR) / h)) << h;
      EXPECT_EQ(area_of(h), area) << h;
    }
  }
}

// Depth-first search for a cycle among the declared dependencies.
bool has_cycle(const std::string& area, std::map<std::string, int>& state, std::string& path) {
  state[area] = 1;
  auto it = layers().find(area);
  if (it != layers().end()) {
    for (const auto& dep : it->second.deps) {
      if (state[dep] == 1 || (state[dep] == 0 && has_cycle(dep, state, path))) {
        path = area + " -> " + (path.empty() ? dep : path);
        return true;
      }
    }
  }
  state[area] = 2;
  return false;
}

TEST(IncludeGraph, DeclaredDependenciesHaveNoCycle) {
  std::map<std::string, int> state;
  for (const auto& [area, lib] : layers()) {
    std::string path;
    if (state[area] == 0) {
      EXPECT_FALSE(has_cycle(area, state, path)) << path;
    }
  }
}

}  // namespace
