#include "support/temp.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

namespace th::test {
namespace {

std::string temp_template(std::string_view prefix) {
  return (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
}

}  // namespace

TempDir::TempDir(std::string_view prefix) : path_(temp_template(prefix)) {
  if (::mkdtemp(path_.data()) == nullptr)
    throw std::system_error(errno, std::generic_category(), "mkdtemp " + path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

TempFile::TempFile(std::string_view content, std::string_view prefix)
    : path_(temp_template(prefix)) {
  int fd = ::mkstemp(path_.data());
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "mkstemp " + path_);
  ::close(fd);
  write(content);
}

TempFile::~TempFile() { ::unlink(path_.c_str()); }

void TempFile::write(std::string_view content) const {
  std::ofstream out(path_, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out) throw std::runtime_error("cannot write " + path_);
}

std::string TempFile::read() const {
  std::ifstream in(path_, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace th::test
