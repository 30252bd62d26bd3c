/* io_uring requests on process memory files: IORING_OP_WRITE, WRITEV, WRITE_FIXED and
 * WRITEV_FIXED (fixed buffers) into one, and IORING_OP_OPENAT/OPENAT2 of one, into the
 * descriptor table or "direct" into a fixed-file slot. An io_uring request runs no system call of
 * its own (the ring is read by the kernel inside io_uring_enter(), by its worker threads, or by a
 * polling thread with no system call at all), so the syscall hooks never see these; the
 * io_uring tracepoints do. The records are those of the syscalls (th_mem_write_event,
 * th_mem_open_event) with `via` TH_VIA_IO_URING, so the same rules judge them. Part of
 * tracehound.bpf.c, included once from it after mem_file.bpf.h, mem_write.bpf.h and enforce.bpf.h.
 *
 * Which file a write request goes to is settled in steps, and an attacker chooses the path:
 *  - a descriptor: the kernel takes it from the process's table when it first issues the request
 *    (in the submitter, or in a worker thread for IOSQE_ASYNC and for requests linked behind
 *    another) and fires io_uring_file_get just before: the probe looks the descriptor up then,
 *    so a dup2() after submission shows.
 *  - a fixed file (IOSQE_FIXED_FILE): the kernel reads the ring's slot without a tracepoint. The
 *    probe reads the slot at io_uring_submit_req (every request, in the submitter), looks at the
 *    request's file at io_uring_queue_async_work (the hand-off to a worker: a memory file cannot
 *    take a non-blocking write, so every write into one passes there, with its file unless
 *    IOSQE_ASYNC sent it before its first issue) and at io_uring_complete (the file written; not
 *    fired with IOSQE_CQE_SKIP_SUCCESS, nor when the completion queue overflows).
 * A write is reported at the first step that finds a memory file, and again only if a later
 * step finds another file (the `iou_seen` map). Prevention acts at the steps before the write.
 * What no step sees: a request with IOSQE_ASYNC and IOSQE_FIXED_FILE whose slot receives the
 * memory file after submission and that posts no completion; the memory file must have been
 * opened or received first (opens are reported, below, and by the syscall hooks).
 *
 * Opens are reported at completion, when the result names the descriptor or the slot: an open
 * with IOSQE_CQE_SKIP_SUCCESS is not seen, the writes through it are.
 *
 * Cost: each hook leaves on plain loads unless the request is one of these six; a write through
 * a descriptor pays one descriptor lookup (bench/RESULTS.md, "io_uring"). */
#ifndef TRACEHOUND_IO_URING_BPF_H
#define TRACEHOUND_IO_URING_BPF_H

/* Write requests reported already, by request: the file each was reported with. Entries of
 * requests that never complete visibly (CQE_SKIP) age out. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 1024);
  __type(key, __u64);   /* struct io_kiocb * */
  __type(value, __u64); /* struct file * */
} iou_seen SEC(".maps");

enum iou_step { TH_IOU_SUBMIT, TH_IOU_FILE_GET, TH_IOU_ASYNC, TH_IOU_COMPLETE };

static __always_inline int iou_is_write(__u8 op) {
  return op == IORING_OP_WRITE || op == IORING_OP_WRITEV || op == IORING_OP_WRITE_FIXED ||
         op == IORING_OP_WRITEV_FIXED;
}

static __always_inline int iou_is_vectored(__u8 op) {
  return op == IORING_OP_WRITEV || op == IORING_OP_WRITEV_FIXED;
}

/* The system call a write request stands for: at an offset, pwrite64/pwritev; at the file
 * position (offset -1), write/writev. */
static __always_inline enum th_syscall iou_write_syscall(__u8 op, int at_file_pos) {
  if (iou_is_vectored(op)) return at_file_pos ? TH_SC_WRITEV : TH_SC_PWRITEV;
  return at_file_pos ? TH_SC_WRITE : TH_SC_PWRITE64;
}

/* Bytes a write request asks to write: its length, or its iovecs summed (a 32-bit process's
 * ring takes compat iovecs). */
static __always_inline __u64 iou_write_bytes(struct io_kiocb *req, __u8 op, __u32 *iovcnt,
                                             __u8 *truncated) {
  struct io_rw *rw = (struct io_rw *)req; /* the request's command area starts with it */
  __u32 len = BPF_CORE_READ(rw, len);
  *truncated = 0;
  *iovcnt = 0;
  if (!iou_is_vectored(op)) return len;
  *iovcnt = len;
  struct io_ring_ctx *ctx = BPF_CORE_READ(req, ctx);
  enum th_abi abi = BPF_CORE_READ_BITFIELD_PROBED(ctx, compat) ? TH_ABI_IA32 : TH_ABI_X64;
  return iovec_bytes(BPF_CORE_READ(rw, addr), len, abi, truncated);
}

/* Where the write starts in the target's address space, and whether it is the file position.
 * Before the write the request holds the SQE's offset (-1: the file position, read from the
 * file until the kernel copies it into the request); after it, the position moved on by res. */
static __always_inline __u64 iou_write_offset(struct io_kiocb *req, struct file *f,
                                              enum iou_step step, __s64 res, __u8 *from_file) {
  struct io_rw *rw = (struct io_rw *)req;
  __s64 pos = BPF_CORE_READ(rw, kiocb.ki_pos);
  *from_file = (BPF_CORE_READ(req, flags) & TH_REQ_F_CUR_POS) != 0 || pos == -1;
  if (step == TH_IOU_COMPLETE) return res > 0 ? (__u64)(pos - res) : (__u64)pos;
  if (pos == -1) return BPF_CORE_READ(f, f_pos);
  return (__u64)pos;
}

/* Has this request already been reported with `f`? Otherwise note that it now is. */
static __always_inline int iou_already_seen(struct io_kiocb *req, struct file *f) {
  __u64 key = (__u64)req, val = (__u64)f;
  __u64 *seen = bpf_map_lookup_elem(&iou_seen, &key);
  if (seen && *seen == val) return 1;
  bpf_map_update_elem(&iou_seen, &key, &val, BPF_ANY);
  return 0;
}

/* The write request `req` found at `step` to go to the memory file `f`. */
static __noinline int iou_write_seen(struct io_kiocb *req, enum iou_step step, struct file *f,
                                     __s64 res) {
  struct task_struct *cur = bpf_get_current_task_btf();
  __s32 tgid = bpf_get_current_pid_tgid() >> 32;
  if (tgid == ignore_tgid) return 0;
  __u8 op = BPF_CORE_READ(req, opcode);
  __u8 from_file = 0, truncated = 0;
  __u64 offset = iou_write_offset(req, f, step, res, &from_file);
  enum th_syscall sc = iou_write_syscall(op, from_file);
  __s32 req_fd = BPF_CORE_READ(req, cqe.fd);
  __u32 iovcnt = 0;
  if (enforce_mode != 0 && step != TH_IOU_COMPLETE)
    mem_write_enforce(cur, sc, TH_ABI_X64, f, req_fd, iou_write_bytes(req, op, &iovcnt, &truncated),
                      TH_VIA_IO_URING);
  if (step == TH_IOU_COMPLETE) {
    __u64 key = (__u64)req;
    __u64 *seen = bpf_map_lookup_elem(&iou_seen, &key);
    int reported = seen && *seen == (__u64)f;
    bpf_map_delete_elem(&iou_seen, &key);
    if (reported) return 0;
  } else if (iou_already_seen(req, f)) {
    return 0;
  }
  const struct th_interest *in = current_interest();
  if (!in || !th_interest_wants_syscall(in, sc)) {
    count(TH_KIND_MEM_WRITE, COUNT_FILTERED);
    return 0;
  }
  struct flood_ticket ft;
  if (!flood_admit(&ft, TH_KIND_MEM_WRITE, 0, mem_file_tid(f), res)) return 0;
  struct th_mem_write_event *e = reserve(&ft, sizeof(*e));
  if (!e) return 0;
  fill_header(&e->h, cur, TH_KIND_MEM_WRITE, sc, TH_ABI_X64, res);
  mark_io_uring(&e->h, cur);
  mem_file_target(&e->t, f, cur, tgid);
  e->offset = offset;
  e->offset_from_file = from_file;
  e->fd = req_fd;
  e->bytes = iou_write_bytes(req, op, &iovcnt, &truncated);
  e->iovcnt = iovcnt;
  e->bytes_truncated = truncated;
  e->pad[0] = e->pad[1] = e->pad[2] = 0;
  record_file_path(f, e->path, &e->path_len, &e->path_truncated);
  submit(e, &ft);
  return 0;
}

/* A completed open request: the memory file it put into the process's table (res: the
 * descriptor) or into a fixed-file slot (the slot asked for, or the one the kernel chose: res). */
static __noinline int iou_open_done(struct io_kiocb *req, __u8 op, __s64 res) {
  struct task_struct *cur = bpf_get_current_task_btf();
  struct io_open *o = (struct io_open *)req; /* the request's command area starts with it */
  __u32 slot = BPF_CORE_READ(o, file_slot);
  struct file *f;
  if (!slot)
    f = fd_file(cur, (__u32)res);
  else
    f = th_iou_fixed_file(BPF_CORE_READ(req, ctx),
                          slot == TH_IORING_FILE_INDEX_ALLOC ? (__u32)res : slot - 1);
  if (!f || !is_proc_mem_file(f)) return 0;
  return report_mem_open(cur, op == IORING_OP_OPENAT2 ? TH_SC_OPENAT2 : TH_SC_OPENAT, TH_ABI_X64,
                         f, res, TH_VIA_IO_URING);
}

/* The hooks run for every io_uring request of every process, so each leaves on plain loads
 * unless the request is one of the six; a descriptor (not a fixed file) is looked at once, when
 * the kernel takes it from the table (io_uring_file_get), which every such request passes. */

static __always_inline int iou_is_fixed_file_write(struct io_kiocb *req) {
  return iou_is_write(req->opcode) && (req->flags & TH_REQ_F_FIXED_FILE);
}

static __always_inline int iou_mem_file(struct file *f) {
  return f && is_proc_mem_file(f);
}

/* Fixed files only: the slot as the request is submitted. */
SEC("tp_btf/io_uring_submit_req")
int BPF_PROG(th_iou_submit, struct io_kiocb *req) {
  if (!iou_is_fixed_file_write(req)) return 0;
  struct file *f = th_iou_fixed_file(req->ctx, (__u32)req->cqe.fd);
  return iou_mem_file(f) ? iou_write_seen(req, TH_IOU_SUBMIT, f, 0) : 0;
}

/* Descriptors: the file behind it as the kernel is about to take it. */
SEC("tp_btf/io_uring_file_get")
int BPF_PROG(th_iou_file_get, struct io_kiocb *req, int fd) {
  if (!iou_is_write(req->opcode)) return 0;
  struct file *f = fd_file(bpf_get_current_task_btf(), (__u32)fd);
  return iou_mem_file(f) ? iou_write_seen(req, TH_IOU_FILE_GET, f, 0) : 0;
}

/* Fixed files: the file the kernel took from the slot at the first issue (a linked request's
 * slot may have been filled after submission). */
SEC("tp_btf/io_uring_queue_async_work")
int BPF_PROG(th_iou_async, struct io_kiocb *req, int rw) {
  if (!iou_is_fixed_file_write(req)) return 0;
  struct file *f = req->file;
  return iou_mem_file(f) ? iou_write_seen(req, TH_IOU_ASYNC, f, 0) : 0;
}

/* The request is an untyped pointer here (NULL for completions that belong to no request): a
 * typed read-only view where kfuncs are allowed, helper reads otherwise. Fixed-file writes (the
 * file that was written) and opens. */
SEC("tp_btf/io_uring_complete")
int BPF_PROG(th_iou_complete, struct io_ring_ctx *ring, void *request, struct io_uring_cqe *cqe) {
  __s64 res = cqe->res;
  if (res < 0 || !request) return 0; /* nothing written, nothing opened */
  struct io_kiocb *req = request;
  __u8 op;
  __u64 flags;
  if (use_task_kfuncs && th_ksym_exists(bpf_rdonly_cast)) {
    struct io_kiocb *typed = bpf_rdonly_cast(request, bpf_core_type_id_kernel(struct io_kiocb));
    op = typed->opcode;
    flags = typed->flags;
  } else {
    op = BPF_CORE_READ(req, opcode);
    flags = BPF_CORE_READ(req, flags);
  }
  if (op == IORING_OP_OPENAT || op == IORING_OP_OPENAT2) return iou_open_done(req, op, res);
  if (!iou_is_write(op) || !(flags & TH_REQ_F_FIXED_FILE) || res == 0) return 0;
  struct file *f = BPF_CORE_READ(req, file);
  return iou_mem_file(f) ? iou_write_seen(req, TH_IOU_COMPLETE, f, res) : 0;
}

#endif /* TRACEHOUND_IO_URING_BPF_H */
