/*
 * The file system: every operation goes to the backing directory through the fd opened before
 * the mount covered it (openat, renameat2, ... relative to it), so the helper never re-enters
 * its own mount. Each operation first passes fault_enter (latency, error draw). In lazy mode
 * file data goes through lazy.c's page cache and directory changes through its journal.
 */
#include "diskfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <unistd.h>

/* An open file: the backing fd, and in lazy mode (regular files) the inode's cache. */
struct handle {
  int fd;
  struct lazy_file *lf;
  bool append; /* O_APPEND: lazy writes go to the logical end of file */
  bool sync;   /* O_SYNC / O_DSYNC: each lazy write is made durable at once, as the kernel does */
};

#define H(fi) ((struct handle *)(uintptr_t)(fi)->fh)
#define BFD (g_cfg.backing_fd)
#define ENTER(kind)                                                                                \
  do {                                                                                             \
    int fault_ = fault_enter(kind);                                                                \
    if (fault_ != 0) return fault_;                                                                \
  } while (0)

static bool is_stash(const char *path) {
  return path != NULL && path[0] == '/' && strcmp(path + 1, STASH_NAME) == 0;
}

/* Files and directories a caller creates belong to the caller, as on a local file system (the
 * helper runs as root, so the backing would otherwise make them root's). */
static void give_to_caller(const char *rel) {
  struct fuse_context *ctx = fuse_get_context();
  gid_t gid = ctx->gid;
  /* In a set-group-ID directory the new entry keeps the directory's group (the backing gave it). */
  char parent[4096];
  const char *slash = strrchr(rel, '/');
  snprintf(parent, sizeof parent, "%.*s", slash ? (int)(slash - rel) : 1, slash ? rel : ".");
  struct stat dir;
  if (fstatat(BFD, parent, &dir, 0) == 0 && (dir.st_mode & S_ISGID)) gid = (gid_t)-1;
  if (fchownat(BFD, rel, ctx->uid, gid, AT_SYMLINK_NOFOLLOW) != 0) {
    /* The entry exists; a failed chown leaves it root's, which default_permissions reports. */
  }
}

static void *op_init(struct fuse_conn_info *conn, struct fuse_config *cfg) {
  (void)conn;
  cfg->use_ino = 1;     /* the backing's inode numbers: stable across renames */
  cfg->hard_remove = 1; /* an unlinked open file is served from its fd, no .fuse_hidden files */
  cfg->nullpath_ok = 1;
  if (g_cfg.lazy) {
    /*
     * Lazy mode must not let the kernel answer from its own caches: after a power loss the
     * next reader has to see the backing's durable state, but a page cache (or cached
     * attributes: st_size) would still hold the lost writes. direct_io sends every read and
     * write to us, and zero timeouts send every lookup and getattr to us.
     */
    cfg->direct_io = 1;
    cfg->kernel_cache = 0;
    cfg->auto_cache = 0;
    cfg->entry_timeout = 0;
    cfg->attr_timeout = 0;
    cfg->negative_timeout = 0;
  }
  /* The mount is live: the kernel sent INIT. The one line the caller waits for. */
  fputs("ready\n", stdout);
  fflush(stdout);
  return NULL;
}

static int op_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
  ENTER(OPK_GETATTR);
  if (is_stash(path)) return -ENOENT;
  int r = fi != NULL ? fstat(H(fi)->fd, st) : fstatat(BFD, rel_path(path), st, AT_SYMLINK_NOFOLLOW);
  if (r != 0) return -errno;
  if (g_cfg.lazy) lazy_fix_stat(st);
  return 0;
}

/* A directory handle: the backing directory, open; readdir and fsyncdir get no path once
 * nullpath_ok is set, only this. */
static int op_opendir(const char *path, struct fuse_file_info *fi) {
  ENTER(OPK_OTHER);
  int fd = openat(BFD, rel_path(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -errno;
  fi->fh = (uint64_t)fd;
  return 0;
}

static int op_releasedir(const char *path, struct fuse_file_info *fi) {
  (void)path;
  close((int)fi->fh);
  return 0;
}

static int op_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t offset,
                      struct fuse_file_info *fi, enum fuse_readdir_flags flags) {
  (void)path, (void)offset, (void)flags;
  ENTER(OPK_READDIR);
  /* A fresh fd per listing: the high-level API asks for a whole listing each time (offset 0). */
  int fd = openat((int)fi->fh, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -errno;
  DIR *dir = fdopendir(fd);
  if (dir == NULL) {
    int e = errno;
    close(fd);
    return -e;
  }
  struct stat self;
  bool root = fstat(fd, &self) == 0 && self.st_dev == g_cfg.backing_dev &&
              self.st_ino == g_cfg.backing_ino;
  struct dirent *de;
  errno = 0;
  while ((de = readdir(dir)) != NULL) {
    if (root && strcmp(de->d_name, STASH_NAME) == 0) continue;
    struct stat st = {.st_ino = de->d_ino, .st_mode = (mode_t)DTTOIF(de->d_type)};
    if (filler(buf, de->d_name, &st, 0, 0) != 0) break;
  }
  int e = errno;
  closedir(dir);
  return de == NULL && e != 0 ? -e : 0;
}

/* Flags for the backing open: the kernel already resolved the path, O_DIRECT would need
 * aligned buffers the FUSE request does not have, and lazy mode does O_TRUNC and O_APPEND
 * itself (on its cached state). */
static int backing_flags(int flags) {
  flags &= ~(O_DIRECT | O_CREAT | O_EXCL | O_NOCTTY);
  if (g_cfg.lazy) flags &= ~(O_TRUNC | O_APPEND);
  return flags | O_CLOEXEC;
}

static int finish_open(int fd, struct fuse_file_info *fi, bool truncate) {
  struct handle *h = calloc(1, sizeof *h);
  if (h == NULL) {
    close(fd);
    return -ENOMEM;
  }
  h->fd = fd;
  h->append = (fi->flags & O_APPEND) != 0;
  h->sync = (fi->flags & (O_SYNC | O_DSYNC)) != 0;
  struct stat st;
  if (g_cfg.lazy && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    h->lf = lazy_get(fd);
    if (h->lf == NULL) {
      close(fd);
      free(h);
      return -ENOMEM;
    }
    if (truncate) lazy_truncate(h->lf, 0);
    fi->direct_io = 1;
  }
  fi->fh = (uint64_t)(uintptr_t)h;
  return 0;
}

static int op_open(const char *path, struct fuse_file_info *fi) {
  ENTER(OPK_OPEN);
  int fd = openat(BFD, rel_path(path), backing_flags(fi->flags));
  if (fd < 0) return -errno;
  return finish_open(fd, fi, (fi->flags & O_TRUNC) != 0);
}

static int op_create(const char *path, mode_t mode, struct fuse_file_info *fi) {
  ENTER(OPK_CREATE);
  const char *rel = rel_path(path);
  /* O_EXCL first: only a file this call really created is chowned and journaled. */
  int fd = openat(BFD, rel, backing_flags(fi->flags) | O_CREAT | O_EXCL, mode);
  bool created = fd >= 0;
  if (fd < 0 && errno == EEXIST && !(fi->flags & O_EXCL))
    fd = openat(BFD, rel, backing_flags(fi->flags), mode);
  if (fd < 0) return -errno;
  if (created) {
    give_to_caller(rel);
    if (g_cfg.lazy) lazy_journal_create(rel, false);
  }
  return finish_open(fd, fi, !created && (fi->flags & O_TRUNC));
}

static int op_read(const char *path, char *buf, size_t size, off_t off,
                   struct fuse_file_info *fi) {
  (void)path;
  ENTER(OPK_READ);
  struct handle *h = H(fi);
  if (h->lf != NULL) return lazy_read(h->lf, buf, size, off);
  ssize_t n = pread(h->fd, buf, size, off);
  return n < 0 ? -errno : (int)n;
}

static int op_write(const char *path, const char *buf, size_t size, off_t off,
                    struct fuse_file_info *fi) {
  (void)path;
  ENTER(OPK_WRITE);
  struct handle *h = H(fi);
  if (h->lf != NULL) {
    int n = lazy_write(h->lf, buf, size, off, h->append);
    if (n >= 0 && h->sync) {
      int r = lazy_fsync(h->lf, false);
      if (r != 0) return r;
    }
    return n;
  }
  ssize_t n = pwrite(h->fd, buf, size, off);
  return n < 0 ? -errno : (int)n;
}

static int op_fsync(const char *path, int datasync, struct fuse_file_info *fi) {
  (void)path;
  ENTER(OPK_FSYNC);
  struct handle *h = H(fi);
  if (h->lf != NULL) return lazy_fsync(h->lf, datasync != 0);
  int r = datasync ? fdatasync(h->fd) : fsync(h->fd);
  return r != 0 ? -errno : 0;
}

static int op_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi) {
  (void)path;
  ENTER(OPK_FSYNC); /* `fsync` rules cover directories too: a failing dir fsync is real */
  int fd = (int)fi->fh;
  if (g_cfg.lazy) return lazy_fsyncdir(fd);
  return (datasync ? fdatasync(fd) : fsync(fd)) != 0 ? -errno : 0;
}

static int op_release(const char *path, struct fuse_file_info *fi) {
  (void)path;
  struct handle *h = H(fi);
  if (h->lf != NULL) lazy_put(h->lf);
  close(h->fd);
  free(h);
  return 0;
}

static int op_truncate(const char *path, off_t size, struct fuse_file_info *fi) {
  ENTER(OPK_TRUNCATE);
  if (fi != NULL && H(fi)->lf != NULL) return lazy_truncate(H(fi)->lf, size);
  if (fi != NULL) return ftruncate(H(fi)->fd, size) != 0 ? -errno : 0;
  int fd = openat(BFD, rel_path(path), O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return -errno;
  int r;
  if (g_cfg.lazy) {
    struct lazy_file *lf = lazy_get(fd);
    r = lf == NULL ? -ENOMEM : lazy_truncate(lf, size);
    if (lf != NULL) lazy_put(lf);
  } else {
    r = ftruncate(fd, size) != 0 ? -errno : 0;
  }
  close(fd);
  return r;
}

static int op_fallocate(const char *path, int mode, off_t off, off_t len,
                        struct fuse_file_info *fi) {
  (void)path;
  ENTER(OPK_WRITE); /* it reserves space: ENOSPC rules on writes apply */
  struct handle *h = H(fi);
  if (h->lf != NULL) {
    if (mode == 0) return lazy_fallocate_extend(h->lf, off + len);
    if (mode == FALLOC_FL_KEEP_SIZE) return 0; /* reservation only: nothing to lose */
    return -EOPNOTSUPP;
  }
  return fallocate(h->fd, mode, off, len) != 0 ? -errno : 0;
}

static int op_rename(const char *from, const char *to, unsigned int flags) {
  ENTER(OPK_RENAME);
  if (is_stash(to) || is_stash(from)) return -EACCES;
  if (g_cfg.lazy) return lazy_rename(rel_path(from), rel_path(to), flags);
  return renameat2(BFD, rel_path(from), BFD, rel_path(to), flags) != 0 ? -errno : 0;
}

static int op_unlink(const char *path) {
  ENTER(OPK_UNLINK);
  if (g_cfg.lazy) return lazy_unlink(rel_path(path));
  return unlinkat(BFD, rel_path(path), 0) != 0 ? -errno : 0;
}

static int op_mkdir(const char *path, mode_t mode) {
  ENTER(OPK_MKDIR);
  if (is_stash(path)) return -EACCES;
  const char *rel = rel_path(path);
  if (mkdirat(BFD, rel, mode) != 0) return -errno;
  give_to_caller(rel);
  if (g_cfg.lazy) lazy_journal_create(rel, true);
  return 0;
}

static int op_rmdir(const char *path) {
  ENTER(OPK_RMDIR);
  if (g_cfg.lazy) return lazy_rmdir(rel_path(path));
  return unlinkat(BFD, rel_path(path), AT_REMOVEDIR) != 0 ? -errno : 0;
}

static int op_mknod(const char *path, mode_t mode, dev_t rdev) {
  ENTER(OPK_CREATE);
  if (is_stash(path)) return -EACCES;
  const char *rel = rel_path(path);
  if (mknodat(BFD, rel, mode, rdev) != 0) return -errno;
  give_to_caller(rel);
  if (g_cfg.lazy) lazy_journal_create(rel, false);
  return 0;
}

static int op_symlink(const char *target, const char *path) {
  ENTER(OPK_CREATE);
  if (is_stash(path)) return -EACCES;
  const char *rel = rel_path(path);
  if (symlinkat(target, BFD, rel) != 0) return -errno;
  give_to_caller(rel);
  if (g_cfg.lazy) lazy_journal_create(rel, false);
  return 0;
}

static int op_link(const char *from, const char *to) {
  ENTER(OPK_CREATE);
  if (is_stash(to)) return -EACCES;
  const char *rel = rel_path(to);
  if (linkat(BFD, rel_path(from), BFD, rel, 0) != 0) return -errno;
  if (g_cfg.lazy) lazy_journal_create(rel, false);
  return 0;
}

static int op_readlink(const char *path, char *buf, size_t size) {
  ENTER(OPK_OTHER);
  if (size == 0) return -EINVAL;
  ssize_t n = readlinkat(BFD, rel_path(path), buf, size - 1);
  if (n < 0) return -errno;
  buf[n] = '\0';
  return 0;
}

static int op_chmod(const char *path, mode_t mode, struct fuse_file_info *fi) {
  ENTER(OPK_OTHER);
  int r = fi != NULL ? fchmod(H(fi)->fd, mode) : fchmodat(BFD, rel_path(path), mode, 0);
  return r != 0 ? -errno : 0;
}

static int op_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi) {
  ENTER(OPK_OTHER);
  int r = fi != NULL ? fchown(H(fi)->fd, uid, gid)
                     : fchownat(BFD, rel_path(path), uid, gid, AT_SYMLINK_NOFOLLOW);
  return r != 0 ? -errno : 0;
}

static int op_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi) {
  ENTER(OPK_OTHER);
  int r = fi != NULL ? futimens(H(fi)->fd, tv)
                     : utimensat(BFD, rel_path(path), tv, AT_SYMLINK_NOFOLLOW);
  return r != 0 ? -errno : 0;
}

static int op_statfs(const char *path, struct statvfs *st) {
  (void)path;
  ENTER(OPK_OTHER);
  return fstatvfs(BFD, st) != 0 ? -errno : 0;
}

const struct fuse_operations diskfs_operations = {
    .init = op_init,
    .getattr = op_getattr,
    .opendir = op_opendir,
    .readdir = op_readdir,
    .releasedir = op_releasedir,
    .open = op_open,
    .create = op_create,
    .read = op_read,
    .write = op_write,
    .fsync = op_fsync,
    .fsyncdir = op_fsyncdir,
    .release = op_release,
    .truncate = op_truncate,
    .fallocate = op_fallocate,
    .rename = op_rename,
    .unlink = op_unlink,
    .mkdir = op_mkdir,
    .rmdir = op_rmdir,
    .mknod = op_mknod,
    .symlink = op_symlink,
    .link = op_link,
    .readlink = op_readlink,
    .chmod = op_chmod,
    .chown = op_chown,
    .utimens = op_utimens,
    .statfs = op_statfs,
};
