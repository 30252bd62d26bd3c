// The local outputs: stdout, a JSON Lines file, and syslog. Each is a QueuedOutput (own bounded
// queue and worker), so a stalled terminal or syslog daemon never delays detection.
#pragma once

#include <atomic>
#include <string>

#include "engine/config/config.h"
#include "engine/output/fd_writer.h"
#include "engine/output/queued_output.h"

namespace th {

// One alert per line on `fd` (stdout by default): JSON, or the text form. Only alerts go there;
// logs go to stderr.
class StdoutOutput : public QueuedOutput {
 public:
  StdoutOutput(AlertFormat format, std::size_t capacity, OutputMetrics m, int fd = 1);
  ~StdoutOutput() override;

 private:
  std::size_t write(const std::vector<RecordPtr>& batch) override;
  AlertFormat format_;
  int fd_;
};

// JSON Lines appended to `path` (created 0600). reopen() is async-signal-safe: it sets a flag
// and the worker reopens the file before its next write, so logrotate can move the file away and
// send SIGUSR1.
class FileOutput : public QueuedOutput {
 public:
  // nullptr with a TH-O-FILE diagnostic when the file cannot be opened.
  static std::unique_ptr<FileOutput> create(const std::string& path, std::size_t capacity,
                                            OutputMetrics m, Diagnostics& diags);
  ~FileOutput() override;
  void reopen() noexcept override;
  bool healthy() const override { return healthy_.load(); }

 private:
  FileOutput(std::string path, UniqueFd fd, std::size_t capacity, OutputMetrics m);
  std::size_t write(const std::vector<RecordPtr>& batch) override;
  void tick() override;
  bool open_file();

  std::string path_;
  UniqueFd fd_;
  std::atomic<bool> reopen_requested_{false};
  std::atomic<bool> healthy_{true};
};

// RFC 3164 datagrams to the local syslog daemon's socket (/dev/log by default), the way the C
// library's syslog() writes them, with the alert priority as the syslog severity (Falco's eight
// priorities are syslog's eight severities). The socket path is configurable, which also lets
// tests listen in.
class SyslogOutput : public QueuedOutput {
 public:
  // nullptr with TH-O-SYSLOG for an unknown facility. A missing socket is not fatal: the daemon
  // may start later; alerts that cannot be sent are counted as dropped.
  static std::unique_ptr<SyslogOutput> create(const SyslogOutputConfig& cfg, AlertFormat format,
                                              std::size_t capacity, OutputMetrics m,
                                              Diagnostics& diags);
  ~SyslogOutput() override;
  bool healthy() const override { return healthy_.load(); }

 private:
  SyslogOutput(const SyslogOutputConfig& cfg, int facility, AlertFormat format,
               std::size_t capacity, OutputMetrics m);
  std::size_t write(const std::vector<RecordPtr>& batch) override;
  bool connect_socket();
  bool send_one(const std::string& datagram);

  SyslogOutputConfig cfg_;
  int facility_;
  AlertFormat format_;
  UniqueFd sock_;
  std::atomic<bool> healthy_{true};
  bool warned_ = false;
};

// "daemon" -> LOG_DAEMON >> 3 (the facility number), nullopt when unknown.
std::optional<int> syslog_facility_number(std::string_view name);

}  // namespace th
