/**
 * ONNX model metadata (ModelProto.metadata_props) read straight from the model bytes, because
 * onnxruntime-web's JS API does not expose it (InferenceSession has inputNames/outputNames only).
 *
 * A hand-written protobuf walker rather than protobufjs: protobufjs/minimal's Reader would save the
 * ~20 lines of varint code, but it is only a transitive dependency of onnxruntime-web here (not ours to
 * rely on: its presence and version follow ort), and without a .proto schema it offers nothing more
 * than those primitives. The walker reads only ModelProto's top-level fields and steps over the graph
 * (field 7, usually almost all of the file) by its length, without decoding it.
 */

export class OnnxMetadataError extends Error {
  override name = 'OnnxMetadataError';
}

/** ModelProto field numbers (onnx.proto3). */
const FIELD = { irVersion: 1, producerName: 2, producerVersion: 3, metadataProps: 14 } as const;
/** StringStringEntryProto field numbers. */
const ENTRY = { key: 1, value: 2 } as const;

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

export interface OnnxModelInfo {
  irVersion?: number;
  producerName?: string;
  producerVersion?: string;
  /** metadata_props as key → value (a later duplicate key wins, as in onnxruntime). */
  metadata: Record<string, string>;
}

class Cursor {
  pos = 0;
  constructor(readonly bytes: Uint8Array, readonly end = bytes.byteLength) {}

  /** Unsigned varint as a Number (exact up to 2^53; lengths and versions never get near). */
  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new OnnxMetadataError('the file ends inside a number');
      const b = this.bytes[this.pos++]!;
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return value;
      scale *= 128;
    }
    throw new OnnxMetadataError('a number is longer than 10 bytes');
  }

  /** Skips a field's payload; returns [start, end) of a length-delimited one. */
  skip(wire: number): [number, number] {
    const start = this.pos;
    switch (wire) {
      case WIRE_VARINT:
        this.varint();
        break;
      case WIRE_I64:
        this.pos += 8;
        break;
      case WIRE_I32:
        this.pos += 4;
        break;
      case WIRE_LEN: {
        const len = this.varint();
        const from = this.pos;
        this.pos += len;
        if (this.pos > this.end) throw new OnnxMetadataError(`a field of ${len} bytes runs past the end of the file`);
        return [from, this.pos];
      }
      default:
        throw new OnnxMetadataError(`unknown protobuf wire type ${wire}`);
    }
    if (this.pos > this.end) throw new OnnxMetadataError('the file ends inside a field');
    return [start, this.pos];
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Reads ir_version, producer and metadata_props of an ONNX model; throws if the bytes are not protobuf. */
export function readOnnxModelInfo(bytes: Uint8Array): OnnxModelInfo {
  const info: OnnxModelInfo = { metadata: {} };
  try {
    const c = new Cursor(bytes);
    while (c.pos < c.end) {
      const tag = c.varint();
      const field = Math.floor(tag / 8);
      const wire = tag % 8;
      if (field === 0) throw new OnnxMetadataError('field number 0');
      if (field === FIELD.irVersion && wire === WIRE_VARINT) {
        info.irVersion = c.varint();
        continue;
      }
      const [from, to] = c.skip(wire);
      if (wire !== WIRE_LEN) continue;
      if (field === FIELD.producerName) info.producerName = utf8.decode(bytes.subarray(from, to));
      else if (field === FIELD.producerVersion) info.producerVersion = utf8.decode(bytes.subarray(from, to));
      else if (field === FIELD.metadataProps) {
        const [key, value] = readEntry(bytes, from, to);
        info.metadata[key] = value;
      }
    }
  } catch (e) {
    if (!(e instanceof OnnxMetadataError)) throw e;
    throw new OnnxMetadataError(`Not a readable ONNX model (${e.message}). The file may be damaged or not an .onnx file; reinstall it.`);
  }
  return info;
}

/** metadata_props of an ONNX model as key → value. */
export function readOnnxMetadata(bytes: Uint8Array): Record<string, string> {
  return readOnnxModelInfo(bytes).metadata;
}

function readEntry(bytes: Uint8Array, from: number, to: number): [string, string] {
  const c = new Cursor(bytes, to);
  c.pos = from;
  let key = '';
  let value = '';
  while (c.pos < to) {
    const tag = c.varint();
    const wire = tag % 8;
    const [s, e] = c.skip(wire);
    if (wire !== WIRE_LEN) continue;
    const field = Math.floor(tag / 8);
    if (field === ENTRY.key) key = utf8.decode(bytes.subarray(s, e));
    else if (field === ENTRY.value) value = utf8.decode(bytes.subarray(s, e));
  }
  return [key, value];
}
