/**
 * The failure points libfiu's POSIX preload (fiu_posix_preload.so, libfiu 1.1) defines: the
 * names `syscall-error` accepts in `calls`, alone or as a family (`posix/io/net/*`). Pure data,
 * so the manifest schema (bundled into the UI) can check names without the library at hand.
 * The list is the library's own (`strings fiu_posix_preload.so`); a test compares them.
 * @module
 */
import { didYouMean } from '../../experiment/did-you-mean.js'

export const FIU_POINTS = [
  'libc/mm/calloc',
  'libc/mm/malloc',
  'libc/mm/realloc',
  'libc/str/strdup',
  'libc/str/strndup',
  'linux/io/sync_file_range',
  'posix/io/dir/closedir',
  'posix/io/dir/fdopendir',
  'posix/io/dir/opendir',
  'posix/io/dir/readdir',
  'posix/io/dir/readdir_r',
  'posix/io/dir/rename',
  'posix/io/dir/unlink',
  'posix/io/net/accept',
  'posix/io/net/bind',
  'posix/io/net/connect',
  'posix/io/net/listen',
  'posix/io/net/poll',
  'posix/io/net/pselect',
  'posix/io/net/recv',
  'posix/io/net/recvfrom',
  'posix/io/net/recvmsg',
  'posix/io/net/select',
  'posix/io/net/send',
  'posix/io/net/sendmsg',
  'posix/io/net/sendto',
  'posix/io/net/shutdown',
  'posix/io/net/socket',
  'posix/io/oc/close',
  'posix/io/oc/open',
  'posix/io/rw/ftruncate',
  'posix/io/rw/pread',
  'posix/io/rw/pread/reduce',
  'posix/io/rw/preadv',
  'posix/io/rw/preadv/reduce',
  'posix/io/rw/pwrite',
  'posix/io/rw/pwrite/reduce',
  'posix/io/rw/pwritev',
  'posix/io/rw/pwritev/reduce',
  'posix/io/rw/read',
  'posix/io/rw/read/reduce',
  'posix/io/rw/readv',
  'posix/io/rw/readv/reduce',
  'posix/io/rw/truncate',
  'posix/io/rw/write',
  'posix/io/rw/write/reduce',
  'posix/io/rw/writev',
  'posix/io/rw/writev/reduce',
  'posix/io/sync/fdatasync',
  'posix/io/sync/fsync',
  'posix/mm/madvise',
  'posix/mm/mlock',
  'posix/mm/mlockall',
  'posix/mm/mmap',
  'posix/mm/mprotect',
  'posix/mm/msync',
  'posix/mm/munlock',
  'posix/mm/munlockall',
  'posix/mm/munmap',
  'posix/proc/fork',
  'posix/proc/kill',
  'posix/proc/sigaction',
  'posix/proc/signal',
  'posix/proc/wait',
  'posix/proc/waitid',
  'posix/proc/waitpid',
  'posix/stdio/error/ferror',
  'posix/stdio/fflush',
  'posix/stdio/ftrylockfile',
  'posix/stdio/gp/fgetc',
  'posix/stdio/gp/fgets',
  'posix/stdio/gp/fputc',
  'posix/stdio/gp/fputs',
  'posix/stdio/gp/getc',
  'posix/stdio/gp/getchar',
  'posix/stdio/gp/getdelim',
  'posix/stdio/gp/getline',
  'posix/stdio/gp/gets',
  'posix/stdio/gp/putc',
  'posix/stdio/gp/putchar',
  'posix/stdio/gp/puts',
  'posix/stdio/gp/ungetc',
  'posix/stdio/oc/fclose',
  'posix/stdio/oc/fdopen',
  'posix/stdio/oc/fmemopen',
  'posix/stdio/oc/fopen',
  'posix/stdio/oc/freopen',
  'posix/stdio/oc/open_memstream',
  'posix/stdio/oc/pclose',
  'posix/stdio/oc/popen',
  'posix/stdio/remove',
  'posix/stdio/rw/fread',
  'posix/stdio/rw/fwrite',
  'posix/stdio/seek/fgetpos',
  'posix/stdio/seek/fseek',
  'posix/stdio/seek/fseeko',
  'posix/stdio/seek/fsetpos',
  'posix/stdio/seek/ftell',
  'posix/stdio/seek/ftello',
  'posix/stdio/setvbuf',
  'posix/stdio/sp/dprintf',
  'posix/stdio/sp/fprintf',
  'posix/stdio/sp/fscanf',
  'posix/stdio/sp/printf',
  'posix/stdio/sp/scanf',
  'posix/stdio/sp/vdprintf',
  'posix/stdio/sp/vfprintf',
  'posix/stdio/sp/vfscanf',
  'posix/stdio/sp/vprintf',
  'posix/stdio/sp/vscanf',
  'posix/stdio/tmp/tempnam',
  'posix/stdio/tmp/tmpfile',
  'posix/stdio/tmp/tmpnam',
] as const

/** True when `call` names a point exactly or, ending in `/*`, a family with at least one point. */
export function isKnownCall(call: string): boolean {
  return matchingPoints(call).length > 0
}

/** The points a call stands for: itself, or every point under a `family/*`. */
export function matchingPoints(call: string): string[] {
  if (call.endsWith('/*')) {
    const prefix = call.slice(0, -1)
    return FIU_POINTS.filter((p) => p.startsWith(prefix))
  }
  return FIU_POINTS.includes(call as (typeof FIU_POINTS)[number]) ? [call] : []
}

/** Every family a `calls` entry may name (`posix/*`, `posix/io/*`, `posix/io/rw/*`, …). */
export const FIU_FAMILIES: readonly string[] = [
  ...new Set(
    FIU_POINTS.flatMap((p) => {
      const parts = p.split('/')
      return parts.slice(1).map((_, i) => `${parts.slice(0, i + 1).join('/')}/*`)
    })
  ),
]

/**
 * Why `call` is not a failure point, with a suggestion: the nearest spelling, else a point for
 * the same function under another family (`posix/mm/malloc` is `libc/mm/malloc`).
 */
export function unknownCallMessage(call: string): string {
  const known = call.endsWith('/*') ? FIU_FAMILIES : FIU_POINTS
  let hint = didYouMean(call, known)
  if (hint === '') {
    const fn = call.slice(call.lastIndexOf('/') + 1)
    const same = FIU_POINTS.find((p) => p.endsWith(`/${fn}`))
    hint = same === undefined ? '' : ` (did you mean '${same}'?)`
  }
  return `unknown call '${call}'${hint}: a libfiu failure point like 'posix/io/rw/write' or a family like 'posix/io/net/*' (docs/syscall-errors.md lists them)`
}
