// Build-time helper for the fuzzers: writes one seed file per line of a JSON Lines file, holding
// the string of one field (e.g. every "condition" of the Falco corpus), skipping duplicates.
// Usage: seeds_from_jsonl FILE.jsonl FIELD OUT_DIR
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: " << argv[0] << " FILE.jsonl FIELD OUT_DIR\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::cerr << argv[1] << ": cannot open\n";
    return 1;
  }
  std::filesystem::path out_dir(argv[3]);
  std::filesystem::create_directories(out_dir);
  std::set<std::string> seen;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains(argv[2]) || !j[argv[2]].is_string()) {
      std::cerr << argv[1] << ":" << line_no << ": no string field '" << argv[2] << "'\n";
      return 1;
    }
    std::string value = j[argv[2]].get<std::string>();
    if (!seen.insert(value).second) continue;
    char name[32];
    std::snprintf(name, sizeof name, "seed-%05d", line_no);
    std::ofstream(out_dir / name, std::ios::binary) << value;
  }
  std::cout << "wrote " << seen.size() << " seeds to " << out_dir.string() << "\n";
  return 0;
}
