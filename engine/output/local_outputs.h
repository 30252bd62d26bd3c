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
  StdoutOutput(AlertFormat format, std::size_t capacity, OutputMetrics m, int fd = 1,
               bool block_when_full = false);
  ~StdoutOutput() override;

 private:
  std::size_t write(const std::vector<RecordPtr>& batch) override;
  AlertFormat format_;
  int fd_;
};

// The alert file, opened for appending: never through a symbolic link (O_NOFOLLOW), created
// 0600 only where nothing exists (O_EXCL), refused when it is not a regular file. `error` says
// why it failed (with the errno text).
struct OpenedFile {
  UniqueFd fd;
  std::string error;
};
OpenedFile open_alert_file(const std::string& path);

// JSON Lines appended to `path`. reopen() (from the loop that read SIGUSR1 from its signalfd, not
// from a signal handler) sets a flag and wakes the worker, which reopens the file, so logrotate
// can move the file away and send SIGUSR1.
// A write that fails (disk full) is cut back so that no partial line stays; the alerts not
// written are counted as dropped and the output is degraded until a write succeeds again.
class FileOutput : public QueuedOutput {
 public:
  // nullptr with a TH-O-FILE diagnostic when the file cannot be opened.
  static std::unique_ptr<FileOutput> create(const std::string& path, std::size_t capacity,
                                            OutputMetrics m, Diagnostics& diags,
                                            bool block_when_full = false);
  ~FileOutput() override;
  void reopen() noexcept override;

 private:
  FileOutput(std::string path, UniqueFd fd, std::size_t capacity, OutputMetrics m,
             bool block_when_full);
  std::size_t write(const std::vector<RecordPtr>& batch) override;
  std::string write_problem() const override;
  void tick() override;
  bool open_file();
  bool write_line(std::string_view line);
  void set_problem(std::string p);

  std::string path_;
  UniqueFd fd_;
  bool torn_ = false;  // a partial line could not be cut back
  std::atomic<bool> reopen_requested_{false};
  mutable std::mutex problem_mu_;
  std::string problem_;
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
                                              Diagnostics& diags, bool block_when_full = false);
  ~SyslogOutput() override;

 private:
  SyslogOutput(const SyslogOutputConfig& cfg, int facility, AlertFormat format,
               std::size_t capacity, OutputMetrics m, bool block_when_full);
  std::string write_problem() const override;
  std::size_t write(const std::vector<RecordPtr>& batch) override;
  bool connect_socket();
  bool send_one(const std::string& datagram);

  SyslogOutputConfig cfg_;
  int facility_;
  AlertFormat format_;
  UniqueFd sock_;
  std::atomic<int> failed_errno_{0};  // of the last failed send, 0 after a good one
  bool warned_ = false;
};

// "daemon" -> LOG_DAEMON >> 3 (the facility number), nullopt when unknown.
std::optional<int> syslog_facility_number(std::string_view name);

}  // namespace th
