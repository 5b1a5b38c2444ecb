/*
 * The control socket: a unix stream socket (mode 0600: only root may steer the faults), one
 * command per line, one reply line per command. One thread accepts, one thread per client
 * reads; commands are short and rare, so a client never waits behind another for long.
 */
#include "diskfs.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int control_listen(const char *path) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof addr.sun_path) return -ENAMETOOLONG;
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  /* The umask applies to the socket file bind creates: 0600 from the first instant. */
  mode_t old = umask(0177);
  int r = bind(fd, (struct sockaddr *)&addr, sizeof addr);
  int bind_errno = errno;
  umask(old);
  if (r != 0 || listen(fd, 16) != 0) {
    int e = r != 0 ? bind_errno : errno;
    close(fd);
    return -e;
  }
  return fd;
}

/* Handles one line (NUL-terminated, no newline); writes the reply (with newline) into out. */
static void handle(char *line, char *out, size_t cap) {
  char *save = NULL;
  char *cmd = strtok_r(line, " \t\r", &save);
  char *a1 = strtok_r(NULL, " \t\r", &save);
  char *a2 = strtok_r(NULL, " \t\r", &save);
  char *a3 = strtok_r(NULL, " \t\r", &save);
  char *extra = strtok_r(NULL, " \t\r", &save);
  unsigned mask;
  char *end;
  if (cmd == NULL) {
    snprintf(out, cap, "error empty command\n");
  } else if (strcmp(cmd, "latency") == 0) {
    if (a1 == NULL || a2 == NULL || a3 != NULL) {
      snprintf(out, cap, "error usage: latency <ops> <microseconds>\n");
    } else if (rules_parse_ops(a1, &mask) != 0) {
      snprintf(out, cap, "error unknown operation in '%s'\n", a1);
    } else {
      long us = strtol(a2, &end, 10);
      if (*end != '\0' || end == a2 || us < 0 || us > 3600L * 1000000L) {
        snprintf(out, cap, "error bad microseconds '%s'\n", a2);
      } else {
        rules_set_latency(mask, us);
        snprintf(out, cap, "ok\n");
      }
    }
  } else if (strcmp(cmd, "error") == 0) {
    int err;
    if (a1 == NULL || a2 == NULL || a3 == NULL || extra != NULL) {
      snprintf(out, cap, "error usage: error <ops> <errno> <probability>\n");
    } else if (rules_parse_ops(a1, &mask) != 0) {
      snprintf(out, cap, "error unknown operation in '%s'\n", a1);
    } else if (rules_parse_errno(a2, &err) != 0) {
      snprintf(out, cap, "error unknown errno '%s'\n", a2);
    } else {
      double p = strtod(a3, &end);
      if (*end != '\0' || end == a3 || !(p >= 0 && p <= 1)) {
        snprintf(out, cap, "error bad probability '%s' (0 to 1)\n", a3);
      } else if (rules_add_error(mask, err, p) != 0) {
        snprintf(out, cap, "error too many error rules\n");
      } else {
        snprintf(out, cap, "ok\n");
      }
    }
  } else if ((strcmp(cmd, "clear") == 0 || strcmp(cmd, "stats") == 0 ||
              strcmp(cmd, "power-loss") == 0) && a1 != NULL) {
    snprintf(out, cap, "error usage: %s takes no argument\n", cmd);
  } else if (strcmp(cmd, "seed") == 0 && (a1 == NULL || a2 != NULL)) {
    snprintf(out, cap, "error usage: seed <n>\n");
  } else if (strcmp(cmd, "clear") == 0 && a1 == NULL) {
    rules_clear();
    snprintf(out, cap, "ok\n");
  } else if (strcmp(cmd, "seed") == 0 && a1 != NULL && a2 == NULL) {
    uint64_t seed = strtoull(a1, &end, 10);
    if (*end != '\0' || end == a1) {
      snprintf(out, cap, "error bad seed '%s'\n", a1);
    } else {
      rules_seed(seed);
      snprintf(out, cap, "ok\n");
    }
  } else if (strcmp(cmd, "stats") == 0 && a1 == NULL) {
    unsigned long long ops, errors, dirty = 0, pending = 0;
    rules_counters(&ops, &errors);
    if (g_cfg.lazy) lazy_stats(&dirty, &pending);
    snprintf(out, cap, "ok ops=%llu errors=%llu dirty=%llu pending=%llu\n", ops, errors, dirty,
             pending);
  } else if (strcmp(cmd, "power-loss") == 0 && a1 == NULL) {
    unsigned long long files, bytes, entries;
    if (!g_cfg.lazy) {
      snprintf(out, cap, "error not lazy\n");
    } else if (lazy_power_loss(&files, &bytes, &entries) != 0) {
      snprintf(out, cap, "error power-loss could not revert every change (see stderr)\n");
    } else {
      snprintf(out, cap, "ok files=%llu bytes=%llu entries=%llu\n", files, bytes, entries);
    }
  } else {
    snprintf(out, cap, "error unknown command '%s'\n", cmd);
  }
}

static int write_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

static void *client_thread(void *arg) {
  int fd = (int)(intptr_t)arg;
  char buf[4096];
  size_t used = 0;
  for (;;) {
    ssize_t n = read(fd, buf + used, sizeof buf - 1 - used);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    used += (size_t)n;
    char *start = buf;
    char *nl;
    while ((nl = memchr(start, '\n', used - (size_t)(start - buf))) != NULL) {
      *nl = '\0';
      char reply[512];
      handle(start, reply, sizeof reply);
      if (write_all(fd, reply, strlen(reply)) != 0) goto done;
      start = nl + 1;
    }
    used -= (size_t)(start - buf);
    memmove(buf, start, used);
    if (used == sizeof buf - 1) { /* a line longer than any command: refuse and hang up */
      write_all(fd, "error line too long\n", 20);
      break;
    }
  }
done:
  close(fd);
  return NULL;
}

static void *accept_thread(void *arg) {
  int listen_fd = (int)(intptr_t)arg;
  for (;;) {
    int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return NULL; /* the socket was closed at exit */
    }
    pthread_t t;
    if (pthread_create(&t, NULL, client_thread, (void *)(intptr_t)fd) != 0) {
      close(fd);
      continue;
    }
    pthread_detach(t);
  }
}

int control_start(int listen_fd) {
  pthread_t t;
  int r = pthread_create(&t, NULL, accept_thread, (void *)(intptr_t)listen_fd);
  if (r != 0) return -r;
  pthread_detach(t);
  return 0;
}
