// One webhook's HTTP connection, reused for every POST so that it is kept alive between alerts.
// The transport is the HTTP module (engine/http/module_api.h, libcurl), loaded at the first
// client made: a detector without webhooks never maps libcurl. The auth header value lives only
// in the connection's header list and is never logged.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config/config.h"
#include "engine/http/module_api.h"

namespace th {

struct HttpResult {
  bool transport_ok = false;  // an HTTP answer came back
  long status = 0;
  std::string error;                                     // the transport's message when !transport_ok
  std::string body_excerpt;                              // first bytes of the answer, for logs
  std::optional<std::chrono::milliseconds> retry_after;  // from a Retry-After header
  bool aborted = false;                                  // `abort` stopped the transfer
};

class HttpClient {
 public:
  // `auth_value` is empty when the webhook has no auth header. nullptr with `error` when the
  // HTTP module cannot be loaded (the message names it and why) or the connection set up.
  static std::unique_ptr<HttpClient> create(const WebhookConfig& cfg,
                                            std::string_view content_type,
                                            const std::string& auth_value, std::string& error);
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // POSTs `body`; the transfer gives up after `timeout` (capped by the configured one) or when
  // `abort` turns true (checked about every 100 ms at the latest... or each second on a silent
  // connection: curl's progress callback cadence).
  // `extra_headers` ("Name: value") are sent with this request only.
  HttpResult post(const std::string& body, std::chrono::milliseconds timeout,
                  const std::atomic<bool>& abort,
                  const std::vector<std::string>& extra_headers = {});

 private:
  explicit HttpClient(std::unique_ptr<http::PostConnection> connection)
      : connection_(std::move(connection)) {}
  std::unique_ptr<http::PostConnection> connection_;
};

// The URL with any user:password@ replaced by "***@", for logs.
std::string redact_url(const std::string& url);

}  // namespace th
