/**
 * Writes a control file ordeal made for a preload (libfaketime's timestamp file) as root,
 * inside a directory the service's user owns. That user could swap the file for a symlink or a
 * hard link to something of root's; so the write opens without following a symlink, and only
 * goes ahead when what it opened is a regular file of ordeal's own user with one link: the
 * file ordeal made, or nothing. Shared by the fault and the watchdog's undo.
 * @module
 */
import { closeSync, constants, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs'

/**
 * `file` is no longer the control file ordeal made (a symlink, fifo, hard link, another user's
 * file, or gone): nothing of ordeal's is left there to write. The fault refuses; an undo counts
 * it as done (the service's user replaced the file, ordeal leaves what it put there alone).
 */
export class ForeignControlFile extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ForeignControlFile'
  }
}

/** Open errors that mean the path is not (or no longer) a regular file ordeal can write. */
const kForeignOpen = new Set(['ELOOP', 'ENXIO', 'ENOENT', 'EISDIR', 'ENOTDIR'])

/** Replaces the content of `file`; throws (one line, naming it) when it is not ordeal's file. */
export function writeControlFile(file: string, content: string): void {
  const fd = openOwn(file, constants.O_WRONLY)
  try {
    ftruncateSync(fd, 0)
    writeSync(fd, content, 0)
  } finally {
    closeSync(fd)
  }
}

/** Throws as {@link writeControlFile} would, without writing: checked before any undo is recorded. */
export function checkControlFile(file: string): void {
  closeSync(openOwn(file, constants.O_RDONLY))
}

/** `file` opened (no symlink followed) when it is a regular file of ordeal's own with one link. */
function openOwn(file: string, mode: number): number {
  let fd: number
  try {
    fd = openSync(file, mode | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ELOOP') {
      throw new ForeignControlFile(
        `${file} is a symlink, not the control file ordeal made: left alone`,
        { cause: error }
      )
    }
    throw new (code !== undefined && kForeignOpen.has(code) ? ForeignControlFile : Error)(
      `cannot open ${file}: ${code ?? (error as Error).message}`,
      { cause: error }
    )
  }
  try {
    const stat = fstatSync(fd)
    const uid = process.geteuid?.() ?? stat.uid
    if (!stat.isFile() || stat.nlink !== 1 || stat.uid !== uid) {
      throw new ForeignControlFile(
        `${file} is not the control file ordeal made (a regular file of its own): left alone`
      )
    }
    return fd
  } catch (error) {
    closeSync(fd)
    throw error
  }
}
