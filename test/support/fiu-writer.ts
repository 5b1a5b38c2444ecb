/**
 * A small C program for syscall-error tests: it loops write + fsync on a file and prints each
 * result on its own line (`write ok`, `fsync EIO`), so a test sees what the calls returned
 * from the program's own output, independently of ordeal. Compiled once per test process with
 * the machine's `cc`. Its stdout goes to a file; glibc's stdio writes it through its internal
 * write, which the libfiu preload does not wrap, so the report survives the fault.
 * @module
 */
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { libfiuPreload } from '../../src/platforms/local/preload/libfiu.js'

const SOURCE = String.raw`
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void report(const char *call, int r) {
  printf("%s %s\n", call, r < 0 ? strerrorname_np(errno) : "ok");
  fflush(stdout);
}

int main(int argc, char **argv) {
  /* argv[1]: the file to write; argv[2]: microseconds between rounds; argv[3]: "fork" makes a worker. */
  if (argc > 3 && strcmp(argv[3], "fork") == 0 && fork() == 0) {
    char own[4096];
    snprintf(own, sizeof own, "%s.worker", argv[1]);
    argv[1] = own;
  }
  int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) {
    perror("open");
    return 1;
  }
  char block[64];
  memset(block, 'x', sizeof block);
  for (;;) {
    /* Rewrite the same block, so the file stays small however long the loop runs. */
    lseek(fd, 0, SEEK_SET);
    report("write", (int) write(fd, block, sizeof block));
    report("fsync", fsync(fd));
    usleep((useconds_t) atoi(argv[2]));
  }
}
`

let compiled: string | undefined

/** Path of the compiled writer (compiled on first use). */
export function fiuWriterBinary(): string {
  if (compiled === undefined || !existsSync(compiled)) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-fiu-writer-'))
    // One compile per test process, removed when it exits (the test runner's leftover check
    // looks for /tmp/ordeal-*).
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
    writeFileSync(path.join(dir, 'writer.c'), SOURCE)
    execFileSync('cc', ['-O1', '-o', path.join(dir, 'writer'), path.join(dir, 'writer.c')])
    // Other users run it too (a service's own user): mkdtemp made the directory 0700.
    chmodSync(dir, 0o755)
    compiled = path.join(dir, 'writer')
  }
  return compiled
}

/** The environment the libfiu preload driver gives a replica whose control dir is `controlDir`. */
export function fiuEnv(controlDir: string): Record<string, string> {
  return {
    LD_PRELOAD: libfiuPreload.libraries.join(':'),
    ...libfiuPreload.env({ service: 'api', replica: 1, controlDir }),
  }
}

/** The writer's report lines so far (`write ok`, `fsync EIO`, …), complete lines only. */
export function writerLines(outFile: string): string[] {
  let text: string
  try {
    text = readFileSync(outFile, 'utf8')
  } catch {
    return []
  }
  const lines = text.split('\n')
  lines.pop()
  return lines
}

/** How many of `lines` report `call` (write, fsync), and how many of those failed, by errno. */
export function tally(lines: readonly string[], call: string) {
  let calls = 0
  const failures = new Map<string, number>()
  for (const line of lines) {
    const [name, result] = line.split(' ')
    if (name !== call || result === undefined) {
      continue
    }
    calls++
    if (result !== 'ok') {
      failures.set(result, (failures.get(result) ?? 0) + 1)
    }
  }
  const failed = [...failures.values()].reduce((a, b) => a + b, 0)
  return { calls, failed, failures }
}
