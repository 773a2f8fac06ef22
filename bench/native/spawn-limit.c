/*
 * The benchmark's physical reference: N starts of `sh -c true` with posix_spawn, at most
 * IN_FLIGHT at a time, started the way the worker's spawner starts commands (a new session,
 * default signal handling and no mask, stdin from /dev/null, stdout and stderr on a pipe of their
 * own). Prints one JSON line: {"n", "inFlight", "lastStartMs", "allExitedMs"}, where lastStartMs
 * runs from the first posix_spawn call until the last one returned.
 *
 * Usage: spawn-limit N IN_FLIGHT [SHELL]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

struct slot {
  pid_t pid;
  int fd;
};

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void die(const char *what, int error) {
  fprintf(stderr, "spawn-limit: %s: %s\n", what, strerror(error));
  exit(1);
}

static pid_t spawn_one(const char *shell, int out) {
  char *argv[] = {(char *)shell, "-c", "true", NULL};
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out, 1);
  posix_spawn_file_actions_adddup2(&actions, out, 2);
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF |
                                       POSIX_SPAWN_SETSIGMASK);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  pid_t pid;
  int error = posix_spawn(&pid, shell, &actions, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (error) die("posix_spawn", error);
  return pid;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: spawn-limit N IN_FLIGHT [SHELL]\n");
    return 2;
  }
  long n = strtol(argv[1], NULL, 10), in_flight = strtol(argv[2], NULL, 10);
  const char *shell = argc > 3 ? argv[3] : "/bin/sh";
  if (n < 1 || in_flight < 1) {
    fprintf(stderr, "spawn-limit: N and IN_FLIGHT must be positive\n");
    return 2;
  }
  struct slot *slots = calloc((size_t)in_flight, sizeof *slots);
  if (!slots) die("calloc", ENOMEM);
  long started = 0, running = 0;
  double t0 = now_ms(), last = t0;
  while (started < n || running > 0) {
    if (started < n && running < in_flight) {
      int pipe_fds[2];
      if (pipe2(pipe_fds, O_CLOEXEC)) die("pipe2", errno);
      pid_t pid = spawn_one(shell, pipe_fds[1]);
      last = now_ms();
      close(pipe_fds[1]);
      for (long i = 0; i < in_flight; i++) {
        if (slots[i].pid != 0) continue;
        slots[i] = (struct slot){pid, pipe_fds[0]};
        break;
      }
      started++;
      running++;
      continue;
    }
    int status;
    pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      die("waitpid", errno);
    }
    for (long i = 0; i < in_flight; i++) {
      if (slots[i].pid != pid) continue;
      close(slots[i].fd);
      slots[i].pid = 0;
      running--;
      break;
    }
  }
  printf("{\"n\":%ld,\"inFlight\":%ld,\"lastStartMs\":%.3f,\"allExitedMs\":%.3f}\n", n, in_flight,
         last - t0, now_ms() - t0);
  free(slots);
  return 0;
}
