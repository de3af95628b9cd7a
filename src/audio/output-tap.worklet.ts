/**
 * AudioWorklet processor on the real output path (reply audio → tap → destination): passes audio through
 * unchanged and measures what is actually rendered, so tests and the latency benchmark read real output,
 * not what the queue meant to play. Loaded by playback.ts through a Vite `?worker&url` import.
 */

// AudioWorkletGlobalScope is not in TypeScript's lib files; these are the parts used here.
declare const sampleRate: number;
declare const currentTime: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
  constructor(options?: AudioWorkletNodeOptions);
}
declare function registerProcessor(name: string, ctor: new (options: AudioWorkletNodeOptions) => AudioWorkletProcessor): void;

export const TAP_PROCESSOR = 'output-tap';

/** Cumulative since the last reset. */
export interface TapReport {
  type: 'stats';
  renderedFrames: number;
  nonSilentFrames: number;
  peak: number;
  /** RMS with a 100 ms time constant (a level meter). */
  rms: number;
  /** Audio-clock time of the first sample above the silence threshold, or null. */
  firstNonSilentTime: number | null;
  /** Audio-clock time just after the last sample above the threshold (when sound stopped), or null. */
  lastNonSilentTime: number | null;
}
export type TapMessage = TapReport | { type: 'reset-done'; id: number };
export type TapCommand = { type: 'reset'; id: number };

/** About -80 dBFS: below this a frame counts as silent. */
const SILENCE = 1e-4;
const RMS_TIME_CONSTANT_S = 0.1;

class OutputTapProcessor extends AudioWorkletProcessor {
  private renderedFrames = 0;
  private nonSilentFrames = 0;
  private peak = 0;
  private meanSquare = 0;
  private firstNonSilentTime: number | null = null;
  private lastNonSilentTime: number | null = null;
  private blocksSinceReport = 0;
  private soundSinceReport = false;

  constructor(options: AudioWorkletNodeOptions) {
    super(options);
    this.port.onmessage = (e: MessageEvent<TapCommand>) => {
      if (e.data.type !== 'reset') return;
      this.renderedFrames = this.nonSilentFrames = this.peak = this.meanSquare = 0;
      this.firstNonSilentTime = this.lastNonSilentTime = null;
      this.port.postMessage({ type: 'reset-done', id: e.data.id } satisfies TapMessage);
      this.report();
    };
  }

  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const input = inputs[0] ?? [];
    const output = outputs[0] ?? [];
    for (let c = 0; c < output.length; c++) {
      const from = input[c] ?? input[0];
      if (from) output[c]!.set(from); // outputs start zeroed, so no input leaves silence
    }
    const frames = output[0]?.length ?? 128;
    let first = -1;
    let last = -1;
    let sumSquares = 0;
    for (let i = 0; i < frames; i++) {
      let level = 0;
      for (let c = 0; c < input.length; c++) level = Math.max(level, Math.abs(input[c]![i] ?? 0));
      if (level > SILENCE) {
        this.nonSilentFrames++;
        if (first < 0) first = i;
        last = i;
      }
      if (level > this.peak) this.peak = level;
      sumSquares += level * level;
    }
    this.renderedFrames += frames;
    const alpha = 1 - Math.exp(-frames / (RMS_TIME_CONSTANT_S * sampleRate));
    this.meanSquare += alpha * (sumSquares / frames - this.meanSquare);
    if (last >= 0) {
      this.soundSinceReport = true;
      this.lastNonSilentTime = currentTime + (last + 1) / sampleRate;
    }

    this.blocksSinceReport++;
    if (first >= 0 && this.firstNonSilentTime === null) {
      this.firstNonSilentTime = currentTime + first / sampleRate;
      this.report(); // at once: the latency benchmark waits for this
    } else if (this.blocksSinceReport >= (this.soundSinceReport || this.meanSquare > SILENCE * SILENCE ? 16 : 128)) {
      this.report(); // ~46 ms while sound plays, ~370 ms while silent (at 44.1 kHz)
    }
    return true;
  }

  private report(): void {
    const msg: TapReport = {
      type: 'stats',
      renderedFrames: this.renderedFrames,
      nonSilentFrames: this.nonSilentFrames,
      peak: this.peak,
      rms: Math.sqrt(this.meanSquare),
      firstNonSilentTime: this.firstNonSilentTime,
      lastNonSilentTime: this.lastNonSilentTime,
    };
    this.port.postMessage(msg);
    this.blocksSinceReport = 0;
    this.soundSinceReport = false;
  }
}

registerProcessor(TAP_PROCESSOR, OutputTapProcessor);
