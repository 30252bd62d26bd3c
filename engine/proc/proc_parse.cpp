#include "engine/proc/proc_parse.h"

#include <charconv>

namespace th {
namespace {

std::string_view trim(std::string_view s) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

template <class T>
std::optional<T> parse_int(std::string_view s) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  T v{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Splits on runs of blanks (space or tab).
template <class F>
void for_each_token(std::string_view s, F&& f) {
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    std::size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > start && !f(s.substr(start, i - start))) return;
  }
}

}  // namespace

std::optional<uint64_t> parse_decimal(std::string_view s) { return parse_int<uint64_t>(s); }

std::optional<ProcStat> parse_proc_stat(std::string_view content) {
  std::size_t lp = content.find('(');
  std::size_t rp = content.rfind(')');
  if (lp == std::string_view::npos || rp == std::string_view::npos || rp < lp) return std::nullopt;
  auto pid = parse_int<int32_t>(content.substr(0, lp));
  if (!pid) return std::nullopt;
  ProcStat st;
  st.pid = *pid;
  st.comm = std::string(content.substr(lp + 1, rp - lp - 1));
  // Fields after the comm, numbered from 3 as in proc(5): state(3) ppid(4) pgrp(5) session(6)
  // tty_nr(7) ... starttime(22).
  bool have_ppid = false;
  int field = 3;
  for_each_token(content.substr(rp + 1), [&](std::string_view tok) {
    switch (field) {
      case 3: st.state = tok.front(); break;
      case 4:
        if (auto v = parse_int<int32_t>(tok)) {
          st.ppid = *v;
          have_ppid = true;
        }
        break;
      case 6:
        if (auto v = parse_int<int32_t>(tok)) st.session = *v;
        break;
      case 7:
        // tty_nr is printed signed; the device number fits 32 bits.
        if (auto v = parse_int<int64_t>(tok)) st.tty_nr = static_cast<uint32_t>(*v);
        break;
      case 22:
        st.starttime_ticks = parse_int<uint64_t>(tok);
        return false;
      default: break;
    }
    ++field;
    return true;
  });
  if (!have_ppid) return std::nullopt;
  return st;
}

ProcStatus parse_proc_status(std::string_view content) {
  ProcStatus out;
  while (!content.empty()) {
    std::size_t nl = content.find('\n');
    std::string_view line = content.substr(0, nl);
    content = nl == std::string_view::npos ? std::string_view{} : content.substr(nl + 1);
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = line.substr(0, colon);
    std::string_view val = line.substr(colon + 1);
    if (key == "Tgid") {
      out.tgid = parse_int<int32_t>(val);
    } else if (key == "Uid") {
      int n = 0;
      std::optional<uint32_t> first;
      for_each_token(val, [&](std::string_view tok) {
        auto v = parse_int<uint32_t>(tok);
        if (!v) return false;
        if (n == 0) first = v;
        if (n == 1) out.euid = v;
        return ++n < 2;
      });
      if (!out.euid) out.euid = first;
    } else if (key == "NSpid") {
      std::optional<int32_t> last;
      bool ok = true;
      for_each_token(val, [&](std::string_view tok) {
        last = parse_int<int32_t>(tok);
        ok = last.has_value();
        return ok;
      });
      if (ok) out.vpid = last;
    } else if (key == "Name") {
      out.name = std::string(trim(val));
    }
  }
  return out;
}

std::vector<std::string> parse_cmdline(std::string_view content) {
  std::vector<std::string> argv;
  if (content.empty()) return argv;
  // The kernel terminates every argument with NUL; drop the last terminator only.
  if (content.back() == '\0') content.remove_suffix(1);
  while (argv.size() < kMaxArgs) {
    std::size_t nul = content.find('\0');
    argv.emplace_back(content.substr(0, nul));
    if (nul == std::string_view::npos) break;
    content = content.substr(nul + 1);
  }
  return argv;
}

std::optional<uint64_t> parse_btime(std::string_view proc_stat) {
  while (!proc_stat.empty()) {
    std::size_t nl = proc_stat.find('\n');
    std::string_view line = proc_stat.substr(0, nl);
    proc_stat = nl == std::string_view::npos ? std::string_view{} : proc_stat.substr(nl + 1);
    if (line.starts_with("btime ") || line.starts_with("btime\t")) {
      return parse_int<uint64_t>(line.substr(6));
    }
  }
  return std::nullopt;
}

std::optional<uint64_t> parse_ns_inode(std::string_view link) {
  std::size_t lb = link.find('[');
  std::size_t rb = link.rfind(']');
  if (lb == std::string_view::npos || rb == std::string_view::npos || rb <= lb + 1) {
    return std::nullopt;
  }
  return parse_int<uint64_t>(link.substr(lb + 1, rb - lb - 1));
}

ExeLink parse_exe_link(std::string_view link) {
  constexpr std::string_view kDeleted = " (deleted)";
  if (link.ends_with(kDeleted)) link.remove_suffix(kDeleted.size());
  ExeLink out;
  out.from_memfd = link.starts_with("memfd:") || link.starts_with("/memfd:");
  out.path = std::string(link);
  return out;
}

}  // namespace th
