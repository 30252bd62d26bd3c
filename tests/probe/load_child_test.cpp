// The loader process's channel (probe/load_child.h), without BPF: real child processes send
// pipes, libbpf messages and errors, or die, hang and exit early; the error says which, and no
// child outlives load_in_child.
#include <bpf/libbpf.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include <gtest/gtest.h>

#include "probe/libbpf_log.h"
#include "probe/load_child.h"

namespace {

using th::probe::LoaderChannel;
using th::probe::LoaderReply;
using th::probe::load_in_child;

int ignore_sample(void*, void*, size_t) { return 0; }

void expect_no_child_left() {
  errno = 0;
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1) << "a child process is left";
  EXPECT_EQ(errno, ECHILD);
}

TEST(LoadChild, NamedFdsArriveInOrderAcrossMessages) {
  // More than one message's worth: each pipe holds its index, read back through the passed fd.
  constexpr int kPipes = 150;
  LoaderReply reply = load_in_child([](LoaderChannel& channel, const std::string&) -> std::string {
    LoaderChannel::Fds fds;
    for (int i = 0; i < kPipes; ++i) {
      int p[2];
      if (pipe(p) != 0 || write(p[1], &i, sizeof i) != sizeof i) return "pipe failed";
      fds.emplace_back("pipe_" + std::to_string(i) + std::string(80, 'x'), p[0]);
    }
    if (!channel.send_maps(fds)) return "send failed";
    if (!channel.send_links({{"link", fds[0].second}})) return "send failed";
    return {};
  });
  ASSERT_EQ(reply.error, "");
  ASSERT_EQ(reply.maps.size(), static_cast<std::size_t>(kPipes));
  for (int i = 0; i < kPipes; ++i) {
    // Names are cut to 63 bytes.
    EXPECT_EQ(reply.maps[i].name, ("pipe_" + std::to_string(i) + std::string(80, 'x')).substr(0, 63));
    int got = -1;
    ASSERT_EQ(read(reply.maps[i].fd.get(), &got, sizeof got), static_cast<ssize_t>(sizeof got));
    EXPECT_EQ(got, i);
  }
  ASSERT_EQ(reply.links.size(), 1u);
  EXPECT_EQ(reply.links[0].name, "link");
  expect_no_child_left();
}

TEST(LoadChild, LongErrorAndLibbpfWarningsComeBack) {
  std::string log;
  LoaderReply reply;
  {
    th::probe::LibbpfLogCapture capture(log);
    reply = load_in_child([](LoaderChannel&, const std::string& warnings) {
      // Not a ring-buffer map: libbpf warns (in the child, where no spdlog may be used).
      ring_buffer* rb = ring_buffer__new(-1, ignore_sample, nullptr, nullptr);
      if (rb) ring_buffer__free(rb);
      return "failed after: " + warnings + std::string(10000, 'e') + "|end";
    });
  }
  EXPECT_NE(log.find("libbpf: "), std::string::npos) << "the child's libbpf warning did not arrive";
  ASSERT_EQ(reply.error.size(), std::string("failed after: ").size() + log.size() + 10000 + 4)
      << reply.error.substr(0, 200);
  EXPECT_EQ(reply.error.substr(0, 14 + log.size()), "failed after: " + log);
  EXPECT_TRUE(reply.error.ends_with(std::string(10, 'e') + "|end"));
  EXPECT_TRUE(reply.maps.empty());
  expect_no_child_left();
}

TEST(LoadChild, DeathBySignalIsNamed) {
  LoaderReply reply = load_in_child([](LoaderChannel& channel, const std::string&) -> std::string {
    int p[2];
    if (pipe(p) == 0) channel.send_maps({{"sent_before_dying", p[0]}});
    raise(SIGKILL);
    return {};
  });
  EXPECT_NE(reply.error.find("the probe loader process died of signal 9"), std::string::npos) << reply.error;
  EXPECT_TRUE(reply.maps.empty()) << "what a dead loader sent is not used";
  expect_no_child_left();
}

TEST(LoadChild, ExitWithoutReportingIsNamed) {
  LoaderReply reply = load_in_child([](LoaderChannel&, const std::string&) -> std::string { _exit(3); });
  EXPECT_NE(reply.error.find("exited with status 3 before it finished"), std::string::npos) << reply.error;
  expect_no_child_left();
}

TEST(LoadChild, HangingChildIsKilledAtTheDeadline) {
  LoaderReply reply = load_in_child(
      [](LoaderChannel&, const std::string&) -> std::string {
        for (;;) pause();
      },
      std::chrono::milliseconds(300));
  EXPECT_NE(reply.error.find("did not finish within 300 ms and was killed"), std::string::npos) << reply.error;
  expect_no_child_left();
}

TEST(LoadChild, ExceptionInTheChildIsAnError) {
  LoaderReply reply = load_in_child([](LoaderChannel&, const std::string&) -> std::string {
    throw std::runtime_error("no memory left");
  });
  EXPECT_EQ(reply.error, "the probe loader process failed: no memory left");
  expect_no_child_left();
}

}  // namespace
