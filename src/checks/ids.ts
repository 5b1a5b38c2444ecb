/**
 * Op ids interned into dense integers, so a checker keeps per-id state in typed arrays instead
 * of one object per op: a 10M-op history then costs tens of bytes per op, not hundreds.
 * @module
 */

/**
 * Ids in order of first sight; `intern` gives each a dense index from 0.
 *
 * Not a `Map<string, number>`: measured on 1M fresh ids, a Map costs ~650 ns per insert (each
 * young id string kept by an old table is a pointer every scavenge must visit) and ~60 bytes
 * per id with its string. Here an id's UTF-16 code units are copied into one arena and found
 * again through an open-addressing table of integers: 2 bytes per code unit plus 15 to 26 of
 * index, nothing for the collector to trace, and the caller's strings die young.
 */
export class IdTable {
  /** Code units of every id, back to back; id i is arena[start[i]..start[i + 1]). */
  #arena = new Uint16Array(1 << 16)
  #start = new Int32Array(1024)
  #size = 0
  /**
   * Open addressing, linear probing, load ≤ 3/4: slot k is table[2k] = id + 1 (0 when empty)
   * and table[2k + 1] = the id's hash, so a probe reads one cache line, not three arrays.
   */
  #table = new Int32Array(4096)

  get size(): number {
    return this.#size
  }

  intern(id: string): number {
    const h = hashOf(id)
    const found = this.#lookup(id, h)
    if (found >= 0) {
      return found
    }
    return this.#insert(id, h, -found - 1)
  }

  /** The index of `id`, or -1 if never interned. */
  find(id: string): number {
    const found = this.#lookup(id, hashOf(id))
    return found >= 0 ? found : -1
  }

  /**
   * `find`, trying index `guess` first: sources mostly list ids in the order they were added
   * (a table's rows, a FIFO queue's deliveries), so the next value is usually the id after the
   * last one found, compared in place in the arena rather than hashed and probed at random.
   */
  findNear(guess: number, id: string): number {
    return guess >= 0 && guess < this.#size && this.#equals(guess, id) ? guess : this.find(id)
  }

  /** `intern`, trying index `guess` first (see `findNear`). */
  internNear(guess: number, id: string): number {
    return guess >= 0 && guess < this.#size && this.#equals(guess, id) ? guess : this.intern(id)
  }

  /** Whether index i is `id`: cheaper than `find` (no hash, no probe). */
  is(i: number, id: string): boolean {
    return this.#equals(i, id)
  }

  /** The id at index i. */
  nameOf(i: number): string {
    const from = this.#start[i]!
    const to = i + 1 < this.#size ? this.#start[i + 1]! : this.#end
    let name = ''
    // In slices: String.fromCharCode takes its arguments on the stack.
    for (let at = from; at < to; at += 4096) {
      name += String.fromCharCode(...this.#arena.subarray(at, Math.min(to, at + 4096)))
    }
    return name
  }

  /** Where the next id's code units go. */
  #end = 0

  /** The id's index, or -(slot + 1) for the empty slot where it would go. */
  #lookup(id: string, h: number): number {
    const table = this.#table
    const mask = (table.length >> 1) - 1
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const entry = table[2 * slot]!
      if (entry === 0) {
        return -(slot + 1)
      }
      if (table[2 * slot + 1] === h && this.#equals(entry - 1, id)) {
        return entry - 1
      }
    }
  }

  #equals(i: number, id: string): boolean {
    const from = this.#start[i]!
    const to = i + 1 < this.#size ? this.#start[i + 1]! : this.#end
    if (to - from !== id.length) {
      return false
    }
    const arena = this.#arena
    for (let k = 0; k < id.length; k++) {
      if (arena[from + k] !== id.charCodeAt(k)) {
        return false
      }
    }
    return true
  }

  #insert(id: string, h: number, slot: number): number {
    const i = this.#size
    if (i >= kMaxIds) {
      throw new RangeError(`more than ${kMaxIds} distinct op ids: too many for one check`)
    }
    if (i === this.#start.length) {
      this.#start = grown(this.#start, i + 1)
    }
    if (this.#end + id.length > this.#arena.length) {
      this.#arena = grown(this.#arena, this.#end + id.length)
    }
    for (let k = 0; k < id.length; k++) {
      this.#arena[this.#end + k] = id.charCodeAt(k)
    }
    this.#start[i] = this.#end
    this.#end += id.length
    this.#size = i + 1
    this.#table[2 * slot] = i + 1
    this.#table[2 * slot + 1] = h
    // Slots are table.length / 2; keep them at most 3/4 full.
    if (this.#size * 8 > this.#table.length * 3) {
      this.#rehash()
    }
    return i
  }

  #rehash(): void {
    const old = this.#table
    const table = new Int32Array(old.length * 2)
    const mask = (table.length >> 1) - 1
    for (let k = 0; k < old.length; k += 2) {
      if (old[k] === 0) {
        continue
      }
      const h = old[k + 1]!
      let slot = h & mask
      while (table[2 * slot] !== 0) {
        slot = (slot + 1) & mask
      }
      table[2 * slot] = old[k]!
      table[2 * slot + 1] = h
    }
    this.#table = table
  }
}

/** FNV-1a over the code units, then murmur3's finalizer: linear probing wants mixed low bits. */
function hashOf(id: string): number {
  let h = 0x811c9dc5
  for (let k = 0; k < id.length; k++) {
    h = Math.imul(h ^ id.charCodeAt(k), 0x01000193)
  }
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return h ^ (h >>> 16)
}

function grown<T extends Int32Array | Uint16Array>(data: T, atLeast: number): T {
  // By half: a 10M-op history wastes less of its last growth than by doubling.
  let size = Math.ceil(data.length * 1.5)
  while (size < atLeast) {
    size = Math.ceil(size * 1.5)
  }
  const next = new (data.constructor as new (n: number) => T)(size)
  next.set(data)
  return next
}

/** At most this many distinct ids (a 10M-op history has about 10M). */
const kMaxIds = 2 ** 30

/** A growable column of numbers, doubling its typed array as it fills. */
export class Column<T extends Float64Array | Int32Array | Uint8Array> {
  #data: T
  #length = 0
  readonly #make: (n: number) => T

  constructor(make: (n: number) => T, initial = 1024) {
    this.#make = make
    this.#data = make(initial)
  }

  get length(): number {
    return this.#length
  }

  /** The filled part (a view: valid until the next push). */
  get data(): T {
    return this.#data
  }

  push(value: number): number {
    if (this.#length === this.#data.length) {
      this.#grow(this.#length + 1)
    }
    this.#data[this.#length] = value
    return this.#length++
  }

  /** Makes index `n - 1` addressable, new slots filled with `fill`. */
  ensure(n: number, fill: number): void {
    if (n <= this.#length) {
      return
    }
    if (n > this.#data.length) {
      this.#grow(n)
    }
    this.#data.fill(fill, this.#length, n)
    this.#length = n
  }

  #grow(atLeast: number): void {
    // By half, not doubling: the last growth of a 10M-op column wastes less.
    let size = Math.max(1024, Math.ceil(this.#data.length * 1.5))
    while (size < atLeast) {
      size = Math.ceil(size * 1.5)
    }
    const next = this.#make(size)
    next.set(this.#data)
    this.#data = next
  }
}
