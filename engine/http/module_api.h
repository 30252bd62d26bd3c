// The interface of the HTTP module (libtracehound_http.so, built from engine/httpmod): the only
// code that calls libcurl. The detector maps libcurl and its ~30 libraries (TLS, IDN, HTTP/2...,
// ~6 MB resident in every process that links them) only when it needs HTTP: at the first webhook,
// or the first question to a container runtime. engine/http/module_loader.h finds and loads it.
//
// The contract is this header. The module and the command are built together by the same
// compiler, so C++ types cross it; kHttpModuleAbi changes with any change here, and the loader
// refuses a module built for another value (a stale module from an older build) with a clear
// error instead of calling into it. The module is never unloaded: objects it made may live until
// the process ends.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace th::http {

// Bump with any change to the declarations below.
inline constexpr uint32_t kHttpModuleAbi = 1;

// The one symbol the module exports: returns its table (never null).
inline constexpr const char* kHttpModuleEntry = "tracehound_http_module";

// A connection that POSTs to one URL (a webhook), reused between requests (kept alive).
struct PostSettings {
  std::string url;
  std::vector<std::string> headers;  // "Name: value", sent with every request
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds timeout{10000};  // per request, at most
  bool keepalive = true;
  std::string ca_file, client_cert, client_key;  // empty: the system's CAs, no client cert
  bool insecure = false;                         // no TLS certificate verification
};

struct PostResult {
  bool transport_ok = false;  // an HTTP answer came back
  long status = 0;
  std::string error;                       // the transport's message when !transport_ok
  std::string body_excerpt;                // first bytes of the answer, for logs
  std::optional<std::string> retry_after;  // the Retry-After header's value, untouched
  bool aborted = false;                    // `abort` stopped the transfer
};

class PostConnection {
 public:
  virtual ~PostConnection() = default;
  // POSTs `body`; gives up after `timeout` (capped by the settings' one) or when `abort` turns
  // true (checked at least every second). `extra_headers` are sent with this request only.
  virtual PostResult post(const std::string& body, std::chrono::milliseconds timeout,
                          const std::atomic<bool>& abort,
                          const std::vector<std::string>& extra_headers) = 0;
};

// GET requests to an HTTP API on a unix socket (a container runtime), connection kept open.
class UnixSocketClient {
 public:
  virtual ~UnixSocketClient() = default;
  // GET `path`: the HTTP status, or 0 with `error` set when no answer came (or when the body
  // exceeded `max_body` bytes).
  virtual long get(const std::string& path, std::size_t max_body, std::string& body,
                   std::string& error) = 0;
};

struct HttpModule {
  uint32_t abi;  // first, so that it can be read whatever else changed: kHttpModuleAbi
  // nullptr with `error` when the transport cannot be set up.
  std::unique_ptr<PostConnection> (*open_post)(const PostSettings& settings, std::string& error);
  std::unique_ptr<UnixSocketClient> (*open_unix_socket)(const std::string& socket_path,
                                                        std::chrono::milliseconds timeout,
                                                        std::string& error);
};

// The type of the entry point.
using HttpModuleEntry = const HttpModule* (*)();

}  // namespace th::http
