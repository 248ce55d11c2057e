/** A min-heap of items ordered by due time, FIFO among equal times. */
export class DelayHeap<T> {
  readonly #nodes: Array<{ at: number; seq: number; item: T }> = [];
  #seq = 0;

  /** Items held. */
  get size(): number {
    return this.#nodes.length;
  }

  /** Due time of the earliest item; `Infinity` when empty. */
  get nextAt(): number {
    return this.#nodes.length > 0 ? this.#nodes[0]!.at : Infinity;
  }

  /** Adds `item` due at `at`. O(log n). */
  push(at: number, item: T): void {
    const nodes = this.#nodes;
    nodes.push({ at, seq: this.#seq++, item });
    let i = nodes.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(i, parent)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  /** Removes and returns the earliest item if it is due at or before `now`. O(log n). */
  popDue(now: number): T | undefined {
    const nodes = this.#nodes;
    if (nodes.length === 0 || nodes[0]!.at > now) return undefined;
    const top = nodes[0]!;
    const last = nodes.pop()!;
    if (nodes.length > 0) {
      nodes[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let least = i;
        if (left < nodes.length && this.#before(left, least)) least = left;
        if (right < nodes.length && this.#before(right, least)) least = right;
        if (least === i) break;
        this.#swap(i, least);
        i = least;
      }
    }
    return top.item;
  }

  /** Drops every item. */
  clear(): void {
    this.#nodes.length = 0;
  }

  #before(a: number, b: number): boolean {
    const x = this.#nodes[a]!;
    const y = this.#nodes[b]!;
    return x.at < y.at || (x.at === y.at && x.seq < y.seq);
  }

  #swap(a: number, b: number): void {
    const nodes = this.#nodes;
    [nodes[a], nodes[b]] = [nodes[b]!, nodes[a]!];
  }
}
