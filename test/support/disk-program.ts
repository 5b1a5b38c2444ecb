/**
 * A small C program for disk-fault tests: it runs the steps given as arguments, in order, with
 * plain syscalls, and prints one line per step with what the call returned (`write ok`,
 * `fsync ENOSPC`), so a test judges a file system from the program's own output. Compiled once
 * per test process with the machine's `cc`, into a directory other users may enter (a step may
 * run as the `ordeal` user).
 *
 * Steps (`op:arg:arg`, no colons inside arguments):
 *   write:P:TEXT      open O_WRONLY|O_CREAT|O_TRUNC 0644, write TEXT, close
 *   writefsync:P:TEXT the same with an fsync before the close
 *   read:P            prints `read ok TEXT` (the whole file)
 *   fsync:P           open read-only, fsync; prints the microseconds fsync took
 *   fsyncdir:P        open the directory, fsync it
 *   writes:P:N        N writes of 16 bytes on one fd; prints `.` per success, `E` per EIO,
 *                     `X` per other error, in order
 *   rename:A:B, unlink:P, mkdir:P, rmdir:P
 *   stat:P            prints type, permission bits, size and nlink
 *   ls:P              prints the sorted names of the directory
 * @module
 */
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const SOURCE = String.raw`
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *op;

static int fail(const char *call) {
  printf("%s %s%s%s\n", op, strerrorname_np(errno), strcmp(call, op) ? " at " : "",
         strcmp(call, op) ? call : "");
  return 0;
}

static long long now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static int cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int step(char *spec) {
  op = strtok(spec, ":");
  char *a = strtok(NULL, ":");
  char *b = strtok(NULL, ":");
  if (strcmp(op, "write") == 0 || strcmp(op, "writefsync") == 0) {
    int fd = open(a, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return fail("open");
    size_t len = b ? strlen(b) : 0;
    if (write(fd, b ? b : "", len) != (ssize_t)len) { close(fd); return fail("write"); }
    if (strcmp(op, "writefsync") == 0 && fsync(fd) != 0) { close(fd); return fail("fsync"); }
    if (close(fd) != 0) return fail("close");
    printf("%s ok\n", op);
  } else if (strcmp(op, "read") == 0) {
    int fd = open(a, O_RDONLY);
    if (fd < 0) return fail("open");
    char buf[65536];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n < 0) return fail("read");
    buf[n] = 0;
    printf("read ok %s\n", buf);
  } else if (strcmp(op, "fsync") == 0 || strcmp(op, "fsyncdir") == 0) {
    int fd = open(a, O_RDONLY | (strcmp(op, "fsyncdir") == 0 ? O_DIRECTORY : 0));
    if (fd < 0) return fail("open");
    long long t = now_us();
    int r = fsync(fd);
    t = now_us() - t;
    close(fd);
    if (r != 0) return fail(op);
    printf("%s ok %lld\n", op, t);
  } else if (strcmp(op, "writes") == 0) {
    int fd = open(a, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return fail("open");
    int n = atoi(b);
    char *marks = calloc((size_t)n + 1, 1);
    for (int i = 0; i < n; i++) {
      ssize_t w = write(fd, "0123456789abcdef", 16);
      marks[i] = w == 16 ? '.' : errno == EIO ? 'E' : 'X';
    }
    close(fd);
    printf("writes ok %s\n", marks);
    free(marks);
  } else if (strcmp(op, "rename") == 0) {
    if (rename(a, b) != 0) return fail("rename");
    printf("rename ok\n");
  } else if (strcmp(op, "unlink") == 0) {
    if (unlink(a) != 0) return fail("unlink");
    printf("unlink ok\n");
  } else if (strcmp(op, "mkdir") == 0) {
    if (mkdir(a, 0755) != 0) return fail("mkdir");
    printf("mkdir ok\n");
  } else if (strcmp(op, "rmdir") == 0) {
    if (rmdir(a) != 0) return fail("rmdir");
    printf("rmdir ok\n");
  } else if (strcmp(op, "stat") == 0) {
    struct stat st;
    if (lstat(a, &st) != 0) return fail("stat");
    printf("stat ok %s %o size=%lld nlink=%lu\n", S_ISDIR(st.st_mode) ? "dir" : S_ISREG(st.st_mode) ? "file" : "other",
           st.st_mode & 07777, (long long)st.st_size, (unsigned long)st.st_nlink);
  } else if (strcmp(op, "ls") == 0) {
    DIR *d = opendir(a);
    if (d == NULL) return fail("opendir");
    char *names[1024];
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL && n < 1024)
      if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) names[n++] = strdup(de->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp);
    printf("ls ok");
    for (int i = 0; i < n; i++) printf(" %s", names[i]);
    printf("\n");
  } else {
    printf("%s unknown-step\n", op);
  }
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  for (int i = 1; i < argc; i++) step(argv[i]);
  return 0;
}
`

let compiled: string | undefined

/** Path of the compiled program (compiled on first use). */
export function diskProgramBinary(): string {
  if (compiled === undefined || !existsSync(compiled)) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-disk-program-'))
    writeFileSync(path.join(dir, 'program.c'), SOURCE)
    execFileSync('cc', ['-O1', '-o', path.join(dir, 'program'), path.join(dir, 'program.c')])
    chmodSync(dir, 0o755)
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
    compiled = path.join(dir, 'program')
  }
  return compiled
}

/**
 * Runs the program with `steps`; returns its lines. With `asUser`, it runs as that uid/gid
 * (setpriv, no supplementary groups), as a service's own user would.
 */
export function runDiskProgram(steps: string[], asUser?: { uid: number; gid: number }): string[] {
  const binary = diskProgramBinary()
  const argv = asUser
    ? [
        'setpriv',
        `--reuid=${asUser.uid}`,
        `--regid=${asUser.gid}`,
        '--clear-groups',
        binary,
        ...steps,
      ]
    : [binary, ...steps]
  const out = execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 60_000 })
  return out.trimEnd().split('\n')
}
