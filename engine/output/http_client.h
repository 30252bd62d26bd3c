// One webhook's HTTP connection: a libcurl easy handle reused for every POST, so the connection
// is kept alive between alerts. Built once from the webhook's settings; the auth header value
// lives only in the curl header list and is never logged (verbose mode is never enabled).
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config/config.h"

typedef void CURL;
struct curl_slist;

namespace th {

struct HttpResult {
  bool transport_ok = false;  // an HTTP answer came back
  long status = 0;
  std::string error;                                     // curl's message when !transport_ok
  std::string body_excerpt;                              // first bytes of the answer, for logs
  std::optional<std::chrono::milliseconds> retry_after;  // from a Retry-After header
  bool aborted = false;                                  // `abort` stopped the transfer
};

class HttpClient {
 public:
  // `auth_value` is empty when the webhook has no auth header.
  HttpClient(const WebhookConfig& cfg, std::string_view content_type,
             const std::string& auth_value);
  ~HttpClient();
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
  CURL* curl_ = nullptr;
  curl_slist* headers_ = nullptr;
  std::chrono::milliseconds default_timeout_;
  char errbuf_[256] = {0};
};

// The URL with any user:password@ replaced by "***@", for logs.
std::string redact_url(const std::string& url);

}  // namespace th
