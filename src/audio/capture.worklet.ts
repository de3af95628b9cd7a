/**
 * AudioWorklet processor for microphone capture: downmixes, resamples the context's native rate to
 * 16 kHz and posts 512-sample frames (transferred, not copied) with their sample index in the 16 kHz
 * capture stream, so every later timestamp is exact. Loaded by capture.ts through a Vite `?worker&url`
 * import, which bundles this file and resample.ts into one module.
 */
import { FrameResampler } from './resample.ts';

// AudioWorkletGlobalScope is not in TypeScript's lib files; these are the parts used here.
declare const sampleRate: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
  constructor(options?: AudioWorkletNodeOptions);
}
declare function registerProcessor(name: string, ctor: new (options: AudioWorkletNodeOptions) => AudioWorkletProcessor): void;

export const CAPTURE_PROCESSOR = 'capture-16k';

export interface CaptureProcessorOptions {
  frameSamples: number;
}

/** Messages from the processor to the page. */
export type CaptureWorkletMessage = { type: 'frame'; samples: Float32Array; sampleIndex: number };

class Capture16kProcessor extends AudioWorkletProcessor {
  private readonly framer: FrameResampler;
  private mono = new Float32Array(128);
  private stopped = false;

  constructor(options: AudioWorkletNodeOptions) {
    super(options);
    const { frameSamples } = (options.processorOptions ?? {}) as Partial<CaptureProcessorOptions>;
    this.framer = new FrameResampler(sampleRate, frameSamples ?? 512, 16000);
    this.port.onmessage = (e: MessageEvent) => {
      if (e.data === 'stop') this.stopped = true;
    };
  }

  process(inputs: Float32Array[][]): boolean {
    if (this.stopped) return false; // lets the browser drop the node
    const channels = inputs[0];
    const first = channels?.[0];
    if (!channels || !first) return true; // no input connected yet
    if (this.mono.length !== first.length) this.mono = new Float32Array(first.length);
    const mono = this.mono;
    if (channels.length === 1) mono.set(first);
    else {
      mono.fill(0);
      for (const ch of channels) for (let i = 0; i < ch.length; i++) mono[i]! += ch[i]!;
      const k = 1 / channels.length;
      for (let i = 0; i < mono.length; i++) mono[i]! *= k;
    }
    for (const f of this.framer.push(mono)) {
      const msg: CaptureWorkletMessage = { type: 'frame', samples: f.samples, sampleIndex: f.sampleIndex };
      this.port.postMessage(msg, [f.samples.buffer]);
    }
    return true;
  }
}

registerProcessor(CAPTURE_PROCESSOR, Capture16kProcessor);
