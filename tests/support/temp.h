// Temporary files and directories that remove themselves, also when an assertion ends the test
// early.
#pragma once

#include <string>
#include <string_view>

namespace th::test {

// A fresh directory under the system's temporary directory; removed with all it holds.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "th-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string operator/(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  std::string path_;
};

// A fresh file holding `content`; removed when the object goes away.
class TempFile {
 public:
  explicit TempFile(std::string_view content = {}, std::string_view prefix = "th-test");
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  const std::string& path() const { return path_; }
  void write(std::string_view content) const;  // replaces the content
  std::string read() const;

 private:
  std::string path_;
};

}  // namespace th::test
