/**
 * When each owned job must be looked at next, ordered by time: a binary min-heap with lazy
 * deletion (the map holds the truth; heap entries that disagree with it are skipped), so a pass
 * of the tick loop costs O(due jobs x log n) instead of a scan of every owned job. With 10,000
 * jobs spread to the millisecond the loop wakes hundreds of times a second.
 */
export class DueQueue<K> {
  private readonly due = new Map<K, number>();
  private heap: { at: number; key: K }[] = [];

  get size(): number {
    return this.due.size;
  }

  /** Sets (or with undefined, clears) when `key` is due; the last call wins. */
  set(key: K, at: number | undefined): void {
    if (at === undefined) {
      this.due.delete(key);
      return;
    }
    if (this.due.get(key) === at) return;
    this.due.set(key, at);
    this.push({ at, key });
    // Stale entries pile up when keys are re-set often; rebuild once they dominate.
    if (this.heap.length > 2 * this.due.size + 64) this.rebuild();
  }

  keys(): IterableIterator<K> {
    return this.due.keys();
  }

  get(key: K): number | undefined {
    return this.due.get(key);
  }

  /** Removes and returns every key due at or before `now`, earliest first. */
  takeDue(now: number): K[] {
    const keys: K[] = [];
    for (;;) {
      const top = this.peekEntry();
      if (!top || top.at > now) return keys;
      this.pop();
      this.due.delete(top.key);
      keys.push(top.key);
    }
  }

  /** Removes and returns the `count` keys due earliest, whatever their time. */
  takeFirst(count: number): K[] {
    const keys: K[] = [];
    while (keys.length < count) {
      const top = this.peekEntry();
      if (!top) break;
      this.pop();
      this.due.delete(top.key);
      keys.push(top.key);
    }
    return keys;
  }

  /** The earliest due time, or undefined when nothing is due ever. */
  next(): number | undefined {
    return this.peekEntry()?.at;
  }

  clear(): void {
    this.due.clear();
    this.heap = [];
  }

  private peekEntry(): { at: number; key: K } | undefined {
    while (this.heap.length > 0) {
      const top = this.heap[0];
      if (this.due.get(top.key) === top.at) return top;
      this.pop();
    }
    return undefined;
  }

  private rebuild(): void {
    this.heap = [];
    for (const [key, at] of this.due) this.push({ at, key });
  }

  private push(entry: { at: number; key: K }): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent].at <= entry.at) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = entry;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (!last || heap.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && heap[right].at < heap[left].at ? right : left;
      if (heap[child].at >= last.at) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = last;
  }
}
