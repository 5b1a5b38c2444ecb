import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { pathOutside, placedVars } from './prepare.js'

const manifest = (service: string) => `apiVersion: ordeal.dev/v1
kind: Experiment
metadata:
  name: x
spec:
  hypothesis: h
  system:
    services:
${service}
`

test('vars are the used variables valued by --set or the environment, never a default or an unused one', () => {
  const text = 'a: ${A}\nb: ${B:-2}\nc: ${C:-3}\n# ${D}\n'
  const vars = placedVars(text, 'f.yaml', { A: 'set' }, { B: 'env', E: 'secret', HOME: '/root' })
  assert.deepEqual(vars, { A: 'set', B: 'env' })
})

test('vars never carry a name the manifest does not read, whatever the environment holds', () => {
  fc.assert(
    fc.property(
      fc.dictionary(fc.stringMatching(/^[A-Z][A-Z0-9_]{0,6}$/), fc.string({ maxLength: 5 })),
      fc.uniqueArray(fc.stringMatching(/^[A-Z][A-Z0-9_]{0,6}$/), { maxLength: 5 }),
      (env, names) => {
        const text = names.map((n, i) => `k${i}: \${${n}:-d}`).join('\n')
        const vars = placedVars(text, 'f.yaml', {}, env)
        for (const [name, value] of Object.entries(vars)) {
          assert.ok(names.includes(name))
          assert.equal(value, env[name])
        }
        for (const name of names) {
          assert.equal(name in vars, env[name] !== undefined)
        }
      }
    )
  )
})

test('a cwd that climbs out of the manifest directory is refused with the design line', () => {
  const text = manifest(`      - name: api\n        command: node\n        cwd: ../x`)
  assert.equal(
    pathOutside(text, '/m/dir/f.yaml', {}, {}),
    "spec.system.services[0].cwd '../x' is outside the manifest's directory; runs placed on an agent ship only that directory"
  )
})

test('a relative command with a slash is resolved from cwd; bare names and absolute paths pass', () => {
  const svc = (command: string, cwd?: string) =>
    manifest(`      - name: api\n        command: ${command}${cwd ? `\n        cwd: ${cwd}` : ''}`)
  assert.equal(pathOutside(svc('node'), '/m/d/f.yaml', {}, {}), undefined)
  assert.equal(pathOutside(svc('./bin/api'), '/m/d/f.yaml', {}, {}), undefined)
  assert.equal(pathOutside(svc('../bin/api', 'sub'), '/m/d/f.yaml', {}, {}), undefined)
  assert.equal(pathOutside(svc('/usr/bin/api'), '/m/d/f.yaml', {}, {}), undefined)
  assert.equal(pathOutside(svc('./api', '/opt/app'), '/m/d/f.yaml', {}, {}), undefined)
  assert.match(
    pathOutside(svc('../../bin/api', 'sub'), '/m/d/f.yaml', {}, {}) ?? '',
    /^spec\.system\.services\[0\]\.command '\.\.\/\.\.\/bin\/api' is outside/
  )
})

test('paths are checked after variables are substituted', () => {
  const text = manifest(`      - name: api\n        command: node\n        cwd: \${DIR:-.}`)
  assert.equal(pathOutside(text, '/m/d/f.yaml', {}, {}), undefined)
  assert.match(pathOutside(text, '/m/d/f.yaml', { DIR: '..' }, {}) ?? '', /cwd '\.\.' is outside/)
})

test('a cwd or command in a dot-entry is refused: the bundle leaves dot-entries out', () => {
  const svc = (command: string, cwd?: string) =>
    manifest(`      - name: api\n        command: ${command}${cwd ? `\n        cwd: ${cwd}` : ''}`)
  assert.equal(
    pathOutside(svc('node', '.tools'), '/m/d/f.yaml', {}, {}),
    "spec.system.services[0].cwd '.tools' is in a dot-file or dot-dir; runs placed on an agent leave dot-entries (.git, .env, ...) out of the manifest's directory"
  )
  assert.match(
    pathOutside(svc('./.bin/api', 'sub'), '/m/d/f.yaml', {}, {}) ?? '',
    /^spec\.system\.services\[0\]\.command '\.\/\.bin\/api' is in a dot-file or dot-dir/
  )
  assert.equal(pathOutside(svc('./bin/api', './sub'), '/m/d/f.yaml', {}, {}), undefined)
  assert.equal(pathOutside(svc('../bin/api', 'sub'), '/m/d/f.yaml', {}, {}), undefined)
  assert.equal(pathOutside(svc('./.bin/api', '/opt/app'), '/m/d/f.yaml', {}, {}), undefined)
})
