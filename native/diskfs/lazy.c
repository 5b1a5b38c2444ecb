/*
 * Lazy mode: lose what was not made durable, as Jepsen's LazyFS does.
 *
 * File data: every regular file written through the mount has a lazy_file, keyed by the
 * backing inode (dev, ino), so a rename keeps the cache with the file. Writes go into 4 KiB
 * pages held in memory; the backing sees them only at an fsync/fdatasync of that file (or
 * when the memory cap writes the oldest pages back, as a kernel may). `size` is the logical
 * size; `valid` is how much of the backing file is still this file's content (a truncate
 * lowers it, so bytes the backing still holds beyond it read as zeros).
 *
 * Directories: create, mknod, mkdir, symlink, link, rename, unlink and rmdir are applied to
 * the backing at once and journaled. An entry names its directories by an O_PATH fd, which
 * follows the directory through later renames. fsyncdir of a directory makes its entries
 * durable; a power loss reverts the others newest first. What an unlink or a rename's
 * overwritten target removed waits in the hidden stash directory until it is durable.
 *
 * One mutex guards all of it, and the backing I/O done on its behalf: lazy mode is for finding
 * durability bugs, not for speed, and one lock keeps the journal in the order changes happened.
 */
#include "diskfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PAGE 4096
#define FILE_BUCKETS 4096

struct page {
  uint64_t index;
  struct lazy_file *lf;
  struct page *bucket_next;
  struct page *older, *newer; /* the global list of dirty pages, oldest first */
  char data[PAGE];
};

struct lazy_file {
  dev_t dev;
  ino_t ino;
  int fd;   /* our own read-write fd on the backing inode */
  int refs; /* open handles */
  off_t size;
  off_t valid;
  bool size_dirty;
  struct page **slots;
  size_t nslots, npages;
  struct lazy_file *next;
};

struct jdir {
  dev_t dev;
  ino_t ino;
  int fd; /* O_PATH: follows the directory wherever it is renamed */
  int refs;
  struct jdir *next;
};

enum jkind { J_CREATE, J_UNLINK, J_RMDIR, J_RENAME, J_EXCHANGE };

struct jentry {
  enum jkind kind;
  struct jdir *d1, *d2; /* d1: the (source) directory; d2: a rename's target directory */
  bool durable1, durable2;
  char *name1, *name2;
  dev_t dev; /* J_CREATE: what was created, so a revert never removes something else */
  ino_t ino;
  char stash[32];       /* J_UNLINK, J_RENAME over a file: what waits in the stash */
  bool replaced_dir;    /* J_RENAME over an empty directory: recreated on revert */
  mode_t mode;          /* J_RMDIR, replaced_dir: the directory to recreate */
  uid_t uid;
  gid_t gid;
  struct jentry *prev, *next;
};

static pthread_mutex_t lk = PTHREAD_MUTEX_INITIALIZER;
static struct lazy_file *files[FILE_BUCKETS];
static struct page *oldest, *newest;
static uint64_t dirty_bytes;
static struct jdir *jdirs;
static struct jentry *jfirst, *jlast;
static uint64_t jcount;
static uint64_t stash_counter;
static int stash_fd = -1;

/* ---------- small helpers ---------- */

static void split(const char *rel, char *parent, size_t cap, const char **base) {
  const char *slash = strrchr(rel, '/');
  if (slash == NULL) {
    snprintf(parent, cap, ".");
    *base = rel;
  } else {
    snprintf(parent, cap, "%.*s", (int)(slash - rel), rel);
    *base = slash + 1;
  }
}

/* rm -rf of dirfd/name, for a reverted mkdir and for a stale stash. */
static int remove_tree(int at, const char *name) {
  struct stat st;
  if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return errno == ENOENT ? 0 : -errno;
  if (!S_ISDIR(st.st_mode)) return unlinkat(at, name, 0) != 0 ? -errno : 0;
  int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return -errno;
  DIR *d = fdopendir(fd);
  if (d == NULL) {
    close(fd);
    return -errno;
  }
  struct dirent *de;
  int r = 0;
  while ((de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
    int rr = remove_tree(dirfd(d), de->d_name);
    if (rr != 0) r = rr;
  }
  closedir(d);
  if (unlinkat(at, name, AT_REMOVEDIR) != 0) r = -errno;
  return r;
}

/* ---------- file data ---------- */

static size_t bucket_of(dev_t dev, ino_t ino) {
  return (size_t)((ino * 0x9e3779b97f4a7c15ULL) ^ dev) % FILE_BUCKETS;
}

static struct lazy_file *find_file(dev_t dev, ino_t ino) {
  for (struct lazy_file *lf = files[bucket_of(dev, ino)]; lf != NULL; lf = lf->next)
    if (lf->dev == dev && lf->ino == ino) return lf;
  return NULL;
}

static struct page *find_page(struct lazy_file *lf, uint64_t index) {
  if (lf->nslots == 0) return NULL;
  for (struct page *p = lf->slots[index & (lf->nslots - 1)]; p != NULL; p = p->bucket_next)
    if (p->index == index) return p;
  return NULL;
}

static int grow_slots(struct lazy_file *lf) {
  size_t n = lf->nslots == 0 ? 64 : lf->nslots * 2;
  struct page **slots = calloc(n, sizeof *slots);
  if (slots == NULL) return -ENOMEM;
  for (size_t i = 0; i < lf->nslots; i++) {
    struct page *p = lf->slots[i];
    while (p != NULL) {
      struct page *next = p->bucket_next;
      p->bucket_next = slots[p->index & (n - 1)];
      slots[p->index & (n - 1)] = p;
      p = next;
    }
  }
  free(lf->slots);
  lf->slots = slots;
  lf->nslots = n;
  return 0;
}

static void unlink_page(struct page *p) {
  struct lazy_file *lf = p->lf;
  struct page **pp = &lf->slots[p->index & (lf->nslots - 1)];
  while (*pp != p) pp = &(*pp)->bucket_next;
  *pp = p->bucket_next;
  lf->npages--;
  if (p->older) p->older->newer = p->newer; else oldest = p->newer;
  if (p->newer) p->newer->older = p->older; else newest = p->older;
  dirty_bytes -= PAGE;
  free(p);
}

static void drop_pages(struct lazy_file *lf, uint64_t from_index) {
  for (size_t i = 0; i < lf->nslots && lf->npages > 0; i++) {
    struct page *p = lf->slots[i];
    while (p != NULL) {
      struct page *next = p->bucket_next;
      if (p->index >= from_index) unlink_page(p);
      p = next;
    }
  }
}

/* Backing bytes [off, off+len) as this file's content: the backing below `valid`, zeros above. */
static int read_backing(struct lazy_file *lf, char *buf, size_t len, off_t off) {
  size_t from_backing = off >= lf->valid ? 0 : (size_t)(lf->valid - off);
  if (from_backing > len) from_backing = len;
  size_t done = 0;
  while (done < from_backing) {
    ssize_t n = pread(lf->fd, buf + done, from_backing - done, off + (off_t)done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -errno;
    if (n == 0) break; /* shorter than expected: the rest reads as zeros */
    done += (size_t)n;
  }
  memset(buf + done, 0, len - done);
  return 0;
}

static struct page *get_page(struct lazy_file *lf, uint64_t index, int *err) {
  struct page *p = find_page(lf, index);
  if (p != NULL) return p;
  if (lf->npages >= lf->nslots && (*err = grow_slots(lf)) != 0) return NULL;
  p = malloc(sizeof *p);
  if (p == NULL) {
    *err = -ENOMEM;
    return NULL;
  }
  if ((*err = read_backing(lf, p->data, PAGE, (off_t)(index * PAGE))) != 0) {
    free(p);
    return NULL;
  }
  p->index = index;
  p->lf = lf;
  p->bucket_next = lf->slots[index & (lf->nslots - 1)];
  lf->slots[index & (lf->nslots - 1)] = p;
  lf->npages++;
  p->newer = NULL;
  p->older = newest;
  if (newest) newest->newer = p; else oldest = p;
  newest = p;
  dirty_bytes += PAGE;
  return p;
}

/* Writes one dirty page to the backing (not synced) and forgets it: the memory cap. */
static int write_back_page(struct page *p) {
  struct lazy_file *lf = p->lf;
  off_t off = (off_t)(p->index * PAGE);
  off_t len = lf->size - off < PAGE ? lf->size - off : PAGE;
  /* Stale backing bytes between `valid` and this page must not become content. */
  if (off > lf->valid && ftruncate(lf->fd, lf->valid) != 0) return -errno;
  if (len > 0 && pwrite(lf->fd, p->data, (size_t)len, off) != len) return errno ? -errno : -EIO;
  if (off + len > lf->valid) lf->valid = off + len;
  unlink_page(p);
  return 0;
}

/* 0, or the write-back's error when the cap cannot be held: the caller then refuses to cache
 * more (a failing disk must not turn into a helper that grows without bound). */
static int enforce_cap(void) {
  while (dirty_bytes > g_cfg.lazy_cap && oldest != NULL) {
    int r = write_back_page(oldest);
    if (r != 0) return r; /* keep the data; the next fsync reports too */
  }
  return 0;
}

static void free_file(struct lazy_file *lf) {
  drop_pages(lf, 0);
  struct lazy_file **pp = &files[bucket_of(lf->dev, lf->ino)];
  while (*pp != lf) pp = &(*pp)->next;
  *pp = lf->next;
  close(lf->fd);
  free(lf->slots);
  free(lf);
}

/* A file nobody has open and whose cache holds nothing, or which no name reaches any more. */
static void maybe_free(struct lazy_file *lf) {
  if (lf->refs > 0) return;
  struct stat st;
  bool gone = fstat(lf->fd, &st) == 0 && st.st_nlink == 0;
  if (gone || (lf->npages == 0 && !lf->size_dirty)) free_file(lf);
}

struct lazy_file *lazy_get(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) return NULL;
  pthread_mutex_lock(&lk);
  struct lazy_file *lf = find_file(st.st_dev, st.st_ino);
  if (lf == NULL && (lf = calloc(1, sizeof *lf)) != NULL) {
    /* Our own read-write fd: the caller's may be read-only, and a truncate by path has none. */
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    lf->fd = open(proc, O_RDWR | O_CLOEXEC);
    if (lf->fd < 0) lf->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (lf->fd < 0) {
      free(lf);
      lf = NULL;
    } else {
      lf->dev = st.st_dev;
      lf->ino = st.st_ino;
      lf->size = lf->valid = st.st_size;
      size_t b = bucket_of(st.st_dev, st.st_ino);
      lf->next = files[b];
      files[b] = lf;
    }
  }
  if (lf != NULL) lf->refs++;
  pthread_mutex_unlock(&lk);
  return lf;
}

void lazy_put(struct lazy_file *lf) {
  pthread_mutex_lock(&lk);
  lf->refs--;
  maybe_free(lf);
  pthread_mutex_unlock(&lk);
}

void lazy_fix_stat(struct stat *st) {
  if (!S_ISREG(st->st_mode)) return;
  pthread_mutex_lock(&lk);
  struct lazy_file *lf = find_file(st->st_dev, st->st_ino);
  if (lf != NULL) {
    st->st_size = lf->size;
    blkcnt_t blocks = (lf->size + 511) / 512;
    if (st->st_blocks < blocks) st->st_blocks = blocks;
  }
  pthread_mutex_unlock(&lk);
}

int lazy_read(struct lazy_file *lf, char *buf, size_t size, off_t off) {
  pthread_mutex_lock(&lk);
  int r = 0;
  if (off >= lf->size) goto out;
  size_t len = (size_t)(lf->size - off) < size ? (size_t)(lf->size - off) : size;
  size_t done = 0;
  while (done < len) {
    off_t pos = off + (off_t)done;
    uint64_t index = (uint64_t)pos / PAGE;
    size_t in_page = (size_t)(pos % PAGE);
    struct page *p = find_page(lf, index);
    if (p != NULL) {
      size_t n = PAGE - in_page < len - done ? PAGE - in_page : len - done;
      memcpy(buf + done, p->data + in_page, n);
      done += n;
      continue;
    }
    /* A run of pages not in the cache: one read from the backing. */
    size_t run = PAGE - in_page;
    while (done + run < len && find_page(lf, (uint64_t)(pos + (off_t)run) / PAGE) == NULL)
      run += PAGE;
    if (run > len - done) run = len - done;
    if ((r = read_backing(lf, buf + done, run, pos)) != 0) goto out;
    done += run;
  }
  r = (int)len;
out:
  pthread_mutex_unlock(&lk);
  return r;
}

int lazy_write(struct lazy_file *lf, const char *buf, size_t size, off_t off, bool append) {
  pthread_mutex_lock(&lk);
  /* Over the cap because a write-back failed (the disk is full, or failing): this write fails
   * with that error, as the kernel's would once it cannot write back, instead of growing. */
  int capped = enforce_cap();
  if (capped != 0) {
    pthread_mutex_unlock(&lk);
    return capped;
  }
  if (append) off = lf->size;
  int err = 0;
  size_t done = 0;
  while (done < size) {
    off_t pos = off + (off_t)done;
    size_t in_page = (size_t)(pos % PAGE);
    size_t n = PAGE - in_page < size - done ? PAGE - in_page : size - done;
    struct page *p = get_page(lf, (uint64_t)pos / PAGE, &err);
    if (p == NULL) break;
    memcpy(p->data + in_page, buf + done, n);
    done += n;
  }
  if (off + (off_t)done > lf->size) {
    lf->size = off + (off_t)done;
    lf->size_dirty = true;
  }
  (void)enforce_cap(); /* this write is held; if the cap cannot be kept, the next one fails */
  pthread_mutex_unlock(&lk);
  return done > 0 || err == 0 ? (int)done : err;
}

int lazy_truncate(struct lazy_file *lf, off_t size) {
  pthread_mutex_lock(&lk);
  if (size < lf->size) {
    drop_pages(lf, ((uint64_t)size + PAGE - 1) / PAGE);
    struct page *p = find_page(lf, (uint64_t)size / PAGE);
    if (p != NULL) memset(p->data + size % PAGE, 0, PAGE - (size_t)(size % PAGE));
    if (lf->valid > size) lf->valid = size;
  }
  lf->size = size;
  lf->size_dirty = true;
  pthread_mutex_unlock(&lk);
  return 0;
}

int lazy_fallocate_extend(struct lazy_file *lf, off_t end) {
  pthread_mutex_lock(&lk);
  if (end > lf->size) {
    lf->size = end;
    lf->size_dirty = true;
  }
  pthread_mutex_unlock(&lk);
  return 0;
}

/* Writes the file's cached state to the backing (caller holds the lock). */
static int write_back_file(struct lazy_file *lf) {
  if (lf->npages == 0 && !lf->size_dirty) return 0;
  struct stat st;
  if (fstat(lf->fd, &st) != 0) return -errno;
  if (st.st_size > lf->valid && ftruncate(lf->fd, lf->valid) != 0) return -errno;
  for (size_t i = 0; i < lf->nslots; i++) {
    for (struct page *p = lf->slots[i]; p != NULL; p = p->bucket_next) {
      off_t off = (off_t)(p->index * PAGE);
      off_t len = lf->size - off < PAGE ? lf->size - off : PAGE;
      if (len > 0 && pwrite(lf->fd, p->data, (size_t)len, off) != len)
        return errno ? -errno : -EIO;
    }
  }
  if (ftruncate(lf->fd, lf->size) != 0) return -errno;
  drop_pages(lf, 0);
  lf->valid = lf->size;
  lf->size_dirty = false;
  return 0;
}

int lazy_fsync(struct lazy_file *lf, bool datasync) {
  pthread_mutex_lock(&lk);
  int r = write_back_file(lf);
  int fd = lf->fd;
  pthread_mutex_unlock(&lk);
  if (r != 0) return r;
  /* The sync itself runs unlocked: the data is in the backing already, other files go on. */
  return (datasync ? fdatasync(fd) : fsync(fd)) != 0 ? -errno : 0;
}

/* ---------- directory journal ---------- */

static struct jdir *jdir_get(const char *parent) {
  int fd = openat(g_cfg.backing_fd, parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return NULL;
  struct stat st;
  if (fstat(fd, &st) != 0) {
    close(fd);
    return NULL;
  }
  for (struct jdir *d = jdirs; d != NULL; d = d->next) {
    if (d->dev == st.st_dev && d->ino == st.st_ino) {
      close(fd);
      d->refs++;
      return d;
    }
  }
  struct jdir *d = calloc(1, sizeof *d);
  if (d == NULL) {
    close(fd);
    return NULL;
  }
  *d = (struct jdir){st.st_dev, st.st_ino, fd, 1, jdirs};
  jdirs = d;
  return d;
}

static void jdir_put(struct jdir *d) {
  if (d == NULL || --d->refs > 0) return;
  struct jdir **pp = &jdirs;
  while (*pp != d) pp = &(*pp)->next;
  *pp = d->next;
  close(d->fd);
  free(d);
}

static struct jentry *jentry_new(enum jkind kind, const char *rel1, const char *rel2) {
  char parent[4096];
  const char *base;
  struct jentry *e = calloc(1, sizeof *e);
  if (e == NULL) return NULL;
  e->kind = kind;
  split(rel1, parent, sizeof parent, &base);
  e->d1 = jdir_get(parent);
  e->name1 = strdup(base);
  e->durable2 = true;
  if (rel2 != NULL) {
    split(rel2, parent, sizeof parent, &base);
    e->d2 = jdir_get(parent);
    e->name2 = strdup(base);
    e->durable2 = false;
    if (e->d2 == NULL || e->name2 == NULL) goto fail;
  }
  if (e->d1 == NULL || e->name1 == NULL) goto fail;
  return e;
fail:
  jdir_put(e->d1);
  jdir_put(e->d2);
  free(e->name1);
  free(e->name2);
  free(e);
  return NULL;
}

static void jentry_append(struct jentry *e) {
  e->prev = jlast;
  if (jlast) jlast->next = e; else jfirst = e;
  jlast = e;
  jcount++;
}

static void jentry_free(struct jentry *e) {
  if (e->prev) e->prev->next = e->next; else jfirst = e->next;
  if (e->next) e->next->prev = e->prev; else jlast = e->prev;
  jcount--;
  jdir_put(e->d1);
  jdir_put(e->d2);
  free(e->name1);
  free(e->name2);
  free(e);
}

/* A durable entry: what it removed is gone for good. */
static void jentry_finalize(struct jentry *e) {
  if (e->stash[0] != '\0') {
    struct stat st;
    if (fstatat(stash_fd, e->stash, &st, AT_SYMLINK_NOFOLLOW) == 0) {
      remove_tree(stash_fd, e->stash);
      struct lazy_file *lf = find_file(st.st_dev, st.st_ino);
      if (lf != NULL) maybe_free(lf);
    }
  }
  jentry_free(e);
}

static void next_stash_name(struct jentry *e) {
  snprintf(e->stash, sizeof e->stash, "s%llu", (unsigned long long)++stash_counter);
}

int lazy_journal_create(const char *rel, bool is_dir) {
  (void)is_dir;
  struct stat st;
  if (fstatat(g_cfg.backing_fd, rel, &st, AT_SYMLINK_NOFOLLOW) != 0) return -errno;
  pthread_mutex_lock(&lk);
  struct jentry *e = jentry_new(J_CREATE, rel, NULL);
  if (e != NULL) {
    e->dev = st.st_dev;
    e->ino = st.st_ino;
    jentry_append(e);
  }
  pthread_mutex_unlock(&lk);
  return e != NULL ? 0 : -ENOMEM;
}

int lazy_unlink(const char *rel) {
  struct stat st;
  if (fstatat(g_cfg.backing_fd, rel, &st, AT_SYMLINK_NOFOLLOW) != 0) return -errno;
  if (S_ISDIR(st.st_mode)) return -EISDIR;
  pthread_mutex_lock(&lk);
  int r = 0;
  struct jentry *e = jentry_new(J_UNLINK, rel, NULL);
  if (e == NULL) {
    r = -ENOMEM;
  } else {
    next_stash_name(e);
    if (renameat(e->d1->fd, e->name1, stash_fd, e->stash) != 0) {
      r = -errno;
      e->stash[0] = '\0';
      jentry_append(e);
      jentry_free(e);
    } else {
      jentry_append(e);
    }
  }
  pthread_mutex_unlock(&lk);
  return r;
}

int lazy_rmdir(const char *rel) {
  struct stat st;
  if (fstatat(g_cfg.backing_fd, rel, &st, AT_SYMLINK_NOFOLLOW) != 0) return -errno;
  if (!S_ISDIR(st.st_mode)) return -ENOTDIR;
  pthread_mutex_lock(&lk);
  int r = 0;
  struct jentry *e = jentry_new(J_RMDIR, rel, NULL);
  if (e == NULL) {
    r = -ENOMEM;
  } else {
    e->mode = st.st_mode & 07777;
    e->uid = st.st_uid;
    e->gid = st.st_gid;
    jentry_append(e);
    if (unlinkat(e->d1->fd, e->name1, AT_REMOVEDIR) != 0) {
      r = -errno;
      jentry_free(e);
    }
  }
  pthread_mutex_unlock(&lk);
  return r;
}

int lazy_rename(const char *from, const char *to, unsigned flags) {
  int bfd = g_cfg.backing_fd;
  struct stat src, dst;
  if (fstatat(bfd, from, &src, AT_SYMLINK_NOFOLLOW) != 0) return -errno;
  bool dst_exists = fstatat(bfd, to, &dst, AT_SYMLINK_NOFOLLOW) == 0;
  pthread_mutex_lock(&lk);
  int r = 0;
  struct jentry *e = jentry_new(flags & RENAME_EXCHANGE ? J_EXCHANGE : J_RENAME, from, to);
  if (e == NULL) {
    r = -ENOMEM;
    goto out;
  }
  if ((flags & (RENAME_EXCHANGE | RENAME_NOREPLACE)) || !dst_exists) {
    if (renameat2(e->d1->fd, e->name1, e->d2->fd, e->name2, flags) != 0) r = -errno;
  } else if (src.st_dev == dst.st_dev && src.st_ino == dst.st_ino) {
    r = 1; /* two names of one file: POSIX says rename does nothing */
  } else if (S_ISDIR(dst.st_mode)) {
    if (!S_ISDIR(src.st_mode)) {
      r = -EISDIR;
    } else if (renameat(e->d1->fd, e->name1, e->d2->fd, e->name2) != 0) {
      r = -errno; /* ENOTEMPTY from the backing */
    } else {
      e->replaced_dir = true;
      e->mode = dst.st_mode & 07777;
      e->uid = dst.st_uid;
      e->gid = dst.st_gid;
    }
  } else if (S_ISDIR(src.st_mode)) {
    r = -ENOTDIR;
  } else {
    /* The overwritten file waits in the stash; then the rename itself. */
    next_stash_name(e);
    if (renameat(e->d2->fd, e->name2, stash_fd, e->stash) != 0) {
      r = -errno;
    } else if (renameat(e->d1->fd, e->name1, e->d2->fd, e->name2) != 0) {
      r = -errno;
      renameat(stash_fd, e->stash, e->d2->fd, e->name2);
    }
    if (r != 0) e->stash[0] = '\0';
  }
  jentry_append(e);
  if (r != 0) jentry_free(e);
out:
  pthread_mutex_unlock(&lk);
  return r > 0 ? 0 : r;
}

int lazy_fsyncdir(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0 || fsync(fd) != 0) return -errno;
  pthread_mutex_lock(&lk);
  for (struct jentry *e = jfirst, *next; e != NULL; e = next) {
    next = e->next;
    if (e->d1->dev == st.st_dev && e->d1->ino == st.st_ino) e->durable1 = true;
    if (e->d2 != NULL && e->d2->dev == st.st_dev && e->d2->ino == st.st_ino) e->durable2 = true;
    if (e->durable1 && e->durable2) jentry_finalize(e);
  }
  pthread_mutex_unlock(&lk);
  return 0;
}

/* Undoes one un-fsynced directory change. */
static int revert(struct jentry *e) {
  struct stat st;
  switch (e->kind) {
  case J_CREATE:
    if (fstatat(e->d1->fd, e->name1, &st, AT_SYMLINK_NOFOLLOW) != 0) return 0;
    if (st.st_dev != e->dev || st.st_ino != e->ino) return 0; /* replaced durably since */
    return remove_tree(e->d1->fd, e->name1);
  case J_UNLINK:
    return renameat(stash_fd, e->stash, e->d1->fd, e->name1) != 0 ? -errno : 0;
  case J_RMDIR:
    if (mkdirat(e->d1->fd, e->name1, e->mode) != 0) return -errno;
    return fchownat(e->d1->fd, e->name1, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) != 0 ? -errno : 0;
  case J_EXCHANGE:
    return renameat2(e->d2->fd, e->name2, e->d1->fd, e->name1, RENAME_EXCHANGE) != 0 ? -errno
                                                                                  : 0;
  case J_RENAME:
    if (renameat(e->d2->fd, e->name2, e->d1->fd, e->name1) != 0) return -errno;
    if (e->stash[0] != '\0' && renameat(stash_fd, e->stash, e->d2->fd, e->name2) != 0)
      return -errno;
    if (e->replaced_dir) {
      if (mkdirat(e->d2->fd, e->name2, e->mode) != 0) return -errno;
      if (fchownat(e->d2->fd, e->name2, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) != 0) return -errno;
    }
    return 0;
  }
  return 0;
}

int lazy_power_loss(unsigned long long *nfiles, unsigned long long *bytes,
                    unsigned long long *entries) {
  pthread_mutex_lock(&lk);
  int failed = 0;
  *entries = 0;
  while (jlast != NULL) {
    struct jentry *e = jlast;
    int r = revert(e);
    if (r != 0) {
      failed = 1;
      fprintf(stderr, "ordeal-diskfs: power-loss: could not revert a change of '%s': %s\n",
              e->name1, strerror(-r));
    }
    e->stash[0] = '\0';
    jentry_free(e);
    (*entries)++;
  }
  *nfiles = 0;
  *bytes = 0;
  for (size_t b = 0; b < FILE_BUCKETS; b++) {
    for (struct lazy_file *lf = files[b], *next; lf != NULL; lf = next) {
      next = lf->next;
      if (lf->npages == 0 && !lf->size_dirty) continue;
      (*nfiles)++;
      *bytes += (unsigned long long)lf->npages * PAGE;
      drop_pages(lf, 0);
      struct stat st;
      lf->size = lf->valid = fstat(lf->fd, &st) == 0 ? st.st_size : 0;
      lf->size_dirty = false;
      maybe_free(lf);
    }
  }
  pthread_mutex_unlock(&lk);
  return failed ? -1 : 0;
}

void lazy_stats(unsigned long long *dirty, unsigned long long *pending) {
  pthread_mutex_lock(&lk);
  *dirty = dirty_bytes;
  *pending = jcount;
  pthread_mutex_unlock(&lk);
}

int lazy_setup(void) {
  int bfd = g_cfg.backing_fd;
  /* A stash left by a helper that died holds what its service removed: removed it stays. */
  if (remove_tree(bfd, STASH_NAME) != 0) return -1;
  if (mkdirat(bfd, STASH_NAME, 0700) != 0) return -1;
  stash_fd = openat(bfd, STASH_NAME, O_PATH | O_DIRECTORY | O_CLOEXEC);
  return stash_fd < 0 ? -1 : 0;
}

/*
 * A clean stop (SIGTERM without power-loss) is a clean shutdown, not a crash: everything held
 * is written back and every journaled change stays, as after `sync; umount`.
 */
void lazy_shutdown(void) {
  pthread_mutex_lock(&lk);
  for (size_t b = 0; b < FILE_BUCKETS; b++) {
    for (struct lazy_file *lf = files[b], *next; lf != NULL; lf = next) {
      next = lf->next;
      if (write_back_file(lf) != 0 || fsync(lf->fd) != 0)
        fprintf(stderr, "ordeal-diskfs: could not write back a file at exit: %s\n",
                strerror(errno));
      free_file(lf);
    }
  }
  while (jfirst != NULL) jentry_finalize(jfirst);
  pthread_mutex_unlock(&lk);
  if (stash_fd >= 0) close(stash_fd);
  remove_tree(g_cfg.backing_fd, STASH_NAME);
}
