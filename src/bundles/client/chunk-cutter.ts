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
