import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { valueOf } from './rabbitmq/index.js'
import { singleValue } from './prometheus/index.js'

describe('rabbitmq source: the figure asked for', () => {
  const queue = {
    messages: 12,
    messages_ready: 10,
    messages_unacknowledged: 2,
    message_stats: {
      publish: 500,
      publish_details: { rate: 50.5 },
      deliver_get_details: { rate: 40 },
    },
  }
  it('reads depths and rates; a rate with no activity yet is 0', () => {
    assert.equal(valueOf(queue, 'messages'), 12)
    assert.equal(valueOf(queue, 'messages_ready'), 10)
    assert.equal(valueOf(queue, 'messages_unacknowledged'), 2)
    assert.equal(valueOf(queue, 'publish_rate'), 50.5)
    assert.equal(valueOf(queue, 'deliver_rate'), 40)
    assert.equal(valueOf(queue, 'ack_rate'), 0)
    assert.equal(valueOf({}, 'publish_rate'), 0)
  })
  it('a depth the broker has not collected yet is an error, not 0', () => {
    assert.throws(() => valueOf({}, 'messages'), /no 'messages' figure yet/)
  })
})

describe('prometheus source: one value', () => {
  it('reads a scalar and a one-series vector', () => {
    assert.equal(singleValue({ resultType: 'scalar', result: [1, '3.5'] }), 3.5)
    assert.equal(
      singleValue({ resultType: 'vector', result: [{ metric: {}, value: [1, '42'] }] }),
      42
    )
  })
  it('several series are an error naming the count; none is an error too', () => {
    const two = { resultType: 'vector', result: [{ value: [1, '1'] }, { value: [1, '2'] }] }
    assert.throws(() => singleValue(two), /returned 2 series, not one/)
    assert.throws(() => singleValue({ resultType: 'vector', result: [] }), /no series/)
    assert.throws(() => singleValue({ resultType: 'matrix', result: [] }), /a matrix, not a scalar/)
    assert.throws(() => singleValue({ resultType: 'scalar', result: [1, 'NaN'] }), /not a number/)
  })
})
