#include "engine/output/http_client.h"

#include <ctime>

#include "engine/http/module_loader.h"
#include "engine/output/retry_policy.h"

namespace th {

std::string redact_url(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  auto start = scheme + 3;
  auto end = url.find_first_of("/?#", start);
  auto at = url.rfind('@', end == std::string::npos ? url.size() : end);
  if (at == std::string::npos || at < start) return url;
  return url.substr(0, start) + "***" + url.substr(at);
}

std::unique_ptr<HttpClient> HttpClient::create(const WebhookConfig& cfg,
                                               std::string_view content_type,
                                               const std::string& auth_value,
                                               std::string& error) {
  const http::HttpModule* module = http::module(error);
  if (!module) return nullptr;
  http::PostSettings s;
  s.url = cfg.url;
  s.headers.push_back("Content-Type: " + std::string(content_type));
  for (const auto& [k, v] : cfg.headers) s.headers.push_back(k + ": " + v);
  if (!auth_value.empty()) s.headers.push_back(cfg.auth.header + ": " + auth_value);
  s.connect_timeout = cfg.connect_timeout;
  s.timeout = cfg.timeout;
  s.keepalive = cfg.keepalive;
  s.ca_file = cfg.tls.ca_file;
  s.client_cert = cfg.tls.client_cert;
  s.client_key = cfg.tls.client_key;
  s.insecure = cfg.tls.insecure;
  auto connection = module->open_post(s, error);
  if (!connection) return nullptr;
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(connection)));
}

HttpResult HttpClient::post(const std::string& body, std::chrono::milliseconds timeout,
                            const std::atomic<bool>& abort,
                            const std::vector<std::string>& extra_headers) {
  http::PostResult p = connection_->post(body, timeout, abort, extra_headers);
  HttpResult r;
  r.transport_ok = p.transport_ok;
  r.status = p.status;
  r.error = std::move(p.error);
  r.body_excerpt = std::move(p.body_excerpt);
  r.aborted = p.aborted;
  if (p.retry_after)
    r.retry_after = parse_retry_after(*p.retry_after, static_cast<int64_t>(std::time(nullptr)));
  return r;
}

}  // namespace th
