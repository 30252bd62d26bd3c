#include "engine/proc/user_names.h"

#include <sys/stat.h>

#include <charconv>
#include <fstream>
#include <sstream>

namespace th {

std::unordered_map<uint32_t, std::string> parse_passwd(std::string_view content) {
  std::unordered_map<uint32_t, std::string> out;
  while (!content.empty()) {
    std::size_t nl = content.find('\n');
    std::string_view line = content.substr(0, nl);
    content = nl == std::string_view::npos ? std::string_view{} : content.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#' || line[0] == '+' || line[0] == '-') continue;
    std::size_t c1 = line.find(':');
    if (c1 == std::string_view::npos || c1 == 0) continue;
    std::size_t c2 = line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) continue;
    std::size_t c3 = line.find(':', c2 + 1);
    std::string_view uid_text = line.substr(c2 + 1, c3 == std::string_view::npos ? c3 : c3 - c2 - 1);
    uint32_t uid = 0;
    auto [end, ec] = std::from_chars(uid_text.data(), uid_text.data() + uid_text.size(), uid);
    if (ec != std::errc{} || end != uid_text.data() + uid_text.size() || uid_text.empty()) continue;
    out.try_emplace(uid, line.substr(0, c1));
  }
  return out;
}

UserNames::UserNames(std::string passwd_path, std::chrono::milliseconds recheck)
    : path_(std::move(passwd_path)), recheck_(recheck) {}

std::string_view UserNames::name(uint32_t uid) {
  if (path_.empty()) return {};
  auto now = std::chrono::steady_clock::now();
  if (now >= next_check_) {
    next_check_ = now + recheck_;
    load_if_changed();
  }
  auto it = names_.find(uid);
  return it == names_.end() ? std::string_view{} : std::string_view(it->second);
}

void UserNames::refresh() {
  if (path_.empty()) return;
  next_check_ = std::chrono::steady_clock::now() + recheck_;
  load_if_changed();
}

void UserNames::load_if_changed() {
  struct stat sb {};
  if (::stat(path_.c_str(), &sb) != 0) {
    // The file went away: keep the names we had (a passwd being replaced is briefly absent).
    return;
  }
  int64_t mtime_ns = static_cast<int64_t>(sb.st_mtim.tv_sec) * 1'000'000'000 + sb.st_mtim.tv_nsec;
  if (have_file_ && mtime_ns == mtime_ns_ && sb.st_size == size_ && sb.st_ino == ino_) return;

  std::ifstream in(path_, std::ios::binary);
  if (!in) return;
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return;

  previous_ = std::move(names_);
  names_ = parse_passwd(text.str());
  mtime_ns_ = mtime_ns;
  size_ = sb.st_size;
  ino_ = sb.st_ino;
  have_file_ = true;
  ++reloads_;
}

}  // namespace th
