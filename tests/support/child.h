// Child processes owned by a test: killed and reaped when the owner goes away, also when an
// assertion ends the test early, so that no victim, injector or tracehound outlives its test.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace th::test {

// Owns a process id (from fork()): SIGKILL and reap on reset() or destruction.
class PidGuard {
 public:
  explicit PidGuard(pid_t pid = -1) : pid_(pid) {}
  ~PidGuard() { stop(); }
  PidGuard(const PidGuard&) = delete;
  PidGuard& operator=(const PidGuard&) = delete;

  pid_t get() const { return pid_; }
  void reset(pid_t pid) {
    stop();
    pid_ = pid;
  }
  void stop();  // kills and reaps now

 private:
  pid_t pid_;
};

// A program run with its stdout (and, if asked, its stderr) read line by line on a thread of its
// own, so that a chatty child never blocks on a full pipe.
class Child {
 public:
  explicit Child(const std::vector<std::string>& argv, bool capture_stderr = false);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }

  // The next stdout line, waiting up to `timeout`; nullopt on timeout or at the end of output.
  // A last line without a newline counts once the output ended.
  std::optional<std::string> line(std::chrono::milliseconds timeout = std::chrono::seconds(15));
  // Every line not read yet, once the output ended (waiting up to `timeout` for that).
  std::vector<std::string> remaining_lines(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  std::string stderr_text();  // all of stderr so far (with capture_stderr)

  bool exited();  // without waiting; reaps when it has
  // Waits for the exit, killing the child after `timeout`; the exit code, or -signal.
  int wait(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // The same, as the raw wait status.
  int wait_status(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  int status() const { return status_; }  // raw wait status, once reaped
  void signal(int sig);

 private:
  struct Stream {
    int fd = -1;
    std::vector<std::string> lines;
    std::string raw, pending;
    bool ended = false;
    std::thread reader;
  };
  void pump(Stream& s);
  bool reap(bool block);

  pid_t pid_ = -1;
  int pidfd_ = -1;
  int stop_[2] = {-1, -1};  // written to on destruction: readers stop even if a grandchild holds a pipe
  bool reaped_ = false;
  int status_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  Stream out_, err_;
  std::size_t next_line_ = 0;
};

}  // namespace th::test
