/**
 * errno names and their Linux numbers: libfiu's remote control takes the errno a failing call
 * sets as a number (`failinfo=5`), a manifest names it (`EIO`). Pure data for the schema (the
 * UI bundles it); the numbers are the Linux generic ones (x86-64, arm64), which a test checks
 * against Node's os.constants.errno on the machine.
 * @module
 */
import { z } from 'zod'
import { didYouMean } from '../../experiment/did-you-mean.js'

export const ERRNOS = {
  E2BIG: 7,
  EACCES: 13,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  EAFNOSUPPORT: 97,
  EAGAIN: 11,
  EALREADY: 114,
  EBADF: 9,
  EBADMSG: 74,
  EBUSY: 16,
  ECANCELED: 125,
  ECHILD: 10,
  ECONNABORTED: 103,
  ECONNREFUSED: 111,
  ECONNRESET: 104,
  EDEADLK: 35,
  EDESTADDRREQ: 89,
  EDOM: 33,
  EDQUOT: 122,
  EEXIST: 17,
  EFAULT: 14,
  EFBIG: 27,
  EHOSTUNREACH: 113,
  EIDRM: 43,
  EILSEQ: 84,
  EINPROGRESS: 115,
  EINTR: 4,
  EINVAL: 22,
  EIO: 5,
  EISCONN: 106,
  EISDIR: 21,
  ELOOP: 40,
  EMFILE: 24,
  EMLINK: 31,
  EMSGSIZE: 90,
  EMULTIHOP: 72,
  ENAMETOOLONG: 36,
  ENETDOWN: 100,
  ENETRESET: 102,
  ENETUNREACH: 101,
  ENFILE: 23,
  ENOBUFS: 105,
  ENODATA: 61,
  ENODEV: 19,
  ENOENT: 2,
  ENOEXEC: 8,
  ENOLCK: 37,
  ENOLINK: 67,
  ENOMEM: 12,
  ENOMSG: 42,
  ENOPROTOOPT: 92,
  ENOSPC: 28,
  ENOSR: 63,
  ENOSTR: 60,
  ENOSYS: 38,
  ENOTCONN: 107,
  ENOTDIR: 20,
  ENOTEMPTY: 39,
  ENOTSOCK: 88,
  ENOTSUP: 95,
  ENOTTY: 25,
  ENXIO: 6,
  EOPNOTSUPP: 95,
  EOVERFLOW: 75,
  EPERM: 1,
  EPIPE: 32,
  EPROTO: 71,
  EPROTONOSUPPORT: 93,
  EPROTOTYPE: 91,
  ERANGE: 34,
  EROFS: 30,
  ESPIPE: 29,
  ESRCH: 3,
  ESTALE: 116,
  ETIME: 62,
  ETIMEDOUT: 110,
  ETXTBSY: 26,
  EWOULDBLOCK: 11,
  EXDEV: 18,
} as const satisfies Record<string, number>

export type ErrnoName = keyof typeof ERRNOS
export const ERRNO_NAMES = Object.keys(ERRNOS) as ErrnoName[]

export function isErrnoName(name: string): name is ErrnoName {
  return Object.hasOwn(ERRNOS, name)
}

export function unknownErrnoMessage(name: string): string {
  return `unknown errno '${name}'${didYouMean(name, ERRNO_NAMES)}: a name like EIO, ENOSPC or EAGAIN`
}

/** A manifest field naming an errno (`EIO`): unknown names get the did-you-mean message. */
export function errnoNameField() {
  return z.string({ error: 'must be an errno name like EIO' }).superRefine((name, ctx) => {
    if (!isErrnoName(name)) {
      ctx.addIssue({ code: 'custom', message: unknownErrnoMessage(name) })
    }
  })
}
