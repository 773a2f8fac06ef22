/*
 * cronplane-spawner: starts one worker's job commands (see src/executor/spawner-client.ts).
 *
 * Why native: a Node process forks with fork(2), whose cost grows with the caller's memory, and
 * its child then runs Node's pre-exec setup in a copy-on-write image. Measured on 2 cores, that
 * was about 0.9 ms of the spawner's CPU plus 0.4 ms more in each command per start. posix_spawn
 * here uses clone(CLONE_VM | CLONE_VFORK): this process spends about 0.25 ms per start in all,
 * and the command pays only for itself.
 *
 * It only spawns, forwards output and reports spawned/failed/cancelled/exit/closed; timers,
 * stops and signals stay in the worker, which signals the process groups itself. It exits when
 * the worker goes away (its stdin ends); the commands keep running, as they would had the
 * worker spawned them. Only libc.
 *
 * Standard input content goes into a sealed in-memory file (memfd) that becomes the command's
 * fd 0, not into a pipe: writing it here can never block (a pipe holds 64 KiB at most and a
 * command that does not read would stall this loop, or need per-run write state), the command
 * reads exactly the content and then end of file, and the seals stop it from changing it.
 *
 * Runs as another user (start as): the identity is resolved here, on the worker's machine, with
 * getpwnam_r/getpwuid_r, getgrnam_r and getgrouplist; a named group must be one of the user's
 * (its passwd group or a supplementary one). The command gets HOME, USER and LOGNAME from the
 * passwd entry unless the start's environment sets them, and starts in the user's home (else /).
 * Running as root, this process forks (posix_spawn cannot change credentials) and the child sets
 * the supplementary groups, the gid and the uid before exec, using async-signal-safe calls only;
 * a failure there comes back over a close-on-exec pipe as a `failed` event. Not root, it can run
 * commands only as its own uid and gid, and does so with posix_spawn; any other identity fails.
 *
 * Protocol, both directions on stdin/stdout: frames of a little-endian u32 length, then that many
 * bytes: a kind byte and its fields (u32 and i32 little-endian, f64 as its IEEE bits).
 *   worker -> here: 1 start   u32 id, f64 notBefore (epoch ms, 0: now), u32 argc, u32 envc,
 *                             NUL-terminated strings: file, argc args, envc "NAME=value",
 *                             then optionally u32 n and n bytes: the command's standard input
 *                             (without them it reads /dev/null)
 *                   4 start as  u32 id, f64 notBefore, u32 argc, u32 envc, u32 flags, then the
 *                             strings of a start preceded by one more, the identity "user" or
 *                             "user:group" (names, or numeric ids), then the optional stdin as
 *                             in a start. flags bit 0: uid 0 may be used, and a group of gid 0.
 *                   2 release u32 id (the worker stopped waiting for the pipes: close them)
 *                   3 cancel  u32 id (drop the start if it has not happened yet)
 *   (Kind 4 was added after 1-3, whose layout did not change: a start without an identity is
 *   still kind 1, spawned by posix_spawn as before.)
 *   here -> worker: 1 spawned u32 id, u32 pid, f64 at (epoch ms when the command had started)
 *                   2 failed  u32 id, message bytes
 *                   3 cancelled u32 id
 *                   4 output  u32 id, bytes (stdout and stderr, as they come)
 *                   5 exit    u32 id, i32 code (-1: none), i32 signal number (0: none)
 *                   6 closed  u32 id (exited, and both pipes closed or released)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/close_range.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { CMD_START = 1, CMD_RELEASE = 2, CMD_CANCEL = 3, CMD_START_AS = 4 };
/* start as flags: uid 0 (and an explicitly named group of gid 0) may be used. */
#define START_AS_ROOT 1u
enum { EV_SPAWNED = 1, EV_FAILED = 2, EV_CANCELLED = 3, EV_OUTPUT = 4, EV_EXIT = 5, EV_CLOSED = 6 };

/* A frame larger than this is a broken worker, not a command. */
#define MAX_FRAME (64u * 1024u * 1024u)
/* Output bytes waiting for the worker above which commands' pipes are not read... */
#define PAUSE_AT (16u * 1024u * 1024u)
/* ...and below which they are read again. */
#define RESUME_AT (4u * 1024u * 1024u)
#define READ_CHUNK 65536

/* epoll tags: what a ready descriptor is. */
#define TAG_STDIN 0
#define TAG_STDOUT 1
#define TAG_SIGNAL 2
#define TAG_PIPE 3

struct run {
  uint32_t id;
  pid_t pid;
  size_t slot; /* its index in `runs`, also in its pipes' epoll tags */
  int fds[2]; /* read ends of the command's stdout and stderr; -1 once closed */
  int exited;
};

struct pending {
  int kind; /* CMD_START or CMD_START_AS */
  uint32_t id;
  double not_before;
  char *frame; /* the start command, parsed when due */
  uint32_t length;
};

static struct run **runs;
static size_t runs_cap;
static struct pending *timed;
static size_t timed_len, timed_cap;

static int epfd, sigfd;
static unsigned char *inbuf;
static size_t in_len, in_cap;
static unsigned char *outbuf; /* events not yet written: outbuf[out_start, out_len) */
static size_t out_start, out_len, out_cap;
static int out_watched, paused;

static void die(const char *what) {
  fprintf(stderr, "cronplane-spawner: %s: %s\n", what, strerror(errno));
  exit(70);
}

static void *grow(void *p, size_t *cap, size_t need, size_t size) {
  if (need <= *cap) return p;
  size_t next = *cap ? *cap : 16;
  while (next < need) next *= 2;
  void *q = realloc(p, next * size);
  if (!q) die("out of memory");
  *cap = next;
  return q;
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return (double)t.tv_sec * 1000.0 + (double)t.tv_nsec / 1e6;
}

static uint32_t get_u32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static double get_f64(const unsigned char *p) {
  uint64_t bits = (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
  double value;
  memcpy(&value, &bits, sizeof value);
  return value;
}

/* ---- events to the worker ---- */

static void watch_stdout(void) {
  int want = out_len > out_start;
  if (want == out_watched) return;
  struct epoll_event ev = {.events = want ? EPOLLOUT : 0, .data.u64 = TAG_STDOUT};
  if (epoll_ctl(epfd, EPOLL_CTL_MOD, 1, &ev) < 0) die("epoll_ctl stdout");
  out_watched = want;
}

static void put_bytes(const void *p, size_t n) {
  if (out_start > 0 && out_start >= out_len / 2) { /* compact only when most of it is written */
    memmove(outbuf, outbuf + out_start, out_len - out_start);
    out_len -= out_start;
    out_start = 0;
  }
  outbuf = grow(outbuf, &out_cap, out_len + n, 1);
  memcpy(outbuf + out_len, p, n);
  out_len += n;
}

static void put_u32(uint32_t v) {
  unsigned char b[4] = {v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >> 24) & 0xff};
  put_bytes(b, 4);
}

static void put_f64(double value) {
  uint64_t bits;
  memcpy(&bits, &value, sizeof bits);
  put_u32((uint32_t)bits);
  put_u32((uint32_t)(bits >> 32));
}

/* Starts an event of `kind` for run `id` with `extra` bytes of fields to follow. */
static void begin_event(int kind, uint32_t id, size_t extra) {
  put_u32((uint32_t)(1 + 4 + extra));
  unsigned char k = (unsigned char)kind;
  put_bytes(&k, 1);
  put_u32(id);
}

static void apply_backpressure(void);

static void emit(int kind, uint32_t id) {
  begin_event(kind, id, 0);
}

static void emit_bytes(int kind, uint32_t id, const void *p, size_t n) {
  begin_event(kind, id, n);
  put_bytes(p, n);
}

/* Writes what it can without blocking; exits when the worker is gone. */
static void flush_out(void) {
  while (out_start < out_len) {
    ssize_t n = write(1, outbuf + out_start, out_len - out_start);
    if (n > 0) {
      out_start += (size_t)n;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    exit(0); /* EPIPE: the worker went away; the commands keep running */
  }
  if (out_start == out_len) out_start = out_len = 0;
  watch_stdout();
  apply_backpressure();
}

/* The worker ended its side: tell it what is left (it reads until this end closes, unless it is
 * gone, when the write fails at once), then exit; the commands keep running (own sessions). */
static void finish(void) {
  fcntl(1, F_SETFL, fcntl(1, F_GETFL) & ~O_NONBLOCK);
  flush_out();
  exit(0);
}

/* ---- runs ---- */

static struct run *find_run(uint32_t id, pid_t pid) {
  for (size_t i = 0; i < runs_cap; i++) {
    struct run *r = runs[i];
    if (r && (pid ? r->pid == pid : r->id == id)) return r;
  }
  return NULL;
}

static uint64_t pipe_tag(const struct run *r, int which) {
  return TAG_PIPE | (uint64_t)r->slot << 8 | (uint64_t)which << 4;
}

static void set_reading(struct run *r, int which, int reading) {
  struct epoll_event ev = {.events = reading ? EPOLLIN : 0, .data.u64 = pipe_tag(r, which)};
  epoll_ctl(epfd, EPOLL_CTL_MOD, r->fds[which], &ev);
}

/* Stops reading commands' output while the worker is behind, so memory here stays bounded. */
static void apply_backpressure(void) {
  size_t waiting = out_len - out_start;
  int pause = paused ? waiting > RESUME_AT : waiting > PAUSE_AT;
  if (pause == paused) return;
  paused = pause;
  for (size_t i = 0; i < runs_cap; i++)
    if (runs[i])
      for (int w = 0; w < 2; w++)
        if (runs[i]->fds[w] >= 0) set_reading(runs[i], w, !pause);
}

static void forget_if_done(struct run *r) {
  if (!r->exited || r->fds[0] >= 0 || r->fds[1] >= 0) return;
  emit(EV_CLOSED, r->id);
  runs[r->slot] = NULL;
  free(r);
}

static void close_pipe(struct run *r, int which) {
  if (r->fds[which] < 0) return;
  close(r->fds[which]); /* also leaves the epoll set */
  r->fds[which] = -1;
}

/* Forwards what one pipe has; 1 when that was output (0: nothing now, or its end). */
static int read_pipe(struct run *r, int which) {
  static char chunk[READ_CHUNK];
  ssize_t n = read(r->fds[which], chunk, sizeof chunk);
  if (n > 0) {
    emit_bytes(EV_OUTPUT, r->id, chunk, (size_t)n);
    return 1;
  }
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return 0;
  close_pipe(r, which); /* end of output (or an error, which ends it too) */
  forget_if_done(r);
  return 0;
}

/* Finds `file` on the request's PATH the way execvp would (Node's spawn does the same). */
static const char *resolve(const char *file, char *const envp[], char *buf, size_t size) {
  if (strchr(file, '/')) return file;
  const char *path = "/usr/local/bin:/usr/bin:/bin";
  for (char *const *e = envp; *e; e++)
    if (strncmp(*e, "PATH=", 5) == 0) path = *e + 5;
  for (const char *p = path;; p = strchr(p, ':') + 1) {
    const char *end = strchr(p, ':');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (snprintf(buf, size, "%.*s%s%s", (int)len, p, len ? "/" : "", file) < (int)size &&
        access(buf, X_OK) == 0)
      return buf;
    if (!end) return file;
  }
}

static void failed(uint32_t id, const char *file, int error) {
  const char *name = strerrorname_np(error);
  char message[512];
  if (name)
    snprintf(message, sizeof message, "spawn %s %s", file, name);
  else
    snprintf(message, sizeof message, "spawn %s errno %d", file, error);
  emit_bytes(EV_FAILED, id, message, strlen(message));
}

/* A sealed memory file holding `n` bytes, read from its start; -1 with errno on failure. */
static int input_file(const char *bytes, uint32_t n) {
  int fd = memfd_create("cronplane-stdin", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) return -1;
  size_t done = 0;
  while (done < n) {
    ssize_t w = write(fd, bytes + done, n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) goto fail;
    done += (size_t)w;
  }
  if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0 ||
      lseek(fd, 0, SEEK_SET) < 0)
    goto fail;
  return fd;
fail:;
  int error = errno ? errno : EIO;
  close(fd);
  errno = error;
  return -1;
}

static void failed_because(uint32_t id, const char *message) {
  emit_bytes(EV_FAILED, id, message, strlen(message));
}

/* ---- identities (start as) ---- */

/* Whom a start as runs as, resolved on this machine before the command starts. */
struct identity {
  uid_t uid;
  gid_t gid;
  gid_t *groups; /* supplementary groups: the user's, from getgrouplist */
  int ngroups;
  char *home;
  char *env[3]; /* "HOME=...", "USER=...", "LOGNAME=..." */
  int change; /* this process is root: the child sets groups, gid and uid before exec */
};

static void forget_identity(struct identity *who) {
  free(who->groups);
  free(who->home);
  for (int i = 0; i < 3; i++) free(who->env[i]);
}

/* A whole decimal id in [0, 2^32 - 2] (2^32 - 1 is (uid_t)-1, "no change" to setresuid). */
static int numeric_id(const char *s, unsigned long *value) {
  if (*s == 0 || strspn(s, "0123456789") != strlen(s) || strlen(s) > 10) return 0;
  *value = strtoul(s, NULL, 10);
  return *value <= 0xfffffffeUL;
}

static char *copy_of(const char *s) {
  char *copy = strdup(s);
  if (!copy) die("out of memory");
  return copy;
}

static char *variable(const char *name, const char *value) {
  size_t n = strlen(name) + 1 + strlen(value) + 1;
  char *s = malloc(n);
  if (!s) die("out of memory");
  snprintf(s, n, "%s=%s", name, value);
  return s;
}

/* Buffer size for the *_r lookups; they say ERANGE when it is too small. */
static size_t lookup_size(int name) {
  long size = sysconf(name);
  return size > 0 && size < (1 << 20) ? (size_t)size : 16384;
}

/* The passwd entry of `user` (a name or a numeric uid) into `who`; 0, else -1 and `message`. */
static int find_user(const char *user, struct identity *who, char **name, char *message,
                     size_t size) {
  unsigned long uid;
  int numeric = numeric_id(user, &uid);
  struct passwd entry, *found = NULL;
  size_t length = lookup_size(_SC_GETPW_R_SIZE_MAX);
  char *buffer = NULL;
  int rc;
  for (;;) {
    buffer = malloc(length);
    if (!buffer) die("out of memory");
    rc = numeric ? getpwuid_r((uid_t)uid, &entry, buffer, length, &found)
                 : getpwnam_r(user, &entry, buffer, length, &found);
    if (rc != ERANGE || length >= (1u << 24)) break;
    free(buffer);
    length *= 2;
  }
  if (rc != 0 || !found) {
    if (rc != 0)
      snprintf(message, size, "user %s: passwd lookup failed: %s", user, strerror(rc));
    else
      snprintf(message, size, "unknown user %s (no passwd entry on this worker)", user);
    free(buffer);
    return -1;
  }
  who->uid = entry.pw_uid;
  who->gid = entry.pw_gid;
  who->home = copy_of(entry.pw_dir && *entry.pw_dir ? entry.pw_dir : "/");
  *name = copy_of(entry.pw_name);
  free(buffer);
  return 0;
}

/* The gid of `group` (a name or a numeric gid); 0, else -1 and `message`. */
static int find_group(const char *group, gid_t *gid, char *message, size_t size) {
  unsigned long number;
  if (numeric_id(group, &number)) {
    *gid = (gid_t)number;
    return 0;
  }
  struct group entry, *found = NULL;
  size_t length = lookup_size(_SC_GETGR_R_SIZE_MAX);
  char *buffer = NULL;
  int rc;
  for (;;) {
    buffer = malloc(length);
    if (!buffer) die("out of memory");
    rc = getgrnam_r(group, &entry, buffer, length, &found);
    if (rc != ERANGE || length >= (1u << 24)) break;
    free(buffer);
    length *= 2;
  }
  if (rc != 0 || !found) {
    if (rc != 0)
      snprintf(message, size, "group %s: group lookup failed: %s", group, strerror(rc));
    else
      snprintf(message, size, "unknown group %s (no group entry on this worker)", group);
    free(buffer);
    return -1;
  }
  *gid = entry.gr_gid;
  free(buffer);
  return 0;
}

/* The groups of `name` (whose passwd group is `gid`) into `who`; 0, else -1 and `message`. */
static int find_groups(const char *name, gid_t gid, struct identity *who, char *message,
                       size_t size) {
  long most = sysconf(_SC_NGROUPS_MAX);
  int want = 32;
  for (;;) {
    gid_t *groups = realloc(who->groups, (size_t)want * sizeof *groups);
    if (!groups) die("out of memory");
    who->groups = groups;
    int n = want;
    if (getgrouplist(name, gid, who->groups, &n) >= 0) {
      who->ngroups = n;
      break;
    }
    want = n > want ? n : want * 2;
    if (want > (most > 0 ? most * 2 : 1 << 17)) {
      snprintf(message, size, "user %s is in more groups than this system allows", name);
      return -1;
    }
  }
  if (most > 0 && who->ngroups > most) {
    snprintf(message, size, "user %s is in %d groups, more than this system allows (%ld)", name,
             who->ngroups, most);
    return -1;
  }
  return 0;
}

/* Resolves `spec` ("user" or "user:group") into `who`; 0, else -1 with the reason in `message`. */
static int resolve_identity(const char *spec, uint32_t flags, struct identity *who, char *message,
                            size_t size) {
  char user[256];
  const char *colon = strchr(spec, ':');
  size_t user_length = colon ? (size_t)(colon - spec) : strlen(spec);
  const char *group = colon ? colon + 1 : NULL;
  if (user_length == 0 || user_length >= sizeof user || (group && (*group == 0 ||
                                                                    strchr(group, ':')))) {
    snprintf(message, size, "malformed identity \"%.64s\": expected user or user:group", spec);
    return -1;
  }
  memcpy(user, spec, user_length);
  user[user_length] = 0;
  char *name = NULL;
  if (find_user(user, who, &name, message, size) < 0) return -1;
  int result = -1;
  gid_t primary = who->gid;
  if (find_groups(name, primary, who, message, size) < 0) goto done;
  if (group) {
    gid_t gid;
    if (find_group(group, &gid, message, size) < 0) goto done;
    int member = 0;
    for (int i = 0; i < who->ngroups && !member; i++) member = who->groups[i] == gid;
    if (!member) {
      snprintf(message, size, "user %s is not a member of group %s", name, group);
      goto done;
    }
    if (gid == 0 && !(flags & START_AS_ROOT)) {
      snprintf(message, size, "group %s is gid 0 (root), which this run may not use", group);
      goto done;
    }
    who->gid = gid;
  }
  if (who->uid == 0 && !(flags & START_AS_ROOT)) {
    snprintf(message, size, "user %s is uid 0 (root), which this run may not use", user);
    goto done;
  }
  who->change = geteuid() == 0;
  if (!who->change && (who->uid != geteuid() || who->gid != getegid())) {
    snprintf(message, size,
             "this worker is not root (uid %u, gid %u): it runs commands only as itself, not as "
             "uid %u gid %u",
             (unsigned)geteuid(), (unsigned)getegid(), (unsigned)who->uid, (unsigned)who->gid);
    goto done;
  }
  who->env[0] = variable("HOME", who->home);
  who->env[1] = variable("USER", name);
  who->env[2] = variable("LOGNAME", name);
  result = 0;
done:
  free(name);
  return result;
}

/* The request's environment plus the identity's HOME, USER, LOGNAME where it sets none. */
static char **environment_for(char *const envp[], uint32_t envc, const struct identity *who) {
  char **env = calloc((size_t)envc + 4, sizeof *env);
  if (!env) die("out of memory");
  uint32_t n = 0;
  for (uint32_t i = 0; i < envc; i++) env[n++] = envp[i];
  for (int v = 0; v < 3; v++) {
    size_t name = (size_t)(strchr(who->env[v], '=') - who->env[v]) + 1;
    int given = 0;
    for (uint32_t i = 0; i < envc && !given; i++) given = strncmp(envp[i], who->env[v], name) == 0;
    if (!given) env[n++] = who->env[v];
  }
  return env;
}

/* What failed in a forked child, sent back over its close-on-exec pipe before it exits. */
struct child_failure {
  int step;
  int error;
};

static const char *const CHILD_STEPS[] = {"setsid", "stdin", "dup2", "setgroups",
                                          "setgid", "setuid", "exec"};

/* In the forked child: async-signal-safe calls only, then exec; never returns. */
static void become(int report, const char *path, char *const argv[], char *const envp[], int in,
                   int out, int err, const struct identity *who) {
  struct child_failure failure = {0, 0};
  if (setsid() < 0) goto fail;
  /* Default handling for every signal this process ignores (as POSIX_SPAWN_SETSIGDEF does);
   * glibc refuses its own internal ones, which stay as they are. */
  for (int s = 1; s < NSIG; s++) {
    if (s == SIGKILL || s == SIGSTOP) continue;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = SIG_DFL;
    sigaction(s, &action, NULL);
  }
  failure.step = 1;
  if (in < 0 && (in = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) goto fail;
  failure.step = 2;
  if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) goto fail;
  failure.step = 3;
  if (setgroups((size_t)who->ngroups, who->groups) < 0) goto fail;
  failure.step = 4;
  if (setgid(who->gid) < 0) goto fail;
  failure.step = 5;
  if (setuid(who->uid) < 0) goto fail;
  /* The home may be missing (system users) or closed to the user: then the root directory. */
  if (chdir(who->home) < 0 && chdir("/") < 0) {
    /* Not even / (cannot happen short of a broken mount namespace): stay where it is. */
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  failure.step = 6;
  execve(path, argv, envp);
fail:
  failure.error = errno;
  ssize_t ignored = write(report, &failure, sizeof failure);
  (void)ignored;
  _exit(127);
}

/* Forks a child that takes `who`'s credentials and execs; 0 and `pid`, else an errno and `step`. */
static int spawn_as(pid_t *pid, const char *path, char *const argv[], char *const envp[], int in,
                    int out, int err, const struct identity *who, const char **step) {
  int report[2];
  *step = "pipe";
  if (pipe2(report, O_CLOEXEC) < 0) return errno;
  *step = "fork";
  pid_t child = fork();
  if (child < 0) {
    int error = errno;
    close(report[0]);
    close(report[1]);
    return error;
  }
  if (child == 0) become(report[1], path, argv, envp, in, out, err, who);
  close(report[1]);
  /* End of file: the exec happened (the pipe closed with it); else the child says what failed. */
  struct child_failure failure;
  size_t got = 0;
  while (got < sizeof failure) {
    ssize_t n = read(report[0], (char *)&failure + got, sizeof failure - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += (size_t)n;
  }
  close(report[0]);
  if (got == 0) {
    *pid = child;
    return 0;
  }
  while (waitpid(child, NULL, 0) < 0 && errno == EINTR) {
  }
  if (got < sizeof failure) {
    *step = "child";
    return EIO;
  }
  int last = (int)(sizeof CHILD_STEPS / sizeof *CHILD_STEPS) - 1;
  *step = CHILD_STEPS[failure.step >= 0 && failure.step <= last ? failure.step : last];
  return failure.error ? failure.error : EIO;
}

/* posix_spawn of the command as a new session's leader, with default signals and no mask. */
static int spawn_plain(pid_t *pid, const char *path, char *const argv[], char *const envp[],
                       int in, int out, int err, const char *cwd) {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawn_file_actions_init(&actions);
  if (in >= 0)
    posix_spawn_file_actions_adddup2(&actions, in, 0);
  else
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out, 1);
  posix_spawn_file_actions_adddup2(&actions, err, 2);
  if (cwd) posix_spawn_file_actions_addchdir_np(&actions, cwd);
  posix_spawnattr_init(&attr);
  /* Its own session and process group (the worker signals the group); default signal
   * handling and an empty mask, whatever this process ignores or blocks. (glibc's own two
   * internal signals, 32 and 33, stay ignored: posix_spawn's child needs them so.) */
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF |
                                       POSIX_SPAWN_SETSIGMASK);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  int error = posix_spawn(pid, path, &actions, &attr, argv, envp);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  return error;
}

/*
 * Spawns a start (or start as) frame's command (payload after the kind byte) as a new session's
 * leader.
 */
static void start(int kind, const unsigned char *p, uint32_t length) {
  uint32_t id = length >= 4 ? get_u32(p) : 0;
  /* A start always gets an answer: the worker counts starts waiting for one. */
  uint32_t head = kind == CMD_START_AS ? 24 : 20;
  if (length < head || get_u32(p + 12) > length || get_u32(p + 16) > length) {
    failed(id, "(malformed start)", EINVAL);
    return;
  }
  uint32_t argc = get_u32(p + 12), envc = get_u32(p + 16);
  uint32_t flags = kind == CMD_START_AS ? get_u32(p + 20) : 0;
  uint32_t extra = kind == CMD_START_AS ? 1 : 0; /* the identity string */
  char **argv = calloc((size_t)argc + 2, sizeof *argv);
  char **envp = calloc((size_t)envc + 1, sizeof *envp);
  if (!argv || !envp) die("out of memory");
  const char *s = (const char *)p + head, *end = (const char *)p + length;
  const char *file = NULL, *spec = NULL;
  for (uint32_t i = 0; i < extra + 1 + argc + envc; i++) {
    const char *nul = memchr(s, 0, (size_t)(end - s));
    if (!nul) {
      failed(id, "(malformed start)", EINVAL);
      free(argv);
      free(envp);
      return;
    }
    uint32_t at = i - extra;
    if (i < extra)
      spec = s;
    else if (at == 0)
      file = s;
    else if (at <= argc)
      argv[at] = (char *)s;
    else
      envp[at - 1 - argc] = (char *)s;
    s = nul + 1;
  }
  argv[0] = (char *)file;
  /* What follows the strings: nothing (stdin is /dev/null), or u32 n and exactly n bytes. */
  size_t rest = (size_t)(end - s);
  if (rest != 0 && (rest < 4 || get_u32((const unsigned char *)s) != rest - 4)) {
    failed(id, "(malformed start)", EINVAL);
    free(argv);
    free(envp);
    return;
  }

  struct identity who;
  memset(&who, 0, sizeof who);
  char **env = envp;
  if (spec) {
    char reason[600], message[700];
    if (resolve_identity(spec, flags, &who, reason, sizeof reason) < 0) {
      snprintf(message, sizeof message, "runAs %.80s: %s", spec, reason);
      failed_because(id, message);
      forget_identity(&who);
      free(argv);
      free(envp);
      return;
    }
    env = environment_for(envp, envc, &who);
  }

  int out[2] = {-1, -1}, err[2] = {-1, -1}, in = -1;
  int error = 0;
  const char *step = NULL;
  pid_t pid = 0;
  if (rest != 0 && (in = input_file(s + 4, (uint32_t)(rest - 4))) < 0) {
    error = errno;
  } else if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
    error = errno;
  } else {
    char found[4096];
    const char *path = resolve(file, env, found, sizeof found);
    if (who.change)
      error = spawn_as(&pid, path, argv, env, in, out[1], err[1], &who, &step);
    else
      /* Not root, as itself: the home when it can enter it, else /. */
      error = spawn_plain(&pid, path, argv, env, in, out[1], err[1],
                          !spec ? NULL : access(who.home, X_OK) == 0 ? who.home : "/");
  }
  double at = now_ms();
  if (in >= 0) close(in);
  if (out[1] >= 0) close(out[1]);
  if (err[1] >= 0) close(err[1]);
  if (env != envp) free(env);
  forget_identity(&who);
  free(argv);
  free(envp);
  if (error) {
    if (out[0] >= 0) close(out[0]);
    if (err[0] >= 0) close(err[0]);
    if (step && strcmp(step, "exec") != 0) {
      char message[700];
      const char *name = strerrorname_np(error);
      snprintf(message, sizeof message, "runAs %.80s: %s %s", spec, step,
               name ? name : strerror(error));
      failed_because(id, message);
    } else {
      failed(id, file, error);
    }
    return;
  }

  struct run *r = calloc(1, sizeof *r);
  if (!r) die("out of memory");
  r->id = id;
  r->pid = pid;
  r->fds[0] = out[0];
  r->fds[1] = err[0];
  size_t slot = 0;
  while (slot < runs_cap && runs[slot]) slot++;
  if (slot == runs_cap) {
    size_t old = runs_cap;
    runs = grow(runs, &runs_cap, old + 1, sizeof *runs);
    memset(runs + old, 0, (runs_cap - old) * sizeof *runs);
  }
  runs[slot] = r;
  r->slot = slot;
  for (int w = 0; w < 2; w++) {
    fcntl(r->fds[w], F_SETFL, O_NONBLOCK);
    struct epoll_event ev = {.events = paused ? 0 : EPOLLIN, .data.u64 = pipe_tag(r, w)};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, r->fds[w], &ev) < 0) die("epoll_ctl pipe");
  }
  begin_event(EV_SPAWNED, id, 12);
  put_u32((uint32_t)pid);
  put_f64(at);
}

/* ---- starts waiting for their instant ---- */

static void start_due(void) {
  double now = now_ms();
  size_t kept = 0;
  for (size_t i = 0; i < timed_len; i++) {
    struct pending t = timed[i];
    if (t.not_before <= now) {
      start(t.kind, (const unsigned char *)t.frame, t.length);
      free(t.frame);
    } else {
      timed[kept++] = t;
    }
  }
  timed_len = kept;
}

static int wait_ms(void) {
  if (timed_len == 0) return -1;
  double next = timed[0].not_before;
  for (size_t i = 1; i < timed_len; i++)
    if (timed[i].not_before < next) next = timed[i].not_before;
  double wait = next - now_ms();
  if (wait <= 0) return 0;
  if (wait > 60000) return 60000;
  int ms = (int)wait;
  return ms < wait ? ms + 1 : ms; /* never wake before the instant */
}

static void cancel(uint32_t id) {
  for (size_t i = 0; i < timed_len; i++) {
    if (timed[i].id != id) continue;
    free(timed[i].frame);
    memmove(timed + i, timed + i + 1, (timed_len - i - 1) * sizeof *timed);
    timed_len -= 1;
    emit(EV_CANCELLED, id);
    return;
  }
  /* Started already: the worker signals the process itself. */
}

static void release(uint32_t id) {
  struct run *r = find_run(id, 0);
  if (!r) return;
  close_pipe(r, 0);
  close_pipe(r, 1);
  forget_if_done(r);
}

/* ---- commands from the worker ---- */

static void command(const unsigned char *frame, uint32_t length) {
  if (length < 5) return;
  const unsigned char *p = frame + 1;
  uint32_t id = get_u32(p);
  switch (frame[0]) {
  case CMD_START:
  case CMD_START_AS: {
    double not_before = length >= 13 ? get_f64(p + 4) : 0;
    if (not_before <= now_ms()) {
      start(frame[0], p, length - 1);
      return;
    }
    char *copy = malloc(length - 1);
    if (!copy) die("out of memory");
    memcpy(copy, p, length - 1);
    timed = grow(timed, &timed_cap, timed_len + 1, sizeof *timed);
    timed[timed_len++] = (struct pending){frame[0], id, not_before, copy, length - 1};
    return;
  }
  case CMD_RELEASE:
    release(id);
    return;
  case CMD_CANCEL:
    cancel(id);
    return;
  }
}

static void read_commands(void) {
  int ended = 0;
  for (;;) {
    inbuf = grow(inbuf, &in_cap, in_len + READ_CHUNK, 1);
    ssize_t n = read(0, inbuf + in_len, in_cap - in_len);
    if (n > 0) {
      in_len += (size_t)n;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    ended = 1; /* end of input or an error: the worker is gone */
    break;
  }
  size_t at = 0;
  while (in_len - at >= 4) {
    uint32_t length = get_u32(inbuf + at);
    if (length > MAX_FRAME) {
      fprintf(stderr, "cronplane-spawner: frame of %u bytes from the worker\n", length);
      exit(65);
    }
    if (in_len - at - 4 < length) break;
    command(inbuf + at + 4, length);
    at += 4 + length;
  }
  memmove(inbuf, inbuf + at, in_len - at);
  in_len -= at;
  if (ended) finish();
}

/* ---- exits ---- */

static void reap(void) {
  struct signalfd_siginfo info;
  while (read(sigfd, &info, sizeof info) == sizeof info) {
  }
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    struct run *r = find_run(0, pid);
    if (!r) continue;
    /* Output still in the pipes goes first, as it was written before the exit: at most what a
     * full pipe holds (16 reads of 64 KiB), since a background child may keep writing. */
    for (int w = 0; w < 2; w++)
      for (int i = 0; i < 16 && r->fds[w] >= 0 && !paused && read_pipe(r, w); i++) {
      }
    begin_event(EV_EXIT, r->id, 8);
    put_u32(WIFEXITED(status) ? (uint32_t)WEXITSTATUS(status) : (uint32_t)-1);
    put_u32(WIFSIGNALED(status) ? (uint32_t)WTERMSIG(status) : 0);
    r->exited = 1;
    forget_if_done(r);
  }
}

/* Descriptors this process inherited beyond stdin, stdout and stderr must not reach commands. */
static void close_on_exec_beyond_stdio(void) {
#ifdef CLOSE_RANGE_CLOEXEC
  if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
#endif
  for (int fd = 3; fd < 1024; fd++) {
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0) fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
  }
}

int main(void) {
  close_on_exec_beyond_stdio();
  /* Two pipes per running command: allow as many descriptors as the hard limit does (Node raises
   * its own the same way, and the worker may run thousands of commands at once). */
  struct rlimit files;
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  /* Signals meant for the worker's process group (Ctrl-C, a supervisor's SIGTERM to the whole
   * group) must not end this process while the worker drains its runs; it ends with the
   * worker's stdin instead. Commands start with default handling (POSIX_SPAWN_SETSIGDEF). */
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  if (sigprocmask(SIG_BLOCK, &chld, NULL) < 0) die("sigprocmask");
  sigfd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
  epfd = epoll_create1(EPOLL_CLOEXEC);
  if (sigfd < 0 || epfd < 0) die("signalfd/epoll");
  fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
  fcntl(1, F_SETFL, fcntl(1, F_GETFL) | O_NONBLOCK);
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = TAG_STDIN};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, 0, &ev) < 0) die("epoll_ctl stdin");
  ev = (struct epoll_event){.events = 0, .data.u64 = TAG_STDOUT};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, 1, &ev) < 0) die("epoll_ctl stdout");
  ev = (struct epoll_event){.events = EPOLLIN, .data.u64 = TAG_SIGNAL};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, sigfd, &ev) < 0) die("epoll_ctl signalfd");

  struct epoll_event ready[256];
  for (;;) {
    int n = epoll_wait(epfd, ready, 256, wait_ms());
    if (n < 0 && errno != EINTR) die("epoll_wait");
    start_due();
    for (int i = 0; i < n; i++) {
      uint64_t tag = ready[i].data.u64;
      switch (tag & 0xf) {
      case TAG_STDIN:
        read_commands();
        break;
      case TAG_STDOUT:
        break; /* flushed below */
      case TAG_SIGNAL:
        reap();
        break;
      case TAG_PIPE: {
        size_t slot = (size_t)(tag >> 8);
        int which = (int)((tag >> 4) & 1);
        struct run *r = slot < runs_cap ? runs[slot] : NULL;
        if (r && r->fds[which] >= 0) read_pipe(r, which);
        break;
      }
      }
    }
    start_due();
    flush_out();
  }
}
