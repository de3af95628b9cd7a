/**
 * Cuts a blob's byte stream (arbitrary network pieces) into its encrypted chunks, so each one can be
 * verified before it is stored. Holds at most one chunk; ignores (and counts) anything past the signed
 * encrypted size, so a server can never make the client read endless data.
 */
import { encryptedChunkRange } from '../chunks.ts';
import type { ManifestFile } from '../metadata.ts';

export interface CutChunk {
  index: number;
  /** Offset of the chunk in the blob. */
  offset: number;
  bytes: Uint8Array;
}

export class ChunkCutter {
  readonly count: number;
  #index: number;
  #buf: Uint8Array | undefined;
  #filled = 0;
  /** Bytes received past the end of the blob (dropped). */
  overflow = 0;
  /** Buffers of stored chunks, reused for the next ones: a long download allocates a few, not one per chunk. */
  #spare: Uint8Array[] = [];

  constructor(private readonly file: ManifestFile, private readonly chunkSize: number, startIndex = 0) {
    this.count = file.chunks.length;
    this.#index = startIndex;
  }

  /** The next chunk expected (== count when the blob is complete). */
  get nextIndex(): number {
    return this.#index;
  }

  get done(): boolean {
    return this.#index >= this.count;
  }

  /** Where the next chunk starts in the blob. */
  get nextOffset(): number {
    return this.done ? this.file.encSize : encryptedChunkRange(this.file, this.chunkSize, this.#index).start;
  }

  /** Bytes of an incomplete chunk held (lost if the connection drops now). */
  get pendingBytes(): number {
    return this.#filled;
  }

  /** Feeds the next piece of the body; returns the chunks it completes, in order. */
  push(piece: Uint8Array): CutChunk[] {
    const out: CutChunk[] = [];
    let at = 0;
    while (at < piece.byteLength) {
      if (this.done) {
        this.overflow += piece.byteLength - at;
        break;
      }
      const { start, end } = encryptedChunkRange(this.file, this.chunkSize, this.#index);
      const size = end - start;
      const take = Math.min(size - this.#filled, piece.byteLength - at);
      if (this.#filled === 0 && take === size) {
        // The whole chunk is inside this piece: no copy into a buffer needed.
        out.push({ index: this.#index, offset: start, bytes: piece.subarray(at, at + size) });
      } else {
        this.#buf ??= this.#take(size);
        this.#buf.set(piece.subarray(at, at + take), this.#filled);
        this.#filled += take;
        if (this.#filled < size) break;
        out.push({ index: this.#index, offset: start, bytes: this.#buf });
        this.#buf = undefined;
        this.#filled = 0;
      }
      at += take;
      this.#index += 1;
    }
    return out;
  }

  /**
   * The body's chunks, in order, until the blob is complete or the body ends. Where the stream allows it
   * (fetch bodies are byte streams in browsers and Node), bytes are read straight into chunk-sized buffers
   * (BYOB), so nothing is copied or allocated per network piece; otherwise pieces go through push().
   * Never asks for more than the signed encrypted size. Ending the loop early cancels the body.
   */
  async *chunks(body: ReadableStream<Uint8Array>, received: (bytes: number) => void): AsyncGenerator<CutChunk> {
    let byob: ReadableStreamBYOBReader | undefined;
    try {
      byob = body.getReader({ mode: 'byob' });
    } catch {
      byob = undefined;
    }
    if (!byob) {
      const reader = body.getReader();
      try {
        while (!this.done) {
          const { done, value } = await reader.read();
          if (done) return;
          received(value.byteLength);
          yield* this.push(value);
        }
      } finally {
        await reader.cancel().catch(() => undefined);
      }
      return;
    }
    try {
      while (!this.done) {
        const { start, end } = encryptedChunkRange(this.file, this.chunkSize, this.#index);
        const size = end - start;
        let buf = this.#take(size);
        while (this.#filled < size) {
          // The view's buffer is handed to the stream and comes back (same memory) in `value`.
          const { done, value } = await byob.read(new Uint8Array(buf.buffer as ArrayBuffer, this.#filled, size - this.#filled));
          if (!value) return;
          buf = new Uint8Array(value.buffer, 0, size);
          this.#filled += value.byteLength;
          received(value.byteLength);
          if (done) return;
        }
        this.#filled = 0;
        yield { index: this.#index++, offset: start, bytes: buf };
      }
    } finally {
      this.#filled = 0;
      await byob.cancel().catch(() => undefined);
    }
  }

  /** Hands back a chunk's bytes once they are stored (the stores copy what they write). */
  recycle(bytes: Uint8Array): void {
    const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    if (whole && this.#spare.length < 8) this.#spare.push(bytes);
  }

  #take(size: number): Uint8Array {
    const i = this.#spare.findIndex((b) => b.byteLength === size);
    return i >= 0 ? this.#spare.splice(i, 1)[0]! : new Uint8Array(size);
  }

  /** Forgets a partial chunk (the connection dropped); the next bytes must start at `nextOffset`. */
  dropPartial(): void {
    this.#buf = undefined;
    this.#filled = 0;
  }
}
