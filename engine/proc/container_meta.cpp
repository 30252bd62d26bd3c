#include "engine/proc/container_meta.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "engine/http/module_loader.h"
#include "engine/metrics/metrics.h"
#include "engine/proc/container_id.h"
#include "engine/proc/container_registry.h"

namespace th {
namespace {

using json = nlohmann::json;

constexpr std::size_t kMaxBody = 4u << 20;  // an inspect answer is a few KiB; cap what we keep

bool is_socket(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

std::string string_member(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string strip_slash(std::string name) {
  if (!name.empty() && name.front() == '/') name.erase(0, 1);
  return name;
}

bool is_full_id(std::string_view id) {
  return id.size() == kContainerIdLen &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

template <class Int>
bool digits(std::string_view s, std::size_t pos, std::size_t len, Int& out) {
  if (pos + len > s.size()) return false;
  for (std::size_t i = pos; i < pos + len; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return std::from_chars(s.data() + pos, s.data() + pos + len, out).ec == std::errc();
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace

std::optional<uint64_t> parse_rfc3339_ns(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)
  int64_t year = 0;
  unsigned mon = 0, day = 0, hour = 0, min = 0, sec = 0;
  if (!digits(s, 0, 4, year) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, mon) ||
      s[7] != '-' || !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !digits(s, 11, 2, hour) || s[13] != ':' || !digits(s, 14, 2, min) || s[16] != ':' ||
      !digits(s, 17, 2, sec))
    return std::nullopt;
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60)
    return std::nullopt;
  std::size_t pos = 19;
  uint64_t frac_ns = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t n = 0;
    uint64_t scale = 100'000'000;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (n < 9) frac_ns += static_cast<uint64_t>(s[pos] - '0') * scale, scale /= 10;
      ++pos, ++n;
    }
    if (n == 0) return std::nullopt;
  }
  int64_t offset_s = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    unsigned oh = 0, om = 0;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(s, pos + 4, 2, om) || oh > 23 || om > 59)
      return std::nullopt;
    offset_s = (s[pos] == '+' ? 1 : -1) * static_cast<int64_t>(oh * 3600 + om * 60);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  int64_t secs = days_from_civil(year, mon, day) * 86400 + hour * 3600 + min * 60 + sec - offset_s;
  if (secs <= 0) return std::nullopt;  // Go's zero time and anything before 1970: unknown
  return static_cast<uint64_t>(secs) * 1'000'000'000ull + frac_ns;
}

std::optional<ContainerMeta> parse_container_inspect(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
  ContainerMeta m;
  m.name = strip_slash(string_member(doc, "Name"));
  if (auto c = doc.find("Config"); c != doc.end() && c->is_object())
    m.image = string_member(*c, "Image");
  if (m.image.empty()) m.image = string_member(doc, "ImageName");  // podman's native answer
  if (auto st = doc.find("State"); st != doc.end() && st->is_object()) {
    if (auto ns = parse_rfc3339_ns(string_member(*st, "StartedAt"))) m.start_ns = *ns;
  }
  return m;
}

std::vector<std::pair<std::string, ContainerMeta>> parse_container_list(std::string_view text) {
  std::vector<std::pair<std::string, ContainerMeta>> out;
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_array()) return out;
  for (const auto& c : doc) {
    if (!c.is_object()) continue;
    std::string id = string_member(c, "Id");
    if (!is_full_id(id)) continue;
    ContainerMeta m;
    if (auto names = c.find("Names"); names != c.end() && names->is_array() && !names->empty() &&
                                      names->front().is_string())
      m.name = strip_slash(names->front().get<std::string>());
    m.image = string_member(c, "Image");
    out.emplace_back(std::move(id), std::move(m));
  }
  return out;
}

// ---- ContainerApiClient ------------------------------------------------------------------------

ContainerApiClient::ContainerApiClient(std::string socket_path, std::chrono::milliseconds timeout)
    : socket_path_(std::move(socket_path)), timeout_(timeout) {}

ContainerApiClient::~ContainerApiClient() = default;

long ContainerApiClient::get(const std::string& path, std::string& body, std::string& error) {
  // The HTTP module (libcurl, and with it the TLS library: megabytes resident) is loaded at the
  // first request, so that a host without a runtime socket never pays for it.
  if (!connection_) {
    const http::HttpModule* module = http::module(error);
    if (!module) return 0;
    connection_ = module->open_unix_socket(socket_path_, timeout_, error);
    if (!connection_) return 0;
  }
  return connection_->get(path, kMaxBody, body, error);
}

ContainerApiClient::Result ContainerApiClient::inspect(std::string_view full_id) {
  Result r;
  std::string body;
  long status = get("/containers/" + std::string(full_id) + "/json", body, r.error);
  if (status == 404) {
    r.status = Status::not_found;
  } else if (status == 200) {
    if (auto m = parse_container_inspect(body)) {
      r.status = Status::found;
      r.meta = std::move(*m);
    } else {
      r.error = "answer is not a JSON object";
    }
  } else if (status != 0) {
    r.error = "HTTP " + std::to_string(status);
  }
  return r;
}

std::optional<std::vector<std::pair<std::string, ContainerMeta>>> ContainerApiClient::list(
    std::string& error) {
  std::string body;
  long status = get("/containers/json", body, error);
  if (status != 200) {
    if (status != 0) error = "HTTP " + std::to_string(status);
    return std::nullopt;
  }
  return parse_container_list(body);
}

// ---- ContainerMetadata -------------------------------------------------------------------------

ContainerMetadata::ContainerMetadata(ContainerMetaOptions opts) : opts_(std::move(opts)) {
  Metrics& m = opts_.metrics ? *opts_.metrics : Metrics::global();
  const char* help = "Container metadata lookups at the runtime API, by result";
  found_ = &m.counter("tracehound_container_metadata_lookups_total", help, {{"result", "found"}});
  not_found_ =
      &m.counter("tracehound_container_metadata_lookups_total", help, {{"result", "not_found"}});
  unavailable_ =
      &m.counter("tracehound_container_metadata_lookups_total", help, {{"result", "unavailable"}});
  dropped_ = &m.counter("tracehound_container_metadata_dropped_total",
                        "Container metadata lookups not made because the queue was full");
  for (const auto& s : opts_.sockets)
    clients_.push_back(std::make_unique<ContainerApiClient>(s, opts_.timeout));
  thread_ = std::thread([this] { worker(); });
}

ContainerMetadata::~ContainerMetadata() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ContainerMetadata::observe(const Event& e) {
  if (e.proc && !e.proc->container_full_id.empty()) request(e.proc->container_full_id);
  if (e.target && !e.target->container_full_id.empty()) request(e.target->container_full_id);
}

void ContainerMetadata::request(const std::string& full_id) {
  if (full_id.empty() || asked_.contains(full_id)) return;
  asked_.insert(full_id);
  asked_order_.push_back(full_id);
  while (opts_.max_cached && asked_order_.size() > opts_.max_cached) {
    asked_.erase(asked_order_.front());
    forget_.push_back(std::move(asked_order_.front()));
    asked_order_.pop_front();
  }
  {
    std::lock_guard lk(mu_);
    if (pending_.size() >= opts_.max_pending) {
      dropped_->inc();
      asked_.erase(full_id);  // asked again the next time it is seen
      return;
    }
    pending_.push_back(full_id);
  }
  cv_.notify_all();  // the worker, not only a wait_idle() caller
}

std::size_t ContainerMetadata::apply(ContainerRegistry& registry) {
  for (const auto& id : forget_) registry.forget(id);
  forget_.clear();
  std::vector<std::pair<std::string, ContainerMeta>> answers;
  {
    std::lock_guard lk(mu_);
    answers.swap(answers_);
  }
  for (auto& [id, meta] : answers) {
    registry.set_meta(id, std::move(meta.name), std::move(meta.image));
    if (meta.start_ns) registry.set_start_ns(id, meta.start_ns);
  }
  return answers.size();
}

bool ContainerMetadata::wait_idle(std::chrono::milliseconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  std::unique_lock lk(mu_);
  return cv_.wait_until(lk, until, [this] { return pending_.empty() && busy_ == 0; });
}

std::vector<ContainerApiClient*> ContainerMetadata::reachable_clients() {
  std::vector<ContainerApiClient*> out;
  for (auto& c : clients_)
    if (is_socket(c->socket_path())) out.push_back(c.get());
  return out;
}

bool ContainerMetadata::transport_ready() {
  if (transport_failed_) return false;
  std::string error;
  if (http::module(error)) return true;
  transport_failed_ = true;
  spdlog::warn("container metadata: {}; container.name and container.image stay empty", error);
  return false;
}

void ContainerMetadata::prefetch() {
  auto clients = reachable_clients();
  if (clients.empty() || !transport_ready()) return;
  for (ContainerApiClient* c : clients) {
    std::string error;
    auto list = c->list(error);
    if (!list) {
      spdlog::warn("container metadata: {}: {}", c->socket_path(), error);
      continue;
    }
    spdlog::info("container metadata from {}: {} running containers", c->socket_path(),
                 list->size());
    std::lock_guard lk(mu_);
    for (auto& entry : *list) answers_.push_back(std::move(entry));
  }
}

void ContainerMetadata::lookup(const std::string& full_id) {
  auto clients = reachable_clients();
  if (!clients.empty() && !transport_ready()) {
    // Not asked again later: the module will not appear while this process runs.
    unavailable_->inc();
    return;
  }
  bool not_found_anywhere = !clients.empty();
  std::string error = "no runtime socket found (tried " + std::to_string(clients_.size()) + ")";
  for (ContainerApiClient* c : clients) {
    auto r = c->inspect(full_id);
    if (r.status == ContainerApiClient::Status::found) {
      found_->inc();
      std::lock_guard lk(mu_);
      answers_.emplace_back(full_id, std::move(r.meta));
      return;
    }
    if (r.status == ContainerApiClient::Status::unavailable) {
      not_found_anywhere = false;
      error = c->socket_path() + ": " + r.error;
    }
  }
  if (not_found_anywhere) {
    // Another runtime's container (CRI-O, containerd without docker): nothing more to learn.
    not_found_->inc();
    return;
  }
  unavailable_->inc();
  if (!warned_unreachable_) {
    // Once: no socket at all is a normal setup (a host without docker or podman's service).
    warned_unreachable_ = true;
    spdlog::log(clients.empty() ? spdlog::level::info : spdlog::level::warn,
                "container metadata: {}; container.name and container.image stay empty until a "
                "runtime answers",
                error);
  }
  if (deferred_.size() < opts_.max_pending)
    deferred_.push_back({full_id, std::chrono::steady_clock::now() + opts_.retry_after});
  else
    dropped_->inc();
}

void ContainerMetadata::worker() {
  if (opts_.prefetch) prefetch();
  std::unique_lock lk(mu_);
  while (!stop_) {
    auto now = std::chrono::steady_clock::now();
    while (!deferred_.empty() && deferred_.front().at <= now) {
      pending_.push_back(std::move(deferred_.front().full_id));
      deferred_.pop_front();
    }
    if (pending_.empty()) {
      if (deferred_.empty())
        cv_.wait(lk, [this] { return stop_ || !pending_.empty(); });
      else
        cv_.wait_until(lk, deferred_.front().at, [this] { return stop_ || !pending_.empty(); });
      continue;
    }
    std::string id = std::move(pending_.front());
    pending_.pop_front();
    ++busy_;
    lk.unlock();
    lookup(id);
    lk.lock();
    --busy_;
    cv_.notify_all();  // wait_idle
  }
}

}  // namespace th
