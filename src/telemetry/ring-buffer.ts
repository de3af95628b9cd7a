/** Fixed-capacity FIFO: pushing into a full buffer evicts the oldest item, so memory stays bounded. */
export class RingBuffer<T> implements Iterable<T> {
  readonly capacity: number;
  readonly #items: (T | undefined)[];
  /** Index of the oldest item. */
  #head = 0;
  #size = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`RingBuffer capacity must be a whole number of at least 1, got ${capacity}`);
    }
    this.capacity = capacity;
    this.#items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.#size;
  }

  /** Adds an item; returns the item it evicted, if the buffer was full. */
  push(item: T): T | undefined {
    if (this.#size < this.capacity) {
      this.#items[(this.#head + this.#size) % this.capacity] = item;
      this.#size++;
      return undefined;
    }
    const evicted = this.#items[this.#head];
    this.#items[this.#head] = item;
    this.#head = (this.#head + 1) % this.capacity;
    return evicted;
  }

  /** Oldest first. */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.#size; i++) out.push(this.#items[(this.#head + i) % this.capacity] as T);
    return out;
  }

  /** The newest `n` items, oldest first. */
  latest(n: number): T[] {
    return this.toArray().slice(Math.max(0, this.#size - n));
  }

  clear(): void {
    this.#items.fill(undefined);
    this.#head = 0;
    this.#size = 0;
  }

  [Symbol.iterator](): Iterator<T> {
    return this.toArray()[Symbol.iterator]();
  }
}
