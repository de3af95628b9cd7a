/**
 * Silero VAD v5 on onnxruntime-web: one speech probability per 512-sample (32 ms) frame at 16 kHz.
 * Like silero-vad's own OnnxWrapper (and vad-web's Silero class) each call sees the previous frame's last
 * 64 samples in front of the new 512, so an onset on a frame boundary is seen whole; the model's
 * input is therefore [1, 576].
 */
import { createSession, ort } from '../onnx.ts';

export const VAD_SAMPLE_RATE = 16000;
export const VAD_FRAME_SAMPLES = 512;
const CONTEXT_SAMPLES = 64;
const STATE_DIMS = [2, 1, 128];

export class SileroVad {
  private state: ort.Tensor;
  private context = new Float32Array(CONTEXT_SAMPLES);
  private readonly sr = new ort.Tensor('int64', BigInt64Array.from([BigInt(VAD_SAMPLE_RATE)]), []);

  private constructor(private readonly session: ort.InferenceSession) {
    this.state = SileroVad.zeroState();
    for (const name of ['input', 'state', 'sr']) {
      if (!session.inputNames.includes(name)) {
        throw new Error(`The VAD model has no "${name}" input: it is not Silero v5/v6. Install a bundle with silero_vad_v5.onnx.`);
      }
    }
  }

  static async create(modelBytes: Uint8Array): Promise<SileroVad> {
    return new SileroVad(await createSession(modelBytes, 'voice activity (Silero VAD)'));
  }

  private static zeroState(): ort.Tensor {
    return new ort.Tensor('float32', new Float32Array(2 * 128), STATE_DIMS);
  }

  /** Speech probability (0–1) of one 512-sample frame; frames must be fed in order. */
  async process(frame: Float32Array): Promise<number> {
    if (frame.length !== VAD_FRAME_SAMPLES) {
      throw new RangeError(`Silero VAD takes frames of ${VAD_FRAME_SAMPLES} samples at 16 kHz; got ${frame.length}.`);
    }
    // ort.Tensor wraps the array without copying, so every run gets its own.
    const data = new Float32Array(CONTEXT_SAMPLES + VAD_FRAME_SAMPLES);
    data.set(this.context, 0);
    data.set(frame, CONTEXT_SAMPLES);
    this.context = frame.slice(-CONTEXT_SAMPLES);
    const input = new ort.Tensor('float32', data, [1, data.length]);
    const out = await this.session.run({ input, state: this.state, sr: this.sr });
    const prob = out['output']?.data[0];
    const next = out['stateN'];
    if (typeof prob !== 'number' || !next) throw new Error('The VAD model returned no "output"/"stateN": it is not Silero v5/v6.');
    this.state.dispose();
    this.state = next;
    return prob;
  }

  /** Forget the audio history (new call, new stream). */
  reset(): void {
    this.state.dispose();
    this.state = SileroVad.zeroState();
    this.context = new Float32Array(CONTEXT_SAMPLES);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
