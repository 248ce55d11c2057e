/**
 * A first-in first-out list with O(1) amortised `push` and `shift`.
 * `Array.prototype.shift` is O(n) on large arrays, so this keeps a head
 * index and compacts only when the consumed prefix dominates.
 */
export class Fifo<T> {
  #items: Array<T | undefined> = [];
  #head = 0;

  /** Items waiting. */
  get size(): number {
    return this.#items.length - this.#head;
  }

  /** Adds an item at the tail. */
  push(item: T): void {
    this.#items.push(item);
  }

  /** The head item without removing it; undefined when empty. */
  peek(): T | undefined {
    return this.#head < this.#items.length ? this.#items[this.#head] : undefined;
  }

  /** Removes and returns the head item; undefined when empty. */
  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined; // let the item be collected
    this.#head++;
    if (this.#head === this.#items.length) {
      this.#items.length = 0;
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
}
