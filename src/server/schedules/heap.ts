/**
 * The fire times of every schedule in one min-heap, so one timer serves them all (10,000
 * schedules must not mean 10,000 timers). Entries are never removed from the middle: a
 * schedule re-armed or dropped bumps its generation, and stale entries are skipped when popped.
 * @module
 */
export interface Armed {
  fireAt: number
  key: string
  gen: number
}

export class FireHeap {
  #items: Armed[] = []

  get size(): number {
    return this.#items.length
  }

  /** Keeps only the items `keep` accepts (stale ones dropped in bulk); a sorted array is a heap. */
  retain(keep: (item: Armed) => boolean): void {
    this.#items = this.#items.filter(keep).sort((a, b) => a.fireAt - b.fireAt)
  }

  peek(): Armed | undefined {
    return this.#items[0]
  }

  push(item: Armed): void {
    const items = this.#items
    items.push(item)
    let i = items.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (items[parent]!.fireAt <= item.fireAt) {
        break
      }
      items[i] = items[parent]!
      i = parent
    }
    items[i] = item
  }

  pop(): Armed | undefined {
    const items = this.#items
    const top = items[0]
    const last = items.pop()
    if (top === undefined || last === undefined || items.length === 0) {
      return top
    }
    let i = 0
    for (;;) {
      const left = 2 * i + 1
      const right = left + 1
      let smallest = i
      const at = (k: number) => (k === i ? last : items[k]!)
      if (left < items.length && items[left]!.fireAt < at(smallest).fireAt) {
        smallest = left
      }
      if (right < items.length && items[right]!.fireAt < at(smallest).fireAt) {
        smallest = right
      }
      if (smallest === i) {
        break
      }
      items[i] = items[smallest]!
      i = smallest
    }
    items[i] = last
    return top
  }
}
