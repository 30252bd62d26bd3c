// Attaches the named BPF programs of an object file, runs one command, prints the command's CPU
// time (user+system of it and its waited-for children, from wait4) in seconds, then detaches.
// Used by bench/probe_attach_overhead.sh; with no program names it measures the bare command.
//   attach_run OBJ [--rodata NAME=VALUE]... [--fill-map NAME]... [--drain RINGBUF] [PROG...]
//              -- CMD [ARG...]
// --rodata sets a `const volatile` variable (1, 4 or 8 bytes) before load; --fill-map writes
// all-ones into key 0 of an array map after load (e.g. the probe's interest: "every rule");
// --drain consumes a ring buffer from a thread of this process, as the loader would, so that
// records are really written rather than dropped on a full ring.
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static int quiet(enum libbpf_print_level level, const char *fmt, va_list args) {
  return level == LIBBPF_WARN ? vfprintf(stderr, fmt, args) : 0;
}

static int set_rodata(struct bpf_object *obj, const char *assignment) {
  char name[128];
  const char *eq = strchr(assignment, '=');
  if (!eq || (size_t)(eq - assignment) >= sizeof(name)) return -1;
  memcpy(name, assignment, eq - assignment);
  name[eq - assignment] = 0;
  unsigned long long value = strtoull(eq + 1, NULL, 0);
  struct bpf_map *map = bpf_object__find_map_by_name(obj, ".rodata");
  struct btf *btf = bpf_object__btf(obj);
  int sec = btf ? btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC) : -1;
  if (!map || sec < 0) return -1;
  size_t size = 0;
  const void *initial = bpf_map__initial_value(map, &size);
  char data[4096];
  if (!initial || size > sizeof(data)) return -1;
  memcpy(data, initial, size);
  const struct btf_type *t = btf__type_by_id(btf, sec);
  const struct btf_var_secinfo *v = btf_var_secinfos(t);
  for (int i = 0; i < btf_vlen(t); i++, v++) {
    if (strcmp(btf__name_by_offset(btf, btf__type_by_id(btf, v->type)->name_off), name) != 0) continue;
    if (v->offset + v->size > size) return -1;
    if (v->size == 1) data[v->offset] = (char)value;
    else if (v->size == 4) { unsigned int x = (unsigned int)value; memcpy(data + v->offset, &x, 4); }
    else if (v->size == 8) memcpy(data + v->offset, &value, 8);
    else return -1;
    return bpf_map__set_initial_value(map, data, size);
  }
  return -1;
}

static atomic_int g_stop;

static int discard(void *ctx, void *data, size_t size) { return 0; }

static void *drain(void *ring) {
  while (!atomic_load(&g_stop)) ring_buffer__poll(ring, 50);
  ring_buffer__consume(ring);
  return NULL;
}

int main(int argc, char **argv) {
  int sep = 1;
  while (sep < argc && strcmp(argv[sep], "--") != 0) sep++;
  if (argc < 3 || sep >= argc - 1) {
    fprintf(stderr, "usage: %s OBJ [--rodata NAME=VALUE]... [--fill-map NAME]... [PROG...] -- CMD [ARG...]\n", argv[0]);
    return 2;
  }
  libbpf_set_print(quiet);
  struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
  if (!obj) {
    perror("bpf_object__open_file");
    return 1;
  }
  const char *progs[64], *fills[8], *drain_name = NULL;
  int nprogs = 0, nfills = 0;
  for (int i = 2; i < sep; i++) {
    if (strcmp(argv[i], "--rodata") == 0 && i + 1 < sep) {
      if (set_rodata(obj, argv[++i])) {
        fprintf(stderr, "cannot set %s\n", argv[i]);
        return 1;
      }
    } else if (strcmp(argv[i], "--fill-map") == 0 && i + 1 < sep && nfills < 8) {
      fills[nfills++] = argv[++i];
    } else if (strcmp(argv[i], "--drain") == 0 && i + 1 < sep) {
      drain_name = argv[++i];
    } else if (nprogs < 64) {
      progs[nprogs++] = argv[i];
    }
  }
  struct bpf_program *prog;
  bpf_object__for_each_program(prog, obj) {
    int wanted = 0;
    for (int i = 0; i < nprogs; i++) wanted |= strcmp(bpf_program__name(prog), progs[i]) == 0;
    bpf_program__set_autoload(prog, wanted);
  }
  if (bpf_object__load(obj)) {
    fprintf(stderr, "cannot load %s\n", argv[1]);
    return 1;
  }
  for (int i = 0; i < nfills; i++) {
    struct bpf_map *map = bpf_object__find_map_by_name(obj, fills[i]);
    unsigned int key = 0;
    char value[4096];
    memset(value, 0xff, sizeof(value));
    if (!map || bpf_map__value_size(map) > sizeof(value) ||
        bpf_map__update_elem(map, &key, sizeof(key), value, bpf_map__value_size(map), 0)) {
      fprintf(stderr, "cannot fill map %s\n", fills[i]);
      return 1;
    }
  }
  struct ring_buffer *ring = NULL;
  pthread_t drainer;
  if (drain_name) {
    struct bpf_map *map = bpf_object__find_map_by_name(obj, drain_name);
    ring = map ? ring_buffer__new(bpf_map__fd(map), discard, NULL, NULL) : NULL;
    if (!ring || pthread_create(&drainer, NULL, drain, ring) != 0) {
      fprintf(stderr, "cannot drain %s\n", drain_name);
      return 1;
    }
  }
  struct bpf_link *links[64];
  for (int i = 0; i < nprogs; i++) {
    prog = bpf_object__find_program_by_name(obj, progs[i]);
    links[i] = prog ? bpf_program__attach(prog) : NULL;
    if (!links[i]) {
      fprintf(stderr, "cannot attach %s\n", progs[i]);
      return 1;
    }
  }
  pid_t child = fork();
  if (child == 0) {
    execvp(argv[sep + 1], argv + sep + 1);
    _exit(127);
  }
  int status = 0;
  struct rusage ru;
  if (wait4(child, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "command failed\n");
    return 1;
  }
  printf("%.4f\n", ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
                       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
  for (int i = 0; i < nprogs; i++) bpf_link__destroy(links[i]);
  if (ring) {
    atomic_store(&g_stop, 1);
    pthread_join(drainer, NULL);
    ring_buffer__free(ring);
  }
  bpf_object__close(obj);
  return 0;
}
