/**
 * The VAD engine: Silero v5 probabilities + conversational endpointing over 16 kHz, 512-sample frames.
 * Isomorphic: the VAD worker and Node tests/CLI use the same class.
 */
import type { BundleSource } from '../../bundles/source.ts';
import { Endpointer, type EndpointerConfig, type VadEvent } from './endpointer.ts';
import { SileroVad, VAD_FRAME_SAMPLES, VAD_SAMPLE_RATE } from './silero.ts';

export { DEFAULT_ENDPOINTER_CONFIG, Endpointer, validateEndpointerConfig } from './endpointer.ts';
export type { EndpointerConfig, SpeechSegment, VadEvent } from './endpointer.ts';
export { SileroVad, VAD_FRAME_SAMPLES, VAD_SAMPLE_RATE } from './silero.ts';

export type VadConfig = EndpointerConfig;

export interface VadFrameResult {
  /** Silero speech probability of this frame. */
  probability: number;
  events: VadEvent[];
  /** Wall time of the model call, for latency spans. */
  inferenceMs: number;
}

export class VadEngine {
  private readonly endpointer: Endpointer;
  /** Next expected sample index when the caller gives none. */
  private nextSample = 0;

  private constructor(private readonly model: SileroVad, config: Partial<VadConfig>) {
    this.endpointer = new Endpointer(config, VAD_SAMPLE_RATE);
  }

  /** Loads the bundle's "vad" model (or the given model bytes). */
  static async create(source: BundleSource | Uint8Array, config: Partial<VadConfig> = {}): Promise<VadEngine> {
    const bytes = source instanceof Uint8Array ? source : await source.readRole('vad');
    return new VadEngine(await SileroVad.create(bytes), config);
  }

  get config(): Readonly<VadConfig> {
    return this.endpointer.settings;
  }

  get inSpeech(): boolean {
    return this.endpointer.inSpeech;
  }

  setConfig(update: Partial<VadConfig>): void {
    this.endpointer.setConfig(update);
  }

  /**
   * One 512-sample frame at 16 kHz. `sampleIndex` is the frame's first sample in the capture stream
   * (from the capture worklet); frames must arrive in order.
   */
  async pushFrame(frame: Float32Array, sampleIndex = this.nextSample): Promise<VadFrameResult> {
    if (frame.length !== VAD_FRAME_SAMPLES) {
      throw new RangeError(`The VAD takes frames of ${VAD_FRAME_SAMPLES} samples at 16 kHz; got ${frame.length}. Capture with frameSamples: 512.`);
    }
    const t0 = performance.now();
    const probability = await this.model.process(frame);
    const inferenceMs = performance.now() - t0;
    this.nextSample = sampleIndex + frame.length;
    return { probability, events: this.endpointer.push(probability, frame, sampleIndex), inferenceMs };
  }

  /** Ends a turn in progress (end of a file, or listening stopped). */
  flush(): VadEvent[] {
    return this.endpointer.flush(this.nextSample);
  }

  /** New stream: clears the model's memory and any turn in progress. */
  reset(): void {
    this.model.reset();
    this.endpointer.reset();
    this.nextSample = 0;
  }

  async release(): Promise<void> {
    await this.model.release();
  }
}
