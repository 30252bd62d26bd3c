// process_vm_readv of N bytes of the victim's writable data, then process_vm_writev of the same
// bytes back into place, the local side split into K iovecs (so the probe must sum them).
//   inject_vm_writev PID [--addr A] [--bytes N] [--iovs K] [--as-gdb]
#include <sys/uio.h>

#include "common.h"

int main(int argc, char** argv) {
  attack::Args args = attack::parse_args(argc, argv, true, "PID [--addr A] [--bytes N] [--iovs K] [--as-gdb]");
  uint64_t addr = args.number("addr", attack::find_exe_mapping(args.pid, "rw-"));
  std::size_t bytes = args.number("bytes", 64);
  std::size_t iovs = std::max<std::size_t>(1, args.number("iovs", 3));
  if (!addr) attack::die("no writable mapping found in the target");
  if (iovs > bytes) iovs = bytes;

  std::vector<char> buf(bytes);
  iovec local{buf.data(), bytes};
  iovec remote{reinterpret_cast<void*>(addr), bytes};
  if (process_vm_readv(args.pid, &local, 1, &remote, 1, 0) != static_cast<ssize_t>(bytes))
    attack::die("process_vm_readv");
  std::vector<iovec> pieces;
  std::size_t chunk = bytes / iovs;
  for (std::size_t i = 0, off = 0; i < iovs; ++i) {
    std::size_t len = i + 1 == iovs ? bytes - off : chunk;
    pieces.push_back({buf.data() + off, len});
    off += len;
  }
  ssize_t written = process_vm_writev(args.pid, pieces.data(), pieces.size(), &remote, 1, 0);
  if (written != static_cast<ssize_t>(bytes)) attack::die("process_vm_writev");
  attack::Report("inject_vm_writev")
      .add_number("tracer_pid", getpid())
      .add_number("target_pid", args.pid)
      .add_strings("requests", {"process_vm_readv", "process_vm_writev"})
      .add_string("addr", attack::hex(addr))
      .add_number("bytes", static_cast<long long>(bytes))
      .add_number("local_iovs", static_cast<long long>(pieces.size()))
      .print();
  return 0;
}
