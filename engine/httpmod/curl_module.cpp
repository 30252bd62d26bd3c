// The HTTP module (libtracehound_http.so): webhook POSTs and container runtime GETs over libcurl,
// behind the interface of engine/http/module_api.h. Loaded by the command at the first need;
// nothing else in tracehound links libcurl.
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <string_view>

#include "engine/http/module_api.h"

namespace th::http {
namespace {

constexpr std::size_t kExcerpt = 256;

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// ---- POST to a webhook -------------------------------------------------------------------------

struct Transfer {
  PostResult* result;
  const std::atomic<bool>* abort;
};

size_t on_post_body(char* data, size_t size, size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::size_t n = size * nmemb;
  auto& ex = t->result->body_excerpt;
  if (ex.size() < kExcerpt) ex.append(data, std::min(n, kExcerpt - ex.size()));
  return n;
}

bool starts_with_nocase(std::string_view line, std::string_view lower_prefix) {
  if (line.size() < lower_prefix.size()) return false;
  for (std::size_t i = 0; i < lower_prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(line[i])) != lower_prefix[i]) return false;
  return true;
}

size_t on_post_header(char* data, size_t size, size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::size_t n = size * nmemb;
  std::string_view line(data, n);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size() && starts_with_nocase(line, kName))
    t->result->retry_after = std::string(line.substr(kName.size()));
  return n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  return t->abort->load(std::memory_order_relaxed) ? 1 : 0;
}

class CurlPost final : public PostConnection {
 public:
  CurlPost(CURL* curl, const PostSettings& s) : curl_(curl), default_timeout_(s.timeout) {
    for (const auto& h : s.headers) headers_ = curl_slist_append(headers_, h.c_str());
    headers_ = curl_slist_append(headers_, "Expect:");  // no 100-continue round trip
    // libcurl copies the strings it is given: the settings need not outlive the connection.
    curl_easy_setopt(curl_, CURLOPT_URL, s.url.c_str());
    curl_easy_setopt(curl_, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers_);
    curl_easy_setopt(curl_, CURLOPT_POST, 1L);
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_USERAGENT, "tracehound");
    curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, errbuf_);
    curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(s.connect_timeout.count()));
    curl_easy_setopt(curl_, CURLOPT_FOLLOWLOCATION, 0L);
    if (s.keepalive)
      curl_easy_setopt(curl_, CURLOPT_TCP_KEEPALIVE, 1L);
    else
      curl_easy_setopt(curl_, CURLOPT_FORBID_REUSE, 1L);
    if (!s.ca_file.empty()) curl_easy_setopt(curl_, CURLOPT_CAINFO, s.ca_file.c_str());
    if (!s.client_cert.empty()) {
      curl_easy_setopt(curl_, CURLOPT_SSLCERT, s.client_cert.c_str());
      curl_easy_setopt(curl_, CURLOPT_SSLKEY, s.client_key.c_str());
    }
    if (s.insecure) {
      curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, on_post_body);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, on_post_header);
    curl_easy_setopt(curl_, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(curl_, CURLOPT_NOPROGRESS, 0L);
  }
  ~CurlPost() override {
    curl_easy_cleanup(curl_);
    curl_slist_free_all(headers_);
  }
  CurlPost(const CurlPost&) = delete;
  CurlPost& operator=(const CurlPost&) = delete;

  PostResult post(const std::string& body, std::chrono::milliseconds timeout,
                  const std::atomic<bool>& abort,
                  const std::vector<std::string>& extra_headers) override {
    PostResult r;
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

 private:
  CURL* curl_;
  curl_slist* headers_ = nullptr;
  std::chrono::milliseconds default_timeout_;
  char errbuf_[CURL_ERROR_SIZE] = {0};
};

std::unique_ptr<PostConnection> open_post(const PostSettings& settings, std::string& error) {
  global_init();
  CURL* curl = curl_easy_init();
  if (!curl) {
    error = "cannot create a curl handle";
    return nullptr;
  }
  return std::make_unique<CurlPost>(curl, settings);
}

// ---- GET over a unix socket --------------------------------------------------------------------

struct Body {
  std::string* out;
  std::size_t max;
  bool truncated = false;
};

std::size_t on_get_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* b = static_cast<Body*>(user);
  std::size_t bytes = size * n;
  if (b->out->size() + bytes > b->max) {
    b->truncated = true;
    return 0;  // aborts the transfer
  }
  b->out->append(data, bytes);
  return bytes;
}

class CurlUnixSocket final : public UnixSocketClient {
 public:
  CurlUnixSocket(CURL* curl, std::string socket_path, std::chrono::milliseconds timeout)
      : curl_(curl), socket_path_(std::move(socket_path)), timeout_(timeout) {}
  ~CurlUnixSocket() override { curl_easy_cleanup(curl_); }
  CurlUnixSocket(const CurlUnixSocket&) = delete;
  CurlUnixSocket& operator=(const CurlUnixSocket&) = delete;

  long get(const std::string& path, std::size_t max_body, std::string& body,
           std::string& error) override {
    body.clear();
    Body sink{&body, max_body};
    curl_easy_reset(curl_);
    curl_easy_setopt(curl_, CURLOPT_UNIX_SOCKET_PATH, socket_path_.c_str());
    // The host part is ignored on a unix socket; the API wants a Host header all the same.
    std::string url = "http://localhost" + path;
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, on_get_body);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
    curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout_.count()));
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_FOLLOWLOCATION, 0L);
    CURLcode rc = curl_easy_perform(curl_);
    if (rc != CURLE_OK) {
      error = sink.truncated ? "answer larger than " + std::to_string(max_body) + " bytes"
                             : curl_easy_strerror(rc);
      return 0;
    }
    long status = 0;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
    return status;
  }

 private:
  CURL* curl_;
  std::string socket_path_;
  std::chrono::milliseconds timeout_;
};

std::unique_ptr<UnixSocketClient> open_unix_socket(const std::string& socket_path,
                                                   std::chrono::milliseconds timeout,
                                                   std::string& error) {
  global_init();
  CURL* curl = curl_easy_init();
  if (!curl) {
    error = "cannot create a curl handle";
    return nullptr;
  }
  return std::make_unique<CurlUnixSocket>(curl, socket_path, timeout);
}

constexpr HttpModule kModule{
    .abi = kHttpModuleAbi, .open_post = open_post, .open_unix_socket = open_unix_socket};

}  // namespace
}  // namespace th::http

// The module's one exported symbol (the build hides every other): see module_api.h.
extern "C" __attribute__((visibility("default"))) const th::http::HttpModule*
tracehound_http_module() {
  return &th::http::kModule;
}
