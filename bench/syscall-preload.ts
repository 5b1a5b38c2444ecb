/**
 * What the libfiu preload costs a service while no syscall-error fault is active: a C loop of
 * 64-byte writes (and, separately, write + fsync) timed by the program itself, run bare and
 * under the preload exactly as a `preload: [libfiu]` replica starts (both libraries, remote
 * control listening), alternated, best of several runs each. The ratio is the figure to
 * compare across runs (BENCHMARKS.md).
 *
 * `node --import tsx bench/syscall-preload.ts [writes=1000000] [runs=5]`
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { libfiuPreload } from '../src/platforms/local/preload/libfiu.js'

const writes = Number(process.argv[2] ?? 1_000_000)
const runs = Number(process.argv[3] ?? 5)

/** Times its own loop, so process start and the preload's set-up are not in the figure. */
const SOURCE = String.raw`
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* argv: file, iterations, fsync every k writes (0: never). Prints ns per iteration. */
int main(int argc, char **argv) {
  int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0600);
  long n = atol(argv[2]), every = atol(argv[3]);
  char block[64];
  memset(block, 'x', sizeof block);
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < n; i++) {
    if (write(fd, block, sizeof block) != sizeof block) return 1;
    if (every > 0 && i % every == 0 && fsync(fd) != 0) return 1;
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%.1f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n);
  return 0;
}
`

const dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-bench-fiu-'))
try {
  writeFileSync(path.join(dir, 'loop.c'), SOURCE)
  const binary = path.join(dir, 'loop')
  execFileSync('cc', ['-O2', '-o', binary, path.join(dir, 'loop.c')])
  const preloadEnv = {
    ...process.env,
    LD_PRELOAD: libfiuPreload.libraries.join(':'),
    ...libfiuPreload.env({ service: 'bench', replica: 1, controlDir: dir }),
  }
  const once = (env: NodeJS.ProcessEnv, file: string, n: number, every: number) =>
    Number(execFileSync(binary, [file, String(n), String(every)], { env }))

  console.log(`| loop | iterations | bare (ns/iter) | libfiu preload, no fault (ns/iter) | ratio |`)
  console.log(`| ---- | ---------- | -------------- | ---------------------------------- | ----- |`)
  // /dev/null: the cheapest write there is, so the wrapper's own cost shows most; a file with
  // an fsync every 100 writes: what a log writer does.
  const data = path.join(dir, 'data')
  for (const [name, file, n, every] of [
    ['write 64 B to /dev/null', '/dev/null', writes, 0],
    ['write 64 B to a file, fsync every 100', data, Math.max(1000, Math.floor(writes / 50)), 100],
  ] as const) {
    let bare = Infinity
    let preloaded = Infinity
    for (let i = 0; i < runs; i++) {
      bare = Math.min(bare, once(process.env, file, n, every))
      preloaded = Math.min(preloaded, once(preloadEnv, file, n, every))
    }
    console.log(
      `| ${name} | ${n} | ${bare.toFixed(1)} | ${preloaded.toFixed(1)} | ${(preloaded / bare).toFixed(2)} |`
    )
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
