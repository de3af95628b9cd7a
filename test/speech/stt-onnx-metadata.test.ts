import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSession } from '../../src/speech/onnx.ts';
import { OnnxMetadataError, readOnnxMetadata, readOnnxModelInfo } from '../../src/speech/onnx-metadata.ts';
import { STT_FIXTURES } from '../fixtures/stt/bundle.ts';

/** Protobuf bytes of one ModelProto.metadata_props entry (field 14, StringStringEntryProto key=1 value=2). */
function metadataEntry(key: string, value: string): Uint8Array {
  const enc = new TextEncoder();
  const field = (no: number, bytes: Uint8Array) => [(no << 3) | 2, ...varint(bytes.length), ...bytes];
  const entry = [...field(1, enc.encode(key)), ...field(2, enc.encode(value))];
  return Uint8Array.from([(14 << 3) | 2, ...varint(entry.length), ...entry]);
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

const concat = (a: Uint8Array, b: Uint8Array) => {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};

describe('ONNX metadata reader', () => {
  it('reads metadata_props of a real model written by onnx (python), stepping over the graph', async () => {
    const bytes = new Uint8Array(await readFile(join(STT_FIXTURES, 'nemo/model.onnx')));
    const info = readOnnxModelInfo(bytes);
    expect(info.metadata).toEqual({
      vocab_size: '119',
      normalize_type: 'per_feature',
      subsampling_factor: '4',
      model_type: 'EncDecCTCModelBPE',
      comment: 'tiny test model with random weights (tools/stt/build_tiny_models.py); recognises nothing',
    });
    expect(info.producerName).toBe('pytorch');
    expect(info.irVersion).toBeGreaterThanOrEqual(7);
    // The same bytes load in ONNX Runtime: the reader agrees with a real protobuf parser about the file.
    const session = await createSession(bytes, 'metadata test');
    expect(session.inputNames).toEqual(['audio_signal', 'length']);
  });

  it('returns no entries for a model without metadata', async () => {
    const bytes = new Uint8Array(await readFile(join(STT_FIXTURES, 'indic/encoder.onnx')));
    expect(readOnnxMetadata(bytes)).toEqual({});
  });

  it('reads entries wherever they are, a later duplicate key winning', async () => {
    const bytes = new Uint8Array(await readFile(join(STT_FIXTURES, 'nemo/model.onnx')));
    const more = concat(concat(bytes, metadataEntry('normalize_type', 'all_features')), metadataEntry('लोन', 'ब्याज'));
    const meta = readOnnxMetadata(more);
    expect(meta.normalize_type).toBe('all_features');
    expect(meta['लोन']).toBe('ब्याज');
    expect(meta.vocab_size).toBe('119');
  });

  it('rejects bytes that are not an ONNX model, with a reason', async () => {
    const bytes = new Uint8Array(await readFile(join(STT_FIXTURES, 'nemo/model.onnx')));
    expect(() => readOnnxMetadata(bytes.subarray(0, bytes.length - 100))).toThrow(OnnxMetadataError);
    expect(() => readOnnxMetadata(bytes.subarray(0, bytes.length - 100))).toThrow(/runs past the end|ends inside/);
    expect(() => readOnnxMetadata(new TextEncoder().encode('<html>not a model</html>'))).toThrow(/Not a readable ONNX model/);
    expect(readOnnxMetadata(new Uint8Array(0))).toEqual({});
  });
});
