/**
 * `--run-as`: who experiments' commands run as, for every command that runs other people's
 * manifests (`ordeal server`, `ordeal agent`).
 * @module
 */
import { lookupUser, type RunUser } from '../platforms/local/run-user.js'

/**
 * Who experiments' commands run as, or the one-line reason not to start. As root the default
 * is the `ordeal` system user (scripts/system-deps.sh creates it), and root itself only when
 * asked by name; as anyone else, commands can only run as that same user.
 */
export function resolveRunAs(asked: string | undefined): RunUser | string {
  const uid = process.getuid?.() ?? 0
  if (asked === undefined && uid !== 0) {
    // Commands as the server's own user could rewrite its database (roles, tokens): that is
    // the owner's call to make by name, never a default.
    const self = lookupUser(String(uid))?.name ?? String(uid)
    return (
      `not root, so experiments' commands would run as ordeal's own user (${self}) and ` +
      `could change its data; start it as root, or accept that with --run-as ${self}`
    )
  }
  const name = asked ?? 'ordeal'
  const user = lookupUser(name)
  if (user === undefined) {
    return name === 'ordeal'
      ? "--run-as ordeal: no user 'ordeal' on this machine (scripts/system-deps.sh creates it, or pass --run-as USER)"
      : `--run-as '${name}': no such user`
  }
  if (user.uid === 0 && asked !== 'root') {
    return `--run-as '${name}' is root: experiments' commands as root only with an explicit --run-as root`
  }
  if (uid !== 0 && user.uid !== uid) {
    return `--run-as '${name}': only root can run commands as another user (ordeal runs as uid ${uid})`
  }
  return user
}
