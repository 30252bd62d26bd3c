// Helpers for the output tests: a real HTTP receiver on loopback (cpp-httplib, own thread,
// ephemeral port) that logs every request and answers as the test's policy says, a port that
// refuses connections until a receiver starts on it, log capture, temp dirs, and alert makers.
#pragma once

#include <httplib.h>
#include <netinet/in.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include "engine/config/config.h"
#include "engine/core/alert.h"
#include "engine/http/module_loader.h"
#include "engine/output/output_manager.h"
#include "support/poll.h"
#include "support/skip.h"
#include "support/temp.h"

extern char** environ;

namespace th::testing {

using th::test::eventually;

// Webhooks load the HTTP module of this build: the command looks next to itself, and a test
// program is elsewhere.
[[maybe_unused]] inline const bool kHttpModuleOfThisBuild = (th::http::use_module_at(TH_HTTP_MODULE), true);

struct Reply {
  Reply() = default;
  Reply(int s, std::string ra = {}, bool h = false)
      : status(s), retry_after(std::move(ra)), hang(h) {}
  int status = 200;
  std::string retry_after;  // sent as Retry-After when not empty
  bool hang = false;        // block until release_hangs() (or the receiver stops)
};

struct ReceivedRequest {
  std::string body;
  httplib::Headers headers;
  int status = 0;     // what the receiver answered (0 when it hung)
  bool hung = false;
};

class Receiver {
 public:
  using Policy = std::function<Reply(std::size_t index)>;
  explicit Receiver(Policy policy = [](std::size_t) { return Reply{}; },
                    std::unique_ptr<httplib::Server> server = nullptr)
      : policy_(std::move(policy)),
        owned_(server ? std::move(server) : std::make_unique<httplib::Server>()),
        server_(*owned_) {}
  ~Receiver() { stop(); }

  // Listens on 127.0.0.1:`port` (0: any free port).
  bool start(int port = 0) {
    server_.set_keep_alive_max_count(100000);
    server_.set_keep_alive_timeout(1);  // stop() waits for idle kept-alive connections
    server_.set_tcp_nodelay(true);  // else Nagle + delayed ACK add 40 ms per answer
    // Hung handlers hold a thread each: keep plenty so later requests are still seen and logged.
    server_.new_task_queue = [] { return new httplib::ThreadPool(64); };
    server_.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      Reply r;
      std::size_t idx;
      {
        std::unique_lock lock(mu_);
        idx = log_.size();
        r = policy_(idx);
        log_.push_back({req.body, req.headers, r.hang ? 0 : r.status, r.hang});
        cv_.notify_all();
        if (r.hang) {
          cv_.wait(lock, [&] { return released_; });
          res.status = 200;  // the client has given up long ago
          return;
        }
      }
      res.status = r.status;
      if (!r.retry_after.empty()) res.set_header("Retry-After", r.retry_after);
      res.set_content(r.status < 300 ? "ok" : "no thanks", "text/plain");
    });
    if (port == 0) {
      port_ = server_.bind_to_any_port("127.0.0.1");
      if (port_ <= 0) return false;
    } else {
      if (!server_.bind_to_port("127.0.0.1", port)) return false;
      port_ = port;
    }
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is a no-op until the listen loop runs: wait for it.
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return true;
  }

  void stop() {
    release_hangs();
    if (thread_.joinable()) {
      server_.stop();
      thread_.join();
    }
  }

  void release_hangs() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/alerts"; }
  std::string https_url() const {
    return "https://127.0.0.1:" + std::to_string(port_) + "/alerts";
  }

  std::vector<ReceivedRequest> log() const {
    std::lock_guard lock(mu_);
    return log_;
  }
  std::size_t requests() const {
    std::lock_guard lock(mu_);
    return log_.size();
  }
  std::size_t count_status(int status) const {
    std::lock_guard lock(mu_);
    std::size_t n = 0;
    for (const auto& e : log_) n += !e.hung && e.status == status;
    return n;
  }
  std::size_t count_hung() const {
    std::lock_guard lock(mu_);
    std::size_t n = 0;
    for (const auto& e : log_) n += e.hung;
    return n;
  }
  // Bodies the receiver answered with 2xx, in arrival order.
  std::vector<std::string> accepted_bodies() const {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const auto& e : log_)
      if (!e.hung && e.status >= 200 && e.status < 300) out.push_back(e.body);
    return out;
  }

 private:
  Policy policy_;
  std::unique_ptr<httplib::Server> owned_;  // plain, or an httplib::SSLServer for TLS tests
  httplib::Server& server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<ReceivedRequest> log_;
  bool released_ = false;
};

// A loopback port that refuses connections (bound, not listening) until release(): then a
// Receiver can start on it. Models a webhook that is down, then comes up.
class RefusingPort {
 public:
  RefusingPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~RefusingPort() { release(); }
  void release() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/alerts"; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// Captures everything spdlog writes while alive.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string text() {
    spdlog::default_logger()->flush();
    return out_.str();
  }
  std::size_t count(const std::string& needle) {
    std::string t = text();
    std::size_t n = 0;
    for (auto p = t.find(needle); p != std::string::npos; p = t.find(needle, p + 1)) ++n;
    return n;
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

// Skips the test (fails it under CI=true) when this process is not root.
#define TH_REQUIRE_ROOT() TH_REQUIRE_OR_SKIP(::th::test::missing_root("this test (mount, setpriv)"))

using th::test::TempDir;

// Alert number `i`, all of the same JSON length (for byte-exact spool bounds).
inline Alert make_alert(int i, Priority p = Priority::critical) {
  Alert a;
  char id[16];
  std::snprintf(id, sizeof id, "%06d", i);
  a.time_ns = 1'780'000'000'000'000'000ull + static_cast<uint64_t>(i) * 1000;
  a.rule = "Ptrace write into another process";
  a.priority = p;
  a.output = std::string("15:04:05.000000000: Critical injection seq=") + id;
  a.output_fields = {{"seq", id}, {"proc.name", "injector"}, {"proc.pid", 4242}};
  a.tags = {"T1055.008", "process_injection"};
  a.hostname = "testhost";
  return a;
}

// `text` (one alert or several, JSON or a datagram) without the `,"uuid":"..."` the outputs give
// each alert, so that it compares with alert_to_json() of an alert that has none. Every alert in
// `text` must carry a well-formed one: the result is "<missing uuid>" otherwise.
inline std::string without_uuid(std::string text) {
  constexpr std::string_view kKey = ",\"uuid\":\"";
  std::size_t alerts = 0, from = 0;
  for (auto p = text.find("\"hostname\":"); p != std::string::npos; p = text.find("\"hostname\":", p + 1))
    ++alerts;
  std::size_t removed = 0;
  for (auto p = text.find(kKey, from); p != std::string::npos; p = text.find(kKey, from)) {
    std::size_t end = p + kKey.size() + 36;
    if (end >= text.size() || text[end] != '"' || text[p + kKey.size() + 14] != '4')
      return "<malformed uuid>";
    text.erase(p, end + 1 - p);
    from = p;
    ++removed;
  }
  return removed == alerts ? text : "<missing uuid>";
}
inline std::vector<std::string> without_uuid(std::vector<std::string> v) {
  for (auto& s : v) s = without_uuid(std::move(s));
  return v;
}

inline std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// A config with no output enabled but what the test adds.
inline Config quiet_config() {
  Config c;
  c.outputs.stdout_output.enabled = false;
  c.drain_timeout = std::chrono::milliseconds(2000);
  return c;
}

// A webhook with fast retries, so that tests do not wait on production backoffs.
inline WebhookConfig fast_webhook(const std::string& name, const std::string& url,
                                  const std::string& spool_dir) {
  WebhookConfig w;
  w.name = name;
  w.url = url;
  w.connect_timeout = std::chrono::milliseconds(500);
  w.timeout = std::chrono::milliseconds(2000);
  w.retry.initial_backoff = std::chrono::milliseconds(5);
  w.retry.max_backoff = std::chrono::milliseconds(40);
  w.spool.dir = spool_dir;
  return w;
}

// An OutputManager for `cfg` on the metrics `m`; null (and a test failure with the
// diagnostics) when it cannot be created.
inline std::unique_ptr<OutputManager> manager_for(const Config& cfg, Metrics& m) {
  Diagnostics d;
  auto mgr = OutputManager::create(cfg, d, {&m});
  if (!mgr) ADD_FAILURE() << format_diagnostics_text(d);
  return mgr;
}
inline Config with_webhook(const WebhookConfig& w) {
  Config c = quiet_config();
  c.outputs.webhooks = {w};
  return c;
}
inline Config with_file(const std::string& path) {
  Config c = quiet_config();
  c.outputs.file = {true, path};
  return c;
}

// How a spawned process's standard streams are wired: an fd to dup2 onto it (-1: keep ours),
// or for stdout/stderr a file to write (empty: keep ours).
struct SpawnIo {
  // Every member has a default so that designated initialisers may leave any of them out.
  std::vector<std::string> env{};  // NAME=value added to ours
  int stdin_fd = -1, stdout_fd = -1;
  std::string stdout_path{}, stderr_path{};
  std::vector<int> close_in_child{};  // our ends of the pipes
};

// Starts args[0] (a path) with args; the pid, -1 when it cannot start.
inline pid_t spawn_process(std::vector<std::string> args, const SpawnIo& io = {}) {
  std::vector<std::string> env_store = io.env;
  std::vector<char*> envp;
  for (char** e = environ; *e; ++e) envp.push_back(*e);
  for (auto& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (io.stdin_fd >= 0) posix_spawn_file_actions_adddup2(&fa, io.stdin_fd, 0);
  if (io.stdout_fd >= 0) posix_spawn_file_actions_adddup2(&fa, io.stdout_fd, 1);
  if (!io.stdout_path.empty())
    posix_spawn_file_actions_addopen(&fa, 1, io.stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (!io.stderr_path.empty())
    posix_spawn_file_actions_addopen(&fa, 2, io.stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  for (int fd : io.close_in_child) posix_spawn_file_actions_addclose(&fa, fd);
  pid_t pid = -1;
  if (::posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), envp.data()) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

// The wait status of `pid` (-1 when it cannot be waited for).
inline int wait_status(pid_t pid) {
  int status = 0;
  return ::waitpid(pid, &status, 0) == pid ? status : -1;
}

}  // namespace th::testing
