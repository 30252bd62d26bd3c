// libbpf's messages reach spdlog also when no probe is loading (map, ring-buffer and link
// trouble after load), at the level libbpf gave them.
#include <bpf/libbpf.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <gtest/gtest.h>

#include "probe/loader.h"

namespace {

int ignore_sample(void*, void*, size_t) { return 0; }

TEST(LibbpfLog, GoesToSpdlogOutsideLoad) {
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(16);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
  th::probe::route_libbpf_log();
  // Not a ring-buffer map: libbpf warns that it cannot read the map's info, and fails.
  ring_buffer* rb = ring_buffer__new(-1, ignore_sample, nullptr, nullptr);
  spdlog::set_default_logger(previous);
  EXPECT_EQ(rb, nullptr);
  if (rb) ring_buffer__free(rb);
  std::vector<std::string> lines = sink->last_formatted();
  ASSERT_FALSE(lines.empty()) << "libbpf's warning did not reach spdlog";
  EXPECT_NE(lines.back().find("libbpf: "), std::string::npos) << lines.back();
  EXPECT_NE(lines.back().find("warning"), std::string::npos) << lines.back();
  EXPECT_EQ(lines.back().find('\n'), lines.back().size() - 1) << "one line per message";
}

}  // namespace
