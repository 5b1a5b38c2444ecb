/*
 * ordeal-diskfs --dir DIR --control SOCK --name NAME [--lazy] [--lazy-cap BYTES] [--seed N]
 *
 * Opens DIR, then mounts itself ON DIR, so the service keeps its paths and every operation
 * passes through here. Prints `ready` once the kernel has initialised the mount; SIGTERM or
 * SIGINT unmounts and exits 0. Errors before `ready`: one line on stderr, exit 2 for bad
 * arguments, 1 when the mount fails.
 */
#include "diskfs.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct diskfs_config g_cfg = {.backing_fd = -1, .lazy_cap = 1ULL << 30};

static void die(int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("ordeal-diskfs: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(code);
}

static bool parse_u64(const char *s, uint64_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || s[0] == '-') return false;
  *out = v;
  return true;
}

/* A socket file left by a helper that died: nobody answers on it, so it may be replaced. */
static void remove_stale_socket(const char *path) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof addr.sun_path) return;
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0 && errno == ECONNREFUSED)
    unlink(path);
  close(fd);
}

int main(int argc, char **argv) {
  const char *dir = NULL, *control = NULL, *name = NULL;
  uint64_t seed = 0;
  bool have_seed = false;
  static const struct option options[] = {
      {"dir", required_argument, NULL, 'd'},     {"control", required_argument, NULL, 'c'},
      {"name", required_argument, NULL, 'n'},    {"lazy", no_argument, NULL, 'l'},
      {"lazy-cap", required_argument, NULL, 'C'}, {"seed", required_argument, NULL, 's'},
      {NULL, 0, NULL, 0},
  };
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
    switch (c) {
    case 'd': dir = optarg; break;
    case 'c': control = optarg; break;
    case 'n': name = optarg; break;
    case 'l': g_cfg.lazy = true; break;
    case 'C':
      if (!parse_u64(optarg, &g_cfg.lazy_cap) || g_cfg.lazy_cap == 0)
        die(2, "--lazy-cap: '%s' is not a positive number of bytes", optarg);
      break;
    case 's':
      if (!parse_u64(optarg, &seed)) die(2, "--seed: '%s' is not a non-negative integer", optarg);
      have_seed = true;
      break;
    default:
      die(2, "unknown or incomplete option '%s' (usage: ordeal-diskfs --dir DIR --control SOCK "
             "--name NAME [--lazy] [--lazy-cap BYTES] [--seed N])",
          argv[optind - 1]);
    }
  }
  if (optind < argc) die(2, "unexpected argument '%s'", argv[optind]);
  if (dir == NULL) die(2, "--dir is required");
  if (control == NULL) die(2, "--control is required");
  if (name == NULL || name[0] == '\0') die(2, "--name is required");
  /* NAME goes into the -o string and /proc/self/mountinfo: no commas, spaces or escapes. */
  if (strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
      strlen(name))
    die(2, "--name '%s': only letters, digits, '.', '_' and '-'", name);
  if (have_seed) rules_seed(seed);

  g_cfg.backing_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (g_cfg.backing_fd < 0) die(2, "--dir %s: %s", dir, strerror(errno));
  struct stat self;
  if (fstat(g_cfg.backing_fd, &self) != 0) die(2, "--dir %s: %s", dir, strerror(errno));
  g_cfg.backing_dev = self.st_dev;
  g_cfg.backing_ino = self.st_ino;

  /* Modes come from the callers (the kernel applied their umask already). */
  umask(0);
  /* Lazy mode keeps an fd per journaled directory and per cached file. */
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  remove_stale_socket(control);
  int listen_fd = control_listen(control);
  if (listen_fd < 0) die(2, "--control %s: %s", control, strerror(-listen_fd));
  if (g_cfg.lazy && lazy_setup() != 0) {
    int e = errno;
    unlink(control);
    die(1, "--dir %s: cannot prepare the stash: %s", dir, strerror(e));
  }

  char opts[512];
  snprintf(opts, sizeof opts,
           "fsname=%s,subtype=ordeal-diskfs,allow_other,default_permissions", name);
  char *fargv[] = {argv[0], "-o", opts, NULL};
  struct fuse_args args = FUSE_ARGS_INIT(3, fargv);
  struct fuse *fuse = fuse_new(&args, &diskfs_operations, sizeof diskfs_operations, NULL);
  if (fuse == NULL || fuse_mount(fuse, dir) != 0) {
    if (g_cfg.lazy) lazy_shutdown(); /* removes the stash: nothing was served */
    unlink(control);
    die(1, "cannot mount on %s (is /dev/fuse there, and are we root?)", dir);
  }
  struct fuse_session *se = fuse_get_session(fuse);
  if (fuse_set_signal_handlers(se) != 0) {
    fuse_unmount(fuse);
    unlink(control);
    die(1, "cannot install signal handlers");
  }
  int r = control_start(listen_fd);
  if (r != 0) {
    fuse_unmount(fuse);
    unlink(control);
    die(1, "cannot start the control thread: %s", strerror(-r));
  }

  /* Multi-threaded: a slowed or failing operation must not hold up the others. */
  int loop_result = fuse_loop_mt(fuse, 0);

  /* SIGTERM / SIGINT (or the kernel ending the session): unmount, then tidy the backing. */
  fuse_remove_signal_handlers(se);
  fuse_unmount(fuse);
  if (g_cfg.lazy) lazy_shutdown();
  close(listen_fd);
  unlink(control);
  fuse_destroy(fuse);
  return loop_result < 0 ? 1 : 0;
}
