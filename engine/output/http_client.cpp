#include "engine/output/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <ctime>
#include <mutex>

#include "engine/output/retry_policy.h"

namespace th {
namespace {

constexpr std::size_t kExcerpt = 256;

struct Transfer {
  HttpResult* result;
  const std::atomic<bool>* abort;
};

size_t on_body(char* data, size_t size, size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::size_t n = size * nmemb;
  auto& ex = t->result->body_excerpt;
  if (ex.size() < kExcerpt) ex.append(data, std::min(n, kExcerpt - ex.size()));
  return n;
}

size_t on_header(char* data, size_t size, size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::size_t n = size * nmemb;
  std::string_view line(data, n);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size()) {
    bool match = true;
    for (std::size_t i = 0; i < kName.size() && match; ++i)
      match = std::tolower(static_cast<unsigned char>(line[i])) == kName[i];
    if (match)
      t->result->retry_after =
          parse_retry_after(line.substr(kName.size()), static_cast<int64_t>(std::time(nullptr)));
  }
  return n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  return t->abort->load(std::memory_order_relaxed) ? 1 : 0;
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

std::string redact_url(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  auto start = scheme + 3;
  auto end = url.find_first_of("/?#", start);
  auto at = url.rfind('@', end == std::string::npos ? url.size() : end);
  if (at == std::string::npos || at < start) return url;
  return url.substr(0, start) + "***" + url.substr(at);
}

HttpClient::HttpClient(const WebhookConfig& cfg, std::string_view content_type,
                       const std::string& auth_value) {
  global_init();
  curl_ = curl_easy_init();
  headers_ = curl_slist_append(headers_, ("Content-Type: " + std::string(content_type)).c_str());
  headers_ = curl_slist_append(headers_, "Expect:");  // no 100-continue round trip
  for (const auto& [k, v] : cfg.headers)
    headers_ = curl_slist_append(headers_, (k + ": " + v).c_str());
  if (!auth_value.empty())
    headers_ = curl_slist_append(headers_, (cfg.auth.header + ": " + auth_value).c_str());

  curl_easy_setopt(curl_, CURLOPT_URL, cfg.url.c_str());
  curl_easy_setopt(curl_, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers_);
  curl_easy_setopt(curl_, CURLOPT_POST, 1L);
  curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl_, CURLOPT_USERAGENT, "tracehound");
  curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, errbuf_);
  curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(cfg.connect_timeout.count()));
  curl_easy_setopt(curl_, CURLOPT_FOLLOWLOCATION, 0L);
  if (cfg.keepalive) {
    curl_easy_setopt(curl_, CURLOPT_TCP_KEEPALIVE, 1L);
  } else {
    curl_easy_setopt(curl_, CURLOPT_FORBID_REUSE, 1L);
  }
  if (!cfg.tls.ca_file.empty()) curl_easy_setopt(curl_, CURLOPT_CAINFO, cfg.tls.ca_file.c_str());
  if (!cfg.tls.client_cert.empty()) {
    curl_easy_setopt(curl_, CURLOPT_SSLCERT, cfg.tls.client_cert.c_str());
    curl_easy_setopt(curl_, CURLOPT_SSLKEY, cfg.tls.client_key.c_str());
  }
  if (cfg.tls.insecure) {
    curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl_, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(curl_, CURLOPT_NOPROGRESS, 0L);
  default_timeout_ = cfg.timeout;
}

HttpClient::~HttpClient() {
  if (curl_) curl_easy_cleanup(curl_);
  curl_slist_free_all(headers_);
}

HttpResult HttpClient::post(const std::string& body, std::chrono::milliseconds timeout,
                            const std::atomic<bool>& abort,
                            const std::vector<std::string>& extra_headers) {
  HttpResult r;
  curl_slist* headers = nullptr;
  if (!extra_headers.empty()) {
    for (curl_slist* h = headers_; h; h = h->next) headers = curl_slist_append(headers, h->data);
    for (const auto& h : extra_headers) headers = curl_slist_append(headers, h.c_str());
  }
  curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers ? headers : headers_);
  Transfer t{&r, &abort};
  errbuf_[0] = 0;
  auto ms = std::max<int64_t>(1, std::min(timeout, default_timeout_).count());
  curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, static_cast<long>(ms));
  curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(curl_, CURLOPT_XFERINFODATA, &t);
  CURLcode rc = curl_easy_perform(curl_);
  curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers_);
  curl_slist_free_all(headers);
  if (rc == CURLE_OK) {
    r.transport_ok = true;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &r.status);
  } else {
    r.aborted = rc == CURLE_ABORTED_BY_CALLBACK;
    r.error = errbuf_[0] ? std::string(errbuf_) : std::string(curl_easy_strerror(rc));
  }
  return r;
}

}  // namespace th
