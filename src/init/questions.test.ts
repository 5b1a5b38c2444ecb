import { test } from 'node:test'
import assert from 'node:assert/strict'
import { starterSpec, type InitInput } from './answers.js'
import { askQuestions, type Prompter } from './questions.js'

/** A prompter that answers from a list and records what was asked and said. */
function scripted(answers: string[]) {
  const asked: string[] = []
  const said: string[] = []
  const prompter: Prompter = {
    async ask(question) {
      asked.push(question)
      const answer = answers.shift()
      if (answer === undefined) {
        throw new Error(`no answer left for: ${question}`)
      }
      return answer
    },
    say: (line) => said.push(line),
  }
  return { prompter, asked, said }
}

test('Enter everywhere takes the defaults: attach to port 8080 with latency', async () => {
  const { prompter, asked } = scripted(['', '', '', '', ''])
  const input = await askQuestions({}, prompter)
  assert.equal(asked.length, 5)
  assert.deepEqual(starterSpec(input), starterSpec({}))
})

test('launch asks for the start command (required) and takes the port from the URL', async () => {
  const { prompter, asked, said } = scripted([
    'shop',
    'launch',
    '',
    'python3 -m http.server {{ports.http}}',
    'http://localhost:9000/health',
    '',
    'kil',
    'kill',
  ])
  const spec = starterSpec(await askQuestions({}, prompter))
  assert.deepEqual(
    { ...spec },
    {
      mode: 'launch',
      start: 'python3 -m http.server {{ports.http}}',
      url: 'http://localhost:9000/health',
      port: 9000,
      fault: 'kill',
      name: 'shop',
      durationMs: 30_000,
    }
  )
  assert.match(asked[2]!, /^Command that starts it .*\(required\): $/)
  assert.match(asked[5]!, /\(9000\): $/, 'the port question offers the URL port')
  assert.deepEqual(said, [
    '  must be the command that starts your service',
    "  must be 'kill' or 'latency' (got 'kil') (did you mean 'kill'?)",
  ])
})

test('what the flags gave is not asked', async () => {
  const given: InitInput = {
    name: 'api',
    attach: true,
    url: 'http://127.0.0.1:3000/',
    fault: 'kill',
  }
  const { prompter, asked } = scripted([''])
  const spec = starterSpec(await askQuestions(given, prompter))
  assert.equal(asked.length, 1)
  assert.match(asked[0]!, /^Port it listens on \(3000\): $/)
  assert.equal(spec.port, 3000)
})

test('an answer refused five times ends the questions with the flag named', async () => {
  const { prompter } = scripted(['x', 'y', 'z', 'w', 'v'])
  await assert.rejects(
    askQuestions({ name: 'a', attach: true }, prompter),
    /^Error: --url: no usable answer/
  )
})
