#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "engine/output/local_outputs.h"

namespace th {

std::optional<int> syslog_facility_number(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, int>, 20> kTable = {{
      {"kern", LOG_KERN},         {"user", LOG_USER},     {"mail", LOG_MAIL},
      {"daemon", LOG_DAEMON},     {"auth", LOG_AUTH},     {"syslog", LOG_SYSLOG},
      {"lpr", LOG_LPR},           {"news", LOG_NEWS},     {"uucp", LOG_UUCP},
      {"cron", LOG_CRON},         {"authpriv", LOG_AUTHPRIV}, {"ftp", LOG_FTP},
      {"local0", LOG_LOCAL0},     {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2},
      {"local3", LOG_LOCAL3},     {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
      {"local6", LOG_LOCAL6},     {"local7", LOG_LOCAL7},
  }};
  for (auto [n, v] : kTable)
    if (n == name) return v >> 3;
  return std::nullopt;
}

std::unique_ptr<SyslogOutput> SyslogOutput::create(const SyslogOutputConfig& cfg,
                                                   AlertFormat format, std::size_t capacity,
                                                   OutputMetrics m, Diagnostics& diags,
                                                   bool block_when_full) {
  auto fac = syslog_facility_number(cfg.facility);
  if (!fac) {
    diags.error("TH-O-SYSLOG", {}, "unknown syslog facility '" + cfg.facility + "'", "output",
                "syslog");
    return nullptr;
  }
  sockaddr_un probe{};
  if (cfg.socket_path.size() >= sizeof probe.sun_path) {
    diags.error("TH-O-SYSLOG", {}, "syslog socket path is too long: " + cfg.socket_path,
                "output", "syslog");
    return nullptr;
  }
  return std::unique_ptr<SyslogOutput>(new SyslogOutput(cfg, *fac, format, capacity, m, block_when_full));
}

SyslogOutput::SyslogOutput(const SyslogOutputConfig& cfg, int facility, AlertFormat format,
                           std::size_t capacity, OutputMetrics m, bool block_when_full)
    : QueuedOutput("syslog", capacity, m, block_when_full), cfg_(cfg), facility_(facility), format_(format) {
  connect_socket();
  start();
}

SyslogOutput::~SyslogOutput() {
  begin_shutdown();
  finish_shutdown(Clock::now());
}

std::string SyslogOutput::write_problem() const {
  int e = failed_errno_.load();
  return e ? "cannot send to " + cfg_.socket_path + ": " + std::strerror(e) : std::string();
}

bool SyslogOutput::connect_socket() {
  sock_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock_) return false;
  // A daemon that does not read must not hold the worker forever: sends time out and retry
  // while the output is not aborting.
  timeval tv{0, 200 * 1000};
  ::setsockopt(sock_.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, cfg_.socket_path.c_str(), cfg_.socket_path.size() + 1);
  if (::connect(sock_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (!warned_)
      spdlog::warn("output 'syslog': cannot connect to {}: {}", cfg_.socket_path,
                   std::strerror(errno));
    warned_ = true;
    failed_errno_ = errno ? errno : EIO;
    sock_.reset();
    return false;
  }
  if (warned_) spdlog::info("output 'syslog': connected to {}", cfg_.socket_path);
  warned_ = false;
  return true;
}

bool SyslogOutput::send_one(const std::string& datagram) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!sock_ && !connect_socket()) return false;
    for (;;) {
      if (::send(sock_.get(), datagram.data(), datagram.size(), MSG_NOSIGNAL) >= 0) return true;
      if (errno == EINTR) continue;
      if ((errno == EAGAIN || errno == ENOBUFS) && !aborting()) continue;  // daemon is slow
      break;
    }
    // The daemon restarted (ECONNREFUSED / ENOTCONN) or went away: reconnect once.
    spdlog::warn("output 'syslog': send to {} failed: {}", cfg_.socket_path, std::strerror(errno));
    sock_.reset();
    if (aborting()) return false;
  }
  return false;
}

std::size_t SyslogOutput::write(const std::vector<RecordPtr>& batch) {
  std::size_t n = 0;
  for (const auto& rec : batch) {
    // "<PRI>Mmm dd hh:mm:ss ident[pid]: message", as glibc's syslog() sends to /dev/log.
    int severity = static_cast<int>(rec->priority);
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", &tm);
    // Appended piece by piece: GCC 12 warns falsely (-Wrestrict, its bug 105329) on `"<" + s`.
    std::string dgram(1, '<');
    dgram.append(std::to_string(facility_ * 8 + severity)).append(1, '>').append(stamp);
    dgram.append(1, ' ').append(cfg_.ident).append(1, '[').append(std::to_string(::getpid()));
    dgram.append("]: ").append(format_ == AlertFormat::json ? rec->json : rec->text);
    if (!send_one(dgram)) {
      failed_errno_ = errno ? errno : EIO;
      return n;
    }
    failed_errno_ = 0;
    ++n;
  }
  return n;
}

}  // namespace th
