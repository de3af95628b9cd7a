import { describe, expect, it } from 'vitest';
import { RingBuffer } from '../../src/telemetry/ring-buffer.ts';

describe('RingBuffer', () => {
  it('keeps insertion order until full', () => {
    const r = new RingBuffer<number>(3);
    expect(r.push(1)).toBeUndefined();
    expect(r.push(2)).toBeUndefined();
    expect(r.toArray()).toEqual([1, 2]);
    expect(r.size).toBe(2);
  });

  it('wraps around, evicting the oldest and returning it', () => {
    const r = new RingBuffer<number>(3);
    const evicted: (number | undefined)[] = [];
    for (let i = 1; i <= 8; i++) evicted.push(r.push(i));
    expect(evicted).toEqual([undefined, undefined, undefined, 1, 2, 3, 4, 5]);
    expect(r.toArray()).toEqual([6, 7, 8]);
    expect([...r]).toEqual([6, 7, 8]);
    expect(r.size).toBe(3);
    expect(r.latest(2)).toEqual([7, 8]);
    expect(r.latest(10)).toEqual([6, 7, 8]);
  });

  it('clears and refills', () => {
    const r = new RingBuffer<string>(2);
    r.push('a');
    r.push('b');
    r.push('c');
    r.clear();
    expect(r.size).toBe(0);
    expect(r.toArray()).toEqual([]);
    r.push('d');
    expect(r.toArray()).toEqual(['d']);
  });

  it('rejects a capacity that is not a positive whole number', () => {
    expect(() => new RingBuffer(0)).toThrow(/at least 1, got 0/);
    expect(() => new RingBuffer(2.5)).toThrow(RangeError);
  });
});
