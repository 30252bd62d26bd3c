/* Prevention: the compiled form of the `action: kill` rules the kernel evaluates on its own, and
 * the record it writes for each decision. Flat and pointer-free, shared by the BPF side
 * (enforce.bpf.h), the loader (enforce_map.cpp) and the user-space tests, which run the same
 * evaluator (enforce_eval.h) on the same instructions.
 *
 * A program is the postfix form of every kill rule's condition, one after the other: leaves push
 * a three-valued result (yes / no / unknown: a fact the kernel does not have), AND/OR/NOT combine
 * the top of the stack with Kleene logic, and RULE pops the result of one rule: yes stops the
 * program with that rule as the verdict. Unknown never kills. */
#ifndef TRACEHOUND_ENFORCE_H
#define TRACEHOUND_ENFORCE_H

#include "tracehound.h"

#define TH_ENFORCE_MAX_INSNS 1024 /* instructions of all kill rules together */
#define TH_ENFORCE_STACK 16       /* evaluation stack depth (a power of two) */
#define TH_ENFORCE_MAX_SETS 62    /* executable lists; bit 63 of a set mask: allow-listed */
#define TH_ENFORCE_ALLOW_BIT 63

/* What the kernel knows at a kill point; a program's leaves read these. */
enum th_enforce_fact {
  TH_EF_SYSCALL = 0,            /* enum th_syscall */
  TH_EF_PTRACE_REQUEST = 1,     /* as the kernel reads it (a long) */
  TH_EF_ARCH_PRCTL_CODE = 2,    /* PTRACE_ARCH_PRCTL: the low 32 bits of data, signed */
  TH_EF_FAILED = 3,             /* 0 at a kill point before the call: the attempt is judged */
  TH_EF_TARGET_IS_SELF = 4,     /* 0/1 */
  TH_EF_TARGET_IS_DESCENDANT = 5,
  TH_EF_TARGET_PID = 6,         /* host tgid */
  TH_EF_CALLER_EXE_SETS = 7,    /* bit n: the caller's executable is in list n (by identity) */
  TH_EF_TARGET_EXE_SETS = 8,
  TH_EF_SAME_PIDNS = 9,         /* caller and target in the same pid namespace (container) */
  TH_EF_CALLER_HOST_PIDNS = 10, /* the caller is in the initial pid namespace */
  TH_EF_TARGET_HOST_PIDNS = 11,
  TH_EF_UID = 12,               /* the caller's uid */
  TH_EF_OPEN_WRITE = 13,        /* a memory-file open for writing */
  TH_EF_COUNT = 14,
};

enum th_enforce_op {
  TH_EO_EQ = 0, /* push fact == value (unknown when the fact is) */
  TH_EO_NE = 1,
  TH_EO_LT = 2, /* signed comparisons */
  TH_EO_LE = 3,
  TH_EO_GT = 4,
  TH_EO_GE = 5,
  TH_EO_ANY_BITS = 6, /* push (fact & value) != 0 */
  TH_EO_CONST = 7,    /* push value (enum th_tri) */
  TH_EO_AND = 8,      /* pop two, push their Kleene and */
  TH_EO_OR = 9,
  TH_EO_NOT = 10,     /* pop one, push its negation */
  TH_EO_RULE = 11,    /* pop the result of rule `value`: yes ends the program with it */
  TH_EO_COUNT = 12,
};

struct th_enforce_insn {
  __s64 value;
  __u8 op;   /* enum th_enforce_op */
  __u8 fact; /* enum th_enforce_fact, for the leaves */
  __u8 pad[6];
};

/* The facts of one kill point. */
struct th_enforce_facts {
  __s64 v[TH_EF_COUNT];
  __u32 known; /* bit (1 << fact) when v[fact] is known */
  __u32 pad;
};

/* The single value of the enforce_config map. */
struct th_enforce_config {
  __u32 insns;          /* instructions in enforce_prog in use; 0: nothing to enforce */
  __u32 kills_per_sec;  /* the cap, all rules together */
};

/* Where the decision was taken. */
enum th_enforce_point { TH_EP_ENTER = 0, TH_EP_EXIT = 1 };

/* What was done. */
enum th_enforce_result {
  TH_ER_KILLED = 0,       /* SIGKILL queued for the caller */
  TH_ER_KILL_FAILED = 1,  /* bpf_send_signal failed (signal_err) */
  TH_ER_DRY_RUN = 2,      /* enforcement in dry_run: nothing done */
  TH_ER_RATE_LIMITED = 3, /* beyond kills_per_sec: nothing done */
  TH_ER_SPARED = 4,       /* never killed (enum th_enforce_spared) */
  TH_ER_COUNT = 5,
};

enum th_enforce_spared {
  TH_ES_NONE = 0,
  TH_ES_INIT = 1,       /* pid 1 */
  TH_ES_KTHREAD = 2,    /* a kernel thread */
  TH_ES_ALLOW_EXE = 3,  /* its executable is on the allow list */
  TH_ES_ALLOW_UID = 4,  /* its uid is on the allow list */
};

/* One decision, in the `enforce_events` ring. */
struct th_enforce_event {
  struct th_header h;  /* the caller, as for a record of its kind; res: the syscall's, at exit */
  struct th_target t;
  __s64 request;       /* ptrace */
  __u64 addr;
  __u64 data;
  __u64 bytes;         /* process_vm_writev / writes: bytes asked */
  __s32 fd;            /* memory-file writes; -1 otherwise */
  __u32 rule;          /* the rule's index in the program's rule table */
  __s32 signal_err;    /* bpf_send_signal's return (0: queued) */
  __u32 open_flags;    /* memory-file opens */
  __u8 result;         /* enum th_enforce_result */
  __u8 point;          /* enum th_enforce_point */
  __u8 spared;         /* enum th_enforce_spared */
  __u8 target_was_stopped; /* ATTACH: the target was in a group stop before the call */
  __u8 pad[4];
};

/* Key of the enforce_exes map: a file's identity, as exec records carry it. */
struct th_exe_key {
  __u64 ino;
  __u32 dev; /* the kernel's encoding: major << 20 | minor */
  __u32 pad;
};

#ifdef __cplusplus
#define TH_ENFORCE_ASSERT(cond) static_assert(cond, #cond)
#else
#define TH_ENFORCE_ASSERT(cond) _Static_assert(cond, #cond)
#endif
TH_ENFORCE_ASSERT(sizeof(struct th_enforce_insn) == 16);
TH_ENFORCE_ASSERT(sizeof(struct th_enforce_facts) == 8 * TH_EF_COUNT + 8);
TH_ENFORCE_ASSERT(sizeof(struct th_enforce_config) == 8);
TH_ENFORCE_ASSERT(sizeof(struct th_enforce_event) == 72 + 16 + 32 + 16 + 8);
TH_ENFORCE_ASSERT(sizeof(struct th_exe_key) == 16);
TH_ENFORCE_ASSERT(TH_EF_COUNT <= 32 && TH_ENFORCE_MAX_SETS < TH_ENFORCE_ALLOW_BIT);
TH_ENFORCE_ASSERT((TH_ENFORCE_STACK & (TH_ENFORCE_STACK - 1)) == 0);
#undef TH_ENFORCE_ASSERT

#endif /* TRACEHOUND_ENFORCE_H */
