/* The evaluator of enforcement programs (enforce.h): one instruction at a time, so that the BPF
 * side can drive it with bpf_loop() (one verification of the step, whatever the program's
 * length) and the user-space tests with a plain loop, on the same code. Header-only C. */
#ifndef TRACEHOUND_ENFORCE_EVAL_H
#define TRACEHOUND_ENFORCE_EVAL_H

#include "enforce.h"

#ifndef TH_INLINE
#define TH_INLINE static inline __attribute__((always_inline))
#endif

struct th_enforce_state {
  __u8 stack[TH_ENFORCE_STACK];
  __u32 sp;      /* entries in use */
  __s32 rule;    /* the matching rule, -1 while none */
  __u32 broken;  /* a malformed program (stack under- or overflow): nothing is killed */
};

TH_INLINE void th_enforce_init(struct th_enforce_state *s) {
  for (int i = 0; i < TH_ENFORCE_STACK; i++) s->stack[i] = TH_TRI_UNKNOWN;
  s->sp = 0;
  s->rule = -1;
  s->broken = 0;
}

TH_INLINE __u8 th_tri_of(int b) { return b ? TH_TRI_YES : TH_TRI_NO; }

TH_INLINE __u8 th_tri_and(__u8 a, __u8 b) {
  if (a == TH_TRI_NO || b == TH_TRI_NO) return TH_TRI_NO;
  return a == TH_TRI_YES && b == TH_TRI_YES ? TH_TRI_YES : TH_TRI_UNKNOWN;
}

TH_INLINE __u8 th_tri_or(__u8 a, __u8 b) {
  if (a == TH_TRI_YES || b == TH_TRI_YES) return TH_TRI_YES;
  return a == TH_TRI_NO && b == TH_TRI_NO ? TH_TRI_NO : TH_TRI_UNKNOWN;
}

TH_INLINE __u8 th_tri_not(__u8 a) {
  return a == TH_TRI_YES ? TH_TRI_NO : a == TH_TRI_NO ? TH_TRI_YES : TH_TRI_UNKNOWN;
}

/* A leaf: the comparison of one fact with the instruction's value. */
TH_INLINE __u8 th_enforce_leaf(const struct th_enforce_facts *f, const struct th_enforce_insn *in) {
  __u32 fact = in->fact;
  if (fact >= TH_EF_COUNT || !((f->known >> fact) & 1u)) return TH_TRI_UNKNOWN;
  __s64 v = f->v[fact];
  __s64 c = in->value;
  switch (in->op) {
    case TH_EO_EQ: return th_tri_of(v == c);
    case TH_EO_NE: return th_tri_of(v != c);
    case TH_EO_LT: return th_tri_of(v < c);
    case TH_EO_LE: return th_tri_of(v <= c);
    case TH_EO_GT: return th_tri_of(v > c);
    case TH_EO_GE: return th_tri_of(v >= c);
    case TH_EO_ANY_BITS: return th_tri_of((v & c) != 0);
    default: return TH_TRI_UNKNOWN;
  }
}

/* Runs one instruction. Returns 1 when evaluation is over (a rule matched, or the program is
 * malformed), 0 to go on. */
TH_INLINE int th_enforce_step(struct th_enforce_state *s, const struct th_enforce_facts *f,
                              const struct th_enforce_insn *in) {
  const __u32 mask = TH_ENFORCE_STACK - 1;
  __u32 sp = s->sp;
  if (in->op <= TH_EO_CONST) { /* a push */
    if (sp >= TH_ENFORCE_STACK) goto broken;
    s->stack[sp & mask] = in->op == TH_EO_CONST ? (__u8)in->value : th_enforce_leaf(f, in);
    s->sp = sp + 1;
    return 0;
  }
  if (in->op == TH_EO_NOT) {
    if (sp < 1 || sp > TH_ENFORCE_STACK) goto broken;
    s->stack[(sp - 1) & mask] = th_tri_not(s->stack[(sp - 1) & mask]);
    return 0;
  }
  if (in->op == TH_EO_AND || in->op == TH_EO_OR) {
    if (sp < 2 || sp > TH_ENFORCE_STACK) goto broken;
    __u8 a = s->stack[(sp - 2) & mask], b = s->stack[(sp - 1) & mask];
    s->stack[(sp - 2) & mask] = in->op == TH_EO_AND ? th_tri_and(a, b) : th_tri_or(a, b);
    s->sp = sp - 1;
    return 0;
  }
  if (in->op == TH_EO_RULE) {
    if (sp != 1) goto broken; /* each rule leaves exactly its result */
    s->sp = 0;
    if (s->stack[0] != TH_TRI_YES) return 0;
    s->rule = (__s32)in->value;
    return 1;
  }
broken:
  s->broken = 1;
  s->rule = -1;
  return 1;
}

#endif /* TRACEHOUND_ENFORCE_EVAL_H */
