/**
 * What ordeal-diskfs costs when no rule is active: the same C program, timing itself, writes
 * on a bare directory and on the same kind of directory with the helper mounted over it (pass-
 * through, and lazy mode), alternated in one run on the same disk, best of `runs` each:
 *
 * - sequential: `MiB` MiB in 1 MiB writes, then one fsync (MB/s, fsync included);
 * - small files: `files` times create + write 4 KiB + fsync + close (files/s).
 *
 * A shared virtual disk swings widely from one second to the next (84 MB/s to 1 GB/s for the
 * same dd in one minute was seen): the best of several runs is the figure, and the order of
 * the modes rotates from run to run.
 *
 * The ratios (mounted / bare) are the figures to compare across runs (BENCHMARKS.md).
 *
 * `node --import tsx bench/disk-fuse.ts [MiB=1024] [files=2000] [runs=3]`
 */
import { execFileSync, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const mib = Number(process.argv[2] ?? 1024)
const files = Number(process.argv[3] ?? 2000)
const runs = Number(process.argv[4] ?? 3)
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const helper = path.join(root, 'dist/native/ordeal-diskfs')

/** Prints one number: MB/s for `seq`, files/s for `small`. Its own clock, from first call to last. */
const SOURCE = String.raw`
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (strcmp(argv[1], "seq") == 0) {
    long n = atol(argv[3]);
    static char block[1 << 20];
    memset(block, 'x', sizeof block);
    double t = now();
    int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return 1;
    for (long i = 0; i < n; i++)
      if (write(fd, block, sizeof block) != sizeof block) return 1;
    if (fsync(fd) != 0 || close(fd) != 0) return 1;
    printf("%.1f\n", n * 1.048576 / (now() - t));
  } else {
    long n = atol(argv[3]);
    char page[4096], name[4096];
    memset(page, 'y', sizeof page);
    double t = now();
    for (long i = 0; i < n; i++) {
      snprintf(name, sizeof name, "%s/f%ld", argv[2], i);
      int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd < 0 || write(fd, page, sizeof page) != sizeof page || fsync(fd) != 0 || close(fd) != 0)
        return 1;
    }
    printf("%.0f\n", n / (now() - t));
  }
  return 0;
}
`

type Mode = 'bare' | 'pass-through' | 'lazy'

/** Runs `argv` with `dir` bare or with the helper mounted over it; the program's number. */
async function measure(mode: Mode, dir: string, argv: string[]): Promise<number> {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir)
  // The previous run's deletion (discards, journal commit) must not land in this run's fsync.
  execFileSync('sync')
  if (mode === 'bare') {
    return Number(execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8' }))
  }
  const child = spawn(
    helper,
    ['--dir', dir, '--control', `${dir}.sock`, '--name', `ordeal-disk-bench-${process.pid}`].concat(
      mode === 'lazy' ? ['--lazy'] : []
    ),
    { stdio: ['ignore', 'pipe', 'inherit'] }
  )
  const exited = new Promise((resolve) => child.on('exit', resolve))
  await new Promise<void>((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('ready\n')) {
        resolve()
      }
    })
    child.on('exit', () => reject(new Error('ordeal-diskfs exited before ready')))
  })
  try {
    return Number(execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8' }))
  } finally {
    child.kill('SIGTERM')
    await exited
  }
}

execFileSync('bash', [path.join(root, 'scripts/build-native.sh')], { stdio: 'inherit' })
const work = mkdtempSync(path.join(os.tmpdir(), 'ordeal-bench-diskfs-'))
try {
  writeFileSync(path.join(work, 'bench.c'), SOURCE)
  const binary = path.join(work, 'bench')
  execFileSync('cc', ['-O2', '-o', binary, path.join(work, 'bench.c')])
  const dir = path.join(work, 'd')
  const loads = [
    {
      label: `sequential ${mib} MiB, 1 MiB writes + fsync`,
      unit: 'MB/s',
      argv: (d: string) => [binary, 'seq', `${d}/big`, String(mib)],
    },
    {
      label: `small files: create + 4 KiB + fsync + close, ×${files}`,
      unit: 'files/s',
      argv: (d: string) => [binary, 'small', d, String(files)],
    },
  ]
  const modes: Mode[] = ['bare', 'pass-through', 'lazy']
  console.log(`| load | unit | bare | pass-through | ratio | lazy | ratio |`)
  console.log(`| ---- | ---- | ---- | ------------ | ----- | ---- | ----- |`)
  for (const load of loads) {
    const best = new Map<Mode, number>(modes.map((m) => [m, 0]))
    for (let i = 0; i < runs; i++) {
      // Each mode goes first in turn: what the disk does after a run must not favour one.
      for (const mode of [...modes.slice(i % 3), ...modes.slice(0, i % 3)]) {
        const value = await measure(mode, dir, load.argv(dir))
        best.set(mode, Math.max(best.get(mode)!, value))
      }
    }
    const [bare, pass, lazy] = modes.map((m) => best.get(m)!)
    console.log(
      `| ${load.label} | ${load.unit} | ${bare} | ${pass} | ${(pass! / bare!).toFixed(2)} | ${lazy} | ${(lazy! / bare!).toFixed(2)} |`
    )
  }
} finally {
  rmSync(work, { recursive: true, force: true })
}
