import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { test } from 'node:test'
import fc from 'fast-check'
import { checkWebhook, webhookSignature } from './webhook.js'

test("GitHub's documented example signature is reproduced", () => {
  // docs.github.com, "Validating webhook deliveries": secret "It's a Secret to Everybody".
  assert.equal(
    webhookSignature("It's a Secret to Everybody", Buffer.from('Hello, World!')),
    'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17'
  )
})

test('property: only the HMAC of exactly these bytes with this secret passes', () => {
  fc.assert(
    fc.property(fc.string({ minLength: 1 }), fc.uint8Array(), fc.uint8Array(), (secret, a, b) => {
      const body = Buffer.from(a)
      const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
      assert.equal(checkWebhook(secret, body, { signature }), true)
      assert.equal(
        checkWebhook(secret, body, {
          signature: signature.toUpperCase().replace('SHA256', 'sha256'),
        }),
        true
      )
      assert.equal(checkWebhook(`${secret}x`, body, { signature }), false)
      if (!Buffer.from(b).equals(body)) {
        assert.equal(checkWebhook(secret, Buffer.from(b), { signature }), false)
      }
    })
  )
})

test("GitLab's token is compared whole; no proof is no pass", () => {
  assert.equal(checkWebhook('s3cret', Buffer.alloc(0), { gitlabToken: 's3cret' }), true)
  assert.equal(checkWebhook('s3cret', Buffer.alloc(0), { gitlabToken: 's3cre' }), false)
  assert.equal(checkWebhook('s3cret', Buffer.alloc(0), { gitlabToken: 's3cretx' }), false)
  assert.equal(checkWebhook('s3cret', Buffer.alloc(0), {}), false)
  assert.equal(checkWebhook('s3cret', Buffer.alloc(0), { signature: 'sha256=' }), false)
})
