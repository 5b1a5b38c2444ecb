import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseListeningSockets } from './proc-net.js'

const tcp = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 23456 1 0000000000000000 20 4 30 10 -1
   2: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 0 1 0000000000000000 100 0 0 10 0
`
const tcp6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 34567 1 0000000000000000 100 0 0 10 0
`

describe('parseListeningSockets', () => {
  it('keeps LISTEN sockets with an inode, IPv4 and IPv6', () => {
    assert.deepEqual(parseListeningSockets(tcp), [{ port: 8080, inode: 12345 }])
    assert.deepEqual(parseListeningSockets(tcp6), [{ port: 8081, inode: 34567 }])
    assert.deepEqual(parseListeningSockets(''), [])
  })
})
