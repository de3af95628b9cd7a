/** The sync client's pure decisions: chunk cutting, progress maths, back-off, active/previous and GC. */
import { describe, expect, it } from 'vitest';
import { encryptedChunkRange } from '../../src/bundles/chunks.ts';
import type { ManifestFile } from '../../src/bundles/metadata.ts';
import { ChunkCutter } from '../../src/bundles/client/chunk-cutter.ts';
import {
  activatePointer, backoffDelayMs, nextCheckDelaySeconds, parseRetryAfter, planGc, rollbackPointer, storageNeeded, type ActivePointer,
} from '../../src/bundles/client/policy.ts';
import { ProgressMeter } from '../../src/bundles/client/progress.ts';

function fileOf(size: number, chunkSize: number): ManifestFile {
  const n = Math.max(1, Math.ceil(size / chunkSize));
  return { path: 'f.bin', size, sha256: '0'.repeat(64), blob: 'a'.repeat(64), encSize: size + 28 * n, chunks: Array.from({ length: n }, () => 'b'.repeat(64)) };
}

function blobBytes(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff);
}

describe('ChunkCutter', () => {
  for (const [size, chunkSize] of [[10_000, 1024], [1024, 1024], [0, 1024], [5000, 4096], [3 * 1024 + 1, 1024]] as const) {
    it(`cuts a ${size}-byte file with ${chunkSize}-byte chunks at the encrypted boundaries, whatever the piece sizes`, () => {
      const file = fileOf(size, chunkSize);
      const blob = blobBytes(file.encSize);
      for (const pieceSize of [1, 7, 100, 1052, 5000, file.encSize]) {
        const cutter = new ChunkCutter(file, chunkSize);
        const got: Array<{ index: number; offset: number; bytes: Uint8Array }> = [];
        for (let at = 0; at < blob.length; at += pieceSize) got.push(...cutter.push(blob.subarray(at, at + pieceSize)).map((c) => ({ ...c, bytes: c.bytes.slice() })));
        expect(cutter.done).toBe(true);
        expect(got.map((c) => c.index)).toEqual(file.chunks.map((_, i) => i));
        for (const c of got) {
          const { start, end } = encryptedChunkRange(file, chunkSize, c.index);
          expect(c.offset).toBe(start);
          expect(c.bytes).toEqual(blob.subarray(start, end));
        }
      }
    });
  }

  it('starts at a later chunk when resuming and never reads past the signed size', () => {
    const file = fileOf(10_000, 1024);
    const blob = blobBytes(file.encSize);
    const from = encryptedChunkRange(file, 1024, 4).start;
    const cutter = new ChunkCutter(file, 1024, 4);
    const tail = new Uint8Array(blob.length - from + 500);
    tail.set(blob.subarray(from));
    const got = cutter.push(tail);
    expect(got.map((c) => c.index)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(cutter.done).toBe(true);
    expect(cutter.overflow).toBe(500);
    expect(cutter.nextOffset).toBe(file.encSize);
  });

  it('holds only the incomplete chunk, and forgets it when the connection drops', () => {
    const file = fileOf(10_000, 1024);
    const cutter = new ChunkCutter(file, 1024);
    expect(cutter.push(blobBytes(1500))).toHaveLength(1);
    expect(cutter.pendingBytes).toBe(1500 - 1052);
    cutter.dropPartial();
    expect(cutter.pendingBytes).toBe(0);
    expect(cutter.nextIndex).toBe(1);
    expect(cutter.nextOffset).toBe(1052);
  });
});

describe('ChunkCutter.chunks', () => {
  const file = fileOf(10_000, 1024);
  const blob = blobBytes(file.encSize + 300);
  const pieces = (type?: 'bytes') =>
    new ReadableStream<Uint8Array>({
      type,
      start(c) {
        for (let at = 0; at < blob.length; at += 700) c.enqueue(blob.slice(at, at + 700));
        c.close();
      },
    } as UnderlyingDefaultSource<Uint8Array>);
  for (const type of ['bytes', undefined] as const) {
    it(`reads ${type ? 'a byte stream straight into chunk buffers' : 'a plain stream through push()'}, stopping at the signed size`, async () => {
      const cutter = new ChunkCutter(file, 1024);
      let received = 0;
      const got: Uint8Array[] = [];
      for await (const c of cutter.chunks(pieces(type), (n) => (received += n))) {
        const { start, end } = encryptedChunkRange(file, 1024, c.index);
        expect(c.offset).toBe(start);
        expect(c.bytes).toEqual(blob.subarray(start, end));
        got.push(c.bytes);
      }
      expect(got).toHaveLength(file.chunks.length);
      expect(cutter.done).toBe(true);
      // The 300 bytes past the blob are never asked for (byte stream) or are dropped (plain stream).
      expect(received).toBeLessThanOrEqual(file.encSize + 700);
      if (type) expect(received).toBe(file.encSize);
    });
  }
});

describe('ChunkCutter buffer reuse', () => {
  it('reuses a stored chunk\'s buffer for the next chunk, with the right bytes', () => {
    const file = fileOf(10_000, 1024);
    const blob = blobBytes(file.encSize);
    const cutter = new ChunkCutter(file, 1024);
    const [first] = cutter.push(blob.subarray(0, 1052 + 10).slice());
    // A chunk that lay whole inside a network piece is a view of it: never taken for reuse.
    cutter.recycle(first!.bytes);
    const pieces = [blob.subarray(1062, 1600).slice(), blob.subarray(1600, 2104).slice()];
    const [second] = [...cutter.push(pieces[0]!), ...cutter.push(pieces[1]!)];
    expect(second!.bytes).toEqual(blob.subarray(1052, 2104));
    cutter.recycle(second!.bytes);
    const [third] = [...cutter.push(blob.subarray(2104, 2500).slice()), ...cutter.push(blob.subarray(2500, 3156).slice())];
    expect(third!.bytes.buffer).toBe(second!.bytes.buffer);
    expect(third!.bytes).toEqual(blob.subarray(2104, 3156));
  });
});

describe('ProgressMeter', () => {
  it('measures the rate over the recent window and the time left; resumed bytes do not count as speed', () => {
    let t = 0;
    const m = new ProgressMeter(10_000_000, 2_000_000, () => t);
    expect(m.snapshot()).toMatchObject({ doneBytes: 2_000_000, bytesPerSecond: 0, secondsLeft: null });
    for (let i = 0; i < 10; i++) {
      t += 500;
      m.add(500_000); // 1 MB/s
    }
    const s = m.snapshot();
    expect(s.doneBytes).toBe(7_000_000);
    expect(s.bytesPerSecond).toBe(1_000_000);
    expect(s.secondsLeft).toBe(3);
    // The rate follows a slow-down within the window.
    for (let i = 0; i < 12; i++) {
      t += 500;
      m.add(50_000);
    }
    expect(m.snapshot().bytesPerSecond).toBeLessThan(150_000);
  });

  it('rewinds after a restart from zero and ends at zero seconds left', () => {
    let t = 0;
    const m = new ProgressMeter(1000, 0, () => t);
    t = 1000;
    m.add(600);
    m.rewind(0);
    expect(m.snapshot()).toMatchObject({ doneBytes: 0, bytesPerSecond: 0 });
    t = 2000;
    m.add(1000);
    expect(m.snapshot()).toMatchObject({ doneBytes: 1000, secondsLeft: 0 });
  });
});

describe('back-off and check schedule', () => {
  it('grows exponentially with equal jitter, never below half the step, capped', () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const ceiling = Math.min(60_000, 1000 * 2 ** attempt);
      expect(backoffDelayMs(attempt, { random: () => 0 })).toBe(ceiling / 2);
      expect(backoffDelayMs(attempt, { random: () => 0.999999 })).toBeCloseTo(ceiling, -1);
    }
    const spread = new Set(Array.from({ length: 50 }, () => backoffDelayMs(3)));
    expect(spread.size).toBeGreaterThan(10);
  });

  it('after success waits the server interval ±10 %; after failures backs off from a minute up to 6 h', () => {
    expect(nextCheckDelaySeconds({ ok: true, failures: 0, checkAfterSeconds: 3600 }, () => 0)).toBe(3240);
    expect(nextCheckDelaySeconds({ ok: true, failures: 0, checkAfterSeconds: 3600 }, () => 1)).toBe(3960);
    expect(nextCheckDelaySeconds({ ok: true, failures: 0 }, () => 0.5)).toBe(6 * 3600);
    const fails = [1, 2, 3, 4, 10, 20].map((failures) => nextCheckDelaySeconds({ ok: false, failures }, () => 1));
    expect(fails).toEqual([60, 120, 240, 480, 6 * 3600, 6 * 3600]);
    expect(nextCheckDelaySeconds({ ok: false, failures: 1 }, () => 0)).toBe(30);
  });

  it('honours Retry-After (seconds or a date) and never checks sooner than 30 s', () => {
    expect(nextCheckDelaySeconds({ ok: false, failures: 1, retryAfterSeconds: 900 }, () => 0)).toBe(900);
    expect(nextCheckDelaySeconds({ ok: true, failures: 0, checkAfterSeconds: 1 }, () => 0)).toBe(30);
    expect(parseRetryAfter('120')).toBe(120);
    expect(parseRetryAfter(new Date(Date.now() + 60_000).toUTCString())).toBeGreaterThanOrEqual(59);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  it('asks for the remaining bytes plus a margin of storage', () => {
    expect(storageNeeded(0)).toBe(16 * 1024 * 1024);
    expect(storageNeeded(1e9)).toBe(1e9 + 5e7);
  });
});

describe('active / previous and garbage collection', () => {
  it('makes the new version active and keeps the old one as previous; re-activating is a no-op', () => {
    const first = activatePointer(undefined, 'kb', 'kb', '1.0.0', 1);
    expect(first).toEqual({ id: 'kb', kind: 'kb', version: '1.0.0', since: 1 });
    const second = activatePointer(first, 'kb', 'kb', '1.1.0', 2);
    expect(second).toMatchObject({ version: '1.1.0', previous: '1.0.0' });
    expect(activatePointer(second, 'kb', 'kb', '1.1.0', 3)).toBe(second);
    const third = activatePointer(second, 'kb', 'kb', '1.2.0', 4);
    expect(third).toMatchObject({ version: '1.2.0', previous: '1.1.0' });
  });

  it('rolls back by swapping, remembers what it rolled back from, and refuses without a previous version', () => {
    const p: ActivePointer = { id: 'kb', kind: 'kb', version: '1.1.0', previous: '1.0.0', since: 1 };
    expect(rollbackPointer(p, 'kb', 2)).toEqual({ id: 'kb', kind: 'kb', version: '1.0.0', previous: '1.1.0', rolledBackFrom: '1.1.0', since: 2 });
    expect(() => rollbackPointer({ ...p, previous: undefined }, 'kb', 2)).toThrow(/no previous version/);
    expect(() => rollbackPointer(undefined, 'kb', 2)).toThrow(/not installed/);
  });

  it('keeps active and previous versions and partials still wanted; deletes the rest', () => {
    const plan = planGc({
      versions: [
        { id: 'kb', version: '1.0.0', blobs: ['k0'] },
        { id: 'kb', version: '1.1.0', blobs: ['k1'] },
        { id: 'kb', version: '1.2.0', blobs: ['k2a', 'k2b'] },
        { id: 'stt', version: '2.0.0', blobs: ['s2'] },
      ],
      pointers: [
        { id: 'kb', kind: 'kb', version: '1.2.0', previous: '1.1.0', since: 1 },
        { id: 'stt', kind: 'stt', version: '2.0.0', since: 1 },
      ],
      storedBlobs: ['k0', 'k1', 'k2a', 'k2b', 's2', 'p-wanted', 'p-stale', 'orphan'],
      partials: [
        { blob: 'p-wanted', id: 'stt', version: '3.0.0' },
        { blob: 'p-stale', id: 'stt', version: '2.5.0' },
        { blob: 'p-norecord', id: 'tts', version: '1.0.0' },
      ],
      wanted: [{ id: 'stt', version: '3.0.0' }],
    });
    expect(plan.deleteVersions).toEqual([{ id: 'kb', version: '1.0.0' }]);
    expect(plan.deleteBlobs.sort()).toEqual(['k0', 'orphan', 'p-stale']);
    expect(plan.deletePartials.sort()).toEqual(['p-norecord', 'p-stale']);
  });
});
