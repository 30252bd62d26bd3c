// The HTTP module (libtracehound_http.so): the command does not link libcurl, the module does,
// and a webhook without the module is a start-up error that names it.
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "cli_support.h"

namespace {

namespace fs = std::filesystem;
using cli_test::run;

// What `ldd` says `file` loads (directly or through its libraries), one library name a line.
std::vector<std::string> loaded_libraries(const std::string& file) {
  std::vector<std::string> names;
  std::string cmd = "ldd " + file + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return names;
  char buf[1024];
  while (std::fgets(buf, sizeof buf, p)) {
    std::istringstream line(buf);
    std::string name;
    if (line >> name) names.push_back(name);  // "libx.so.1 => /path (0x...)": the first word
  }
  ::pclose(p);
  return names;
}

bool loads(const std::vector<std::string>& libs, const std::string& prefix) {
  for (const auto& l : libs)
    if (l.rfind(prefix, 0) == 0) return true;
  return false;
}

// libcurl and the libraries only it brings in (TLS, HTTP/2, SSH, LDAP, RTMP, PSL): none of them
// is mapped by a detector without webhooks.
const char* const kCurlOnly[] = {"libcurl",  "libssl",  "libcrypto", "libgnutls", "libnghttp2",
                                 "libssh",   "librtmp", "libpsl",    "libldap",   "liblber",
                                 "libgssapi"};

TEST(HttpModule, TheCommandDoesNotLoadLibcurlTheModuleDoes) {
  auto command = loaded_libraries(TH_TRACEHOUND);
  ASSERT_TRUE(loads(command, "libc.so")) << "ldd output not understood for " << TH_TRACEHOUND;
  for (const char* lib : kCurlOnly)
    EXPECT_FALSE(loads(command, lib)) << TH_TRACEHOUND << " loads " << lib << " at start-up";

  auto module = loaded_libraries(TH_HTTP_MODULE);
  EXPECT_TRUE(loads(module, "libcurl")) << TH_HTTP_MODULE << " does not link libcurl";
}

// The command alone in a folder (no module next to it, none in ../lib/tracehound/).
class WithoutTheModule : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(fs::path(dir.path()) / "bin");
    fs::copy_file(TH_TRACEHOUND, binary);
    rules = cli_test::write_file("webhook-rules.yaml",
                                 "- rule: r\n  desc: d\n  condition: evt.type = ptrace\n"
                                 "  output: o\n  priority: WARNING\n");
  }
  th::test::TempDir dir{"th-no-module"};
  std::string binary = dir / "bin/tracehound";
  std::string rules;
};

TEST_F(WithoutTheModule, AWebhookIsAStartUpErrorNamingTheModuleAndTheLoadersReason) {
  for (const std::string command : {"run --duration 5", "replay --no-fold /dev/null"}) {
    auto r = run(command + " --rules " + rules + " --webhook http://127.0.0.1:9/", binary);
    EXPECT_EQ(r.status, 2) << command << ": " << r.err;
    EXPECT_NE(r.err.find("TH-O-HTTP"), std::string::npos) << command << ": " << r.err;
    EXPECT_NE(r.err.find("cannot load the HTTP module libtracehound_http.so"), std::string::npos)
        << command << ": " << r.err;
    // dlerror()'s words for both places looked at.
    EXPECT_NE(r.err.find(dir / "bin/libtracehound_http.so: cannot open shared object file"),
              std::string::npos)
        << command << ": " << r.err;
    EXPECT_NE(r.err.find(dir / "lib/tracehound/libtracehound_http.so"), std::string::npos)
        << command << ": " << r.err;
  }
}

TEST_F(WithoutTheModule, WithoutAWebhookTheCommandRunsAsBefore) {
  auto r = run("replay --no-fold --rules " + rules + " /dev/null", binary);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err.find("HTTP module"), std::string::npos) << r.err;
}

}  // namespace
