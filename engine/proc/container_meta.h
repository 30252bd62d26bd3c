// Container names, images and start times from the container runtime, for container.name,
// container.image and container.start_ts. The source is the Docker Engine API, which podman
// serves too, over the runtime's unix socket (GET /containers/<id>/json).
//
// Never on the hot path: the detector thread only notes which containers it has seen
// (observe(), a hash lookup) and, between events, copies finished answers into its process table
// (apply()). A background thread asks the runtime. Until an answer is in, the fields are empty;
// without a socket they stay empty and nothing fails. The HTTP transport is the HTTP module
// (engine/http/module_api.h), loaded at the first question to a runtime; without it the fields
// stay empty too, with one warning.
//
// Nothing is lost silently: lookups by result and requests dropped because the queue was full are
// counted in metrics (tracehound_container_metadata_*).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "engine/core/event.h"
#include "engine/http/module_api.h"

namespace th {

class Counter;
class Metrics;
class ContainerRegistry;

struct ContainerMeta {
  std::string name;       // without Docker's leading '/'
  std::string image;      // Config.Image, as the container was created from it
  uint64_t start_ns = 0;  // State.StartedAt, ns since the epoch; 0 when unknown
};

// The body of GET /containers/<id>/json (Docker and podman's compatible API). nullopt when it is
// not a JSON object; missing members stay empty.
std::optional<ContainerMeta> parse_container_inspect(std::string_view json);
// The body of GET /containers/json (the running containers): full id -> name and image. No start
// time: the list has only the creation time.
std::vector<std::pair<std::string, ContainerMeta>> parse_container_list(std::string_view json);
// RFC 3339 with optional fraction and offset ("2024-05-01T10:00:00.123456789Z", "...+02:00") ->
// ns since the epoch. nullopt for anything else, and for Go's zero time ("0001-01-01T00:00:00Z",
// what the API says for a container that never started).
std::optional<uint64_t> parse_rfc3339_ns(std::string_view text);

// One runtime socket. Blocking: used by the background thread only. The first request loads the
// HTTP module; when it cannot, every request is unavailable with the loader's message.
class ContainerApiClient {
 public:
  enum class Status : uint8_t { found, not_found, unavailable };
  struct Result {
    Status status = Status::unavailable;
    ContainerMeta meta;
    std::string error;  // for unavailable: what went wrong (connection refused, HTTP 500...)
  };

  ContainerApiClient(std::string socket_path, std::chrono::milliseconds timeout);
  ~ContainerApiClient();
  ContainerApiClient(const ContainerApiClient&) = delete;
  ContainerApiClient& operator=(const ContainerApiClient&) = delete;

  const std::string& socket_path() const { return socket_path_; }
  Result inspect(std::string_view full_id);
  // Every running container; nullopt (with `error`) when the runtime cannot be reached.
  std::optional<std::vector<std::pair<std::string, ContainerMeta>>> list(std::string& error);

 private:
  // GET path; returns the HTTP status (0 on a transport error, with `error` set).
  long get(const std::string& path, std::string& body, std::string& error);

  std::string socket_path_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<http::UnixSocketClient> connection_;  // kept between requests (stays open)
};

struct ContainerMetaOptions {
  // Runtime API sockets, tried in order; paths that do not exist are skipped, and looked at again
  // before each lookup, so that a runtime started later is found.
  std::vector<std::string> sockets;
  std::chrono::milliseconds timeout{2000};       // per request
  std::chrono::milliseconds retry_after{30000};  // when no runtime could be reached
  std::size_t max_pending = 4096;                // queued lookups; more are dropped and counted
  std::size_t max_cached = 4096;                 // containers remembered by the detector thread
  bool prefetch = true;  // list the running containers once at start
  Metrics* metrics = nullptr;  // nullptr: Metrics::global()
};

class ContainerMetadata {
 public:
  explicit ContainerMetadata(ContainerMetaOptions opts);
  ~ContainerMetadata();  // stops the background thread (waits at most one request timeout)
  ContainerMetadata(const ContainerMetadata&) = delete;
  ContainerMetadata& operator=(const ContainerMetadata&) = delete;

  // Detector thread, after the event went through the detector: asks for the containers of the
  // acting process and of the target the first time each is seen. Never blocks on the runtime.
  void observe(const Event& e);
  // Asks for one container (full 64-hex id) unless already asked for. Detector thread.
  void request(const std::string& full_id);
  // Detector thread, between events: copies the answers that came in into the registry (name,
  // image, start time). Returns how many were applied.
  std::size_t apply(ContainerRegistry& registry);

  // Blocks until every request made so far has been answered or has failed; for tests.
  bool wait_idle(std::chrono::milliseconds limit);

 private:
  struct Deferred {
    std::string full_id;
    std::chrono::steady_clock::time_point at;
  };
  void worker();
  void lookup(const std::string& full_id);
  void prefetch();
  std::vector<ContainerApiClient*> reachable_clients();
  // Worker: false (warned once) when the HTTP module cannot be loaded.
  bool transport_ready();

  ContainerMetaOptions opts_;
  // Detector thread only.
  std::unordered_set<std::string> asked_;
  std::deque<std::string> asked_order_;  // oldest first, for the max_cached bound
  std::vector<std::string> forget_;      // evicted from asked_: their metadata leaves the table
  // Shared with the worker, under mu_.
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> pending_;
  std::vector<std::pair<std::string, ContainerMeta>> answers_;
  std::size_t busy_ = 0;  // lookups taken from pending_ and not finished
  bool stop_ = false;
  // Worker only.
  std::vector<std::unique_ptr<ContainerApiClient>> clients_;
  std::deque<Deferred> deferred_;  // runtime unreachable: asked again at `at`
  bool warned_unreachable_ = false;
  bool transport_failed_ = false;
  std::thread thread_;

  Counter* found_;
  Counter* not_found_;
  Counter* unavailable_;
  Counter* dropped_;
};

}  // namespace th
