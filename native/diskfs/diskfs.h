/*
 * ordeal-diskfs: a FUSE pass-through file system mounted over a directory a service uses, which
 * adds latency and errors per operation kind and, in lazy mode, loses what was not fsynced
 * (see README.md and /work/briefs/diskfs-contract.md's successor in the README).
 */
#ifndef ORDEAL_DISKFS_H
#define ORDEAL_DISKFS_H

#define FUSE_USE_VERSION 31
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <fuse.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

/* The operation kinds a rule names. Everything else (chmod, statfs, readlink...) is OTHER: it
 * is counted and slowed by `all`, and can fail only through `all`. */
enum op_kind {
  OPK_OPEN,
  OPK_CREATE,
  OPK_READ,
  OPK_WRITE,
  OPK_FSYNC,
  OPK_TRUNCATE,
  OPK_RENAME,
  OPK_UNLINK,
  OPK_MKDIR,
  OPK_RMDIR,
  OPK_READDIR,
  OPK_GETATTR,
  OPK_OTHER,
  OPK_COUNT
};

/* The hidden directory of the backing where lazy mode keeps what an un-fsynced unlink or
 * rename removed, so that a power loss can put it back. Never listed, never looked up. */
#define STASH_NAME ".ordeal-diskfs-stash"

struct diskfs_config {
  int backing_fd; /* the directory, opened before the mount hid it */
  dev_t backing_dev;
  ino_t backing_ino;
  bool lazy;
  uint64_t lazy_cap; /* bytes of dirty pages held before the oldest are written back */
};
extern struct diskfs_config g_cfg;

/* rules.c: latency and error rules, the seeded draws, the counters. */
int rules_parse_ops(const char *list, unsigned *mask);
int rules_parse_errno(const char *name, int *err);
void rules_set_latency(unsigned mask, long microseconds);
int rules_add_error(unsigned mask, int err, double probability);
void rules_clear(void);
void rules_seed(uint64_t seed);
int fault_enter(enum op_kind kind);
void rules_counters(unsigned long long *ops, unsigned long long *errors);

/* control.c: the control socket. */
int control_listen(const char *path);
int control_start(int listen_fd);

/* ops.c: the file system. */
extern const struct fuse_operations diskfs_operations;

/* lazy.c: the LazyFS-style state of lazy mode. */
int lazy_setup(void);
void lazy_shutdown(void);
struct lazy_file;
struct lazy_file *lazy_get(int backing_fd_of_file);
void lazy_put(struct lazy_file *lf);
int lazy_read(struct lazy_file *lf, char *buf, size_t size, off_t off);
int lazy_write(struct lazy_file *lf, const char *buf, size_t size, off_t off, bool append);
int lazy_truncate(struct lazy_file *lf, off_t size);
int lazy_fallocate_extend(struct lazy_file *lf, off_t end);
int lazy_fsync(struct lazy_file *lf, bool datasync);
void lazy_fix_stat(struct stat *st);
int lazy_journal_create(const char *rel, bool is_dir);
int lazy_unlink(const char *rel);
int lazy_rmdir(const char *rel);
int lazy_rename(const char *from, const char *to, unsigned flags);
int lazy_fsyncdir(int dir_fd);
int lazy_power_loss(unsigned long long *files, unsigned long long *bytes,
                    unsigned long long *entries);
void lazy_stats(unsigned long long *dirty, unsigned long long *pending);

/* The backing path of a FUSE path: "/a/b" -> "a/b", "/" -> ".". */
static inline const char *rel_path(const char *path) {
  if (path == NULL || path[0] == '\0' || (path[0] == '/' && path[1] == '\0')) return ".";
  return path[0] == '/' ? path + 1 : path;
}

#endif
