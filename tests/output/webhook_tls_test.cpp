// HTTPS webhooks against a TLS receiver on loopback: CA file, system CAs, insecure, mutual TLS.
// The certificates are made by the openssl command at the start of the suite.
#include <gtest/gtest.h>

#include <cstdlib>

#include "engine/output/output_manager.h"
#include "support/skip.h"
#include "tests/output/test_support.h"

namespace th {
namespace {

using testing::eventually;

const testing::Receiver::Policy ok = [](std::size_t) { return testing::Reply{}; };

class WebhookTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    const std::string d = dir_->path();
    const std::string script =
        "set -e; cd '" + d + "'; "
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 "
        "  -subj '/CN=tracehound test CA' >/dev/null 2>&1; "
        "printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext; "
        "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr "
        "  -subj '/CN=127.0.0.1' >/dev/null 2>&1; "
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
        "  -out server.pem -days 2 -extfile san.ext >/dev/null 2>&1; "
        "openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr "
        "  -subj '/CN=tracehound' >/dev/null 2>&1; "
        "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
        "  -out client.pem -days 2 >/dev/null 2>&1";
    ok_ = std::system(script.c_str()) == 0;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (!ok_) TH_SKIP_OR_FAIL("the openssl command could not make test certificates");
  }
  static std::string file(const std::string& name) { return dir_->path() + "/" + name; }

  // Emits one alert and waits until it is delivered or dropped; returns delivered.
  static bool deliver_one(const WebhookConfig& w) {
    Metrics m;
    Config cfg = testing::quiet_config();
    cfg.outputs.webhooks = {w};
    Diagnostics d;
    auto mgr = OutputManager::create(cfg, d, {&m});
    EXPECT_TRUE(mgr) << format_diagnostics_text(d);
    if (!mgr) return false;
    mgr->emit(testing::make_alert(1));
    Labels l = {{"output", w.name}};
    EXPECT_TRUE(eventually([&] {
      return m.value("tracehound_output_delivered_total", l) +
                 m.value("tracehound_output_dropped_total", l) == 1;
    }));
    mgr->shutdown(std::chrono::seconds(2));
    return m.value("tracehound_output_delivered_total", l) == 1;
  }

  WebhookConfig webhook(const std::string& url) {
    auto w = testing::fast_webhook("tls", url, dir_->path() + "/spool-" +
                                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
    w.retry.max_attempts = 2;  // a TLS failure is retried, then dropped: the test ends
    return w;
  }

  static inline testing::TempDir* dir_ = nullptr;
  static inline bool ok_ = false;
};

TEST_F(WebhookTls, VerifiesTheServerWithTheConfiguredCaFile) {
  testing::Receiver rx(ok, std::make_unique<httplib::SSLServer>(file("server.pem").c_str(),
                                                                file("server.key").c_str()));
  ASSERT_TRUE(rx.start());
  auto w = webhook(rx.https_url());
  w.tls.ca_file = file("ca.pem");
  EXPECT_TRUE(deliver_one(w));
  EXPECT_EQ(rx.accepted_bodies().size(), 1u);
}

TEST_F(WebhookTls, AnUnknownCaIsAFailureNotADelivery) {
  testing::Receiver rx(ok, std::make_unique<httplib::SSLServer>(file("server.pem").c_str(),
                                                                file("server.key").c_str()));
  ASSERT_TRUE(rx.start());
  EXPECT_FALSE(deliver_one(webhook(rx.https_url())));  // the system CAs do not know ours
  EXPECT_EQ(rx.accepted_bodies().size(), 0u);
}

TEST_F(WebhookTls, InsecureSkipsVerificationWhenAskedExplicitly) {
  testing::Receiver rx(ok, std::make_unique<httplib::SSLServer>(file("server.pem").c_str(),
                                                                file("server.key").c_str()));
  ASSERT_TRUE(rx.start());
  auto w = webhook(rx.https_url());
  w.tls.insecure = true;
  EXPECT_TRUE(deliver_one(w));
}

TEST_F(WebhookTls, MutualTlsNeedsTheClientCertificate) {
  testing::Receiver rx(ok, std::make_unique<httplib::SSLServer>(
                               file("server.pem").c_str(), file("server.key").c_str(),
                               file("ca.pem").c_str()));  // clients must present a cert from our CA
  ASSERT_TRUE(rx.start());
  auto w = webhook(rx.https_url());
  w.tls.ca_file = file("ca.pem");
  EXPECT_FALSE(deliver_one(w));
  w.tls.client_cert = file("client.pem");
  w.tls.client_key = file("client.key");
  w.name = "tls2";
  EXPECT_TRUE(deliver_one(w));
  EXPECT_EQ(rx.accepted_bodies().size(), 1u);
}

}  // namespace
}  // namespace th
