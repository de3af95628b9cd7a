/**
 * Plays synthesized speech on the main thread: chunks are scheduled back to back on one AudioContext so a
 * reply plays without gaps, `stop()` silences it at once for barge-in, and an AudioWorklet tap on the output
 * path measures what was really rendered.
 */
import type { PcmChunk } from '../speech/tts-types.ts';
import type { TapCommand, TapMessage } from './output-tap.worklet.ts';
import tapUrl from './output-tap.worklet.ts?worker&url';

/** Same name as TAP_PROCESSOR in the worklet; importing it as a value would run the worklet module here. */
const TAP_PROCESSOR = 'output-tap';
/** Scheduling margin so a start time is not already past when the audio thread sees it. */
const LEAD_S = 0.01;
/** Fade on stop(): long enough to avoid a click, short enough to be "now". */
const FADE_S = 0.005;

export interface TapStats {
  /** Frames rendered through the tap since the last reset. */
  renderedFrames: number;
  /** Frames above about -80 dBFS. */
  nonSilentFrames: number;
  peak: number;
  /** RMS level with a 100 ms time constant. */
  rms: number;
  /** performance.now() time at which the first non-silent sample since the reset reached the output. */
  firstNonSilentAt: number | null;
  /** The same moment on the audio clock (ctx.currentTime). */
  firstNonSilentContextTime: number | null;
  /** performance.now() time at which the output last went silent (after stop(), this measures barge-in). */
  lastNonSilentAt: number | null;
  sampleRate: number;
}

export interface PlaybackOptions {
  /** Defaults to a new AudioContext with interactive latency. */
  context?: AudioContext;
  /** Insert the output tap (default true). */
  tap?: boolean;
}

export class PlaybackQueue {
  /** When the first sample of a reply plays (performance.now() time base). */
  onFirstSample?: (t: number) => void;
  /** When all queued audio has played. Not called after stop(). */
  onIdle?: () => void;
  /** Why the output tap is missing (no AudioWorklet, or it failed to load); null while it works. */
  tapError: string | null = null;
  readonly ctx: AudioContext;

  private readonly ready: Promise<void>;
  private isReady = false;
  private sink: AudioNode;
  private tapNode: AudioWorkletNode | null = null;
  private tapLatest: TapStats;
  private tapResets = new Map<number, () => void>();
  private tapResetId = 0;
  private replyGain: GainNode | null = null;
  private readonly sources = new Set<AudioBufferSourceNode>();
  private pending: PcmChunk[] = [];
  private nextStart = 0;
  private reply = 0;
  private firstSampleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: PlaybackOptions = {}) {
    this.ctx = options.context ?? new AudioContext({ latencyHint: 'interactive' });
    this.sink = this.ctx.destination;
    this.tapLatest = this.emptyStats();
    this.ctx.addEventListener('statechange', () => this.pump());
    this.unlockOnGesture();
    this.ready = (options.tap === false ? Promise.resolve() : this.startTap()).then(() => {
      if (this.tapError) console.warn(this.tapError);
      this.isReady = true;
      this.pump();
    });
  }

  /** A queue whose tap (if any) is in place. */
  static async create(options: PlaybackOptions = {}): Promise<PlaybackQueue> {
    const queue = new PlaybackQueue(options);
    await queue.ready;
    return queue;
  }

  /** True while a reply is queued or playing. */
  get speaking(): boolean {
    return this.sources.size > 0 || this.pending.length > 0;
  }

  /** Browsers start audio only after a user gesture: call this from a click/tap/key handler if needed. */
  async resume(): Promise<void> {
    if (this.ctx.state !== 'running') await this.ctx.resume();
  }

  /** Queues a chunk to play right after what is already queued. */
  enqueue(chunk: PcmChunk): void {
    if (chunk.samples.length === 0) return;
    this.pending.push(chunk);
    this.pump();
  }

  /** Silences everything now (barge-in) and drops what is queued. */
  stop(): void {
    this.pending = [];
    clearTimeout(this.firstSampleTimer);
    this.reply++;
    const now = this.ctx.currentTime;
    const gain = this.replyGain;
    this.replyGain = null;
    if (gain) {
      gain.gain.cancelScheduledValues(now);
      gain.gain.setValueAtTime(gain.gain.value, now);
      gain.gain.linearRampToValueAtTime(0, now + FADE_S);
    }
    for (const source of this.sources) {
      source.onended = null;
      try {
        source.stop(now + FADE_S);
      } catch {
        // Not started yet on a suspended context: disconnecting below is enough.
      }
    }
    const stopped = [...this.sources];
    this.sources.clear();
    this.nextStart = 0;
    setTimeout(() => {
      for (const source of stopped) source.disconnect();
      gain?.disconnect();
    }, 50);
  }

  /** Latest measurements of the rendered output (updated every ~50 ms while sound plays); null without a tap. */
  tapStats(): TapStats | null {
    return this.tapNode ? { ...this.tapLatest } : null;
  }

  /** Zeroes the tap's counters; resolves once the audio thread has done it, so later output is counted. */
  resetTap(): Promise<void> {
    const node = this.tapNode;
    if (!node) return Promise.resolve();
    const id = ++this.tapResetId;
    return new Promise((resolve) => {
      this.tapResets.set(id, resolve);
      node.port.postMessage({ type: 'reset', id } satisfies TapCommand);
    });
  }

  async close(): Promise<void> {
    this.stop();
    this.tapNode?.port.close();
    await this.ctx.close();
  }

  private pump(): void {
    if (!this.isReady || this.pending.length === 0) return;
    if (this.ctx.state !== 'running') {
      // Works when the page already had a user gesture; otherwise unlockOnGesture() resumes later.
      void this.ctx.resume().catch(() => undefined);
      return;
    }
    const chunks = this.pending;
    this.pending = [];
    for (const chunk of chunks) this.schedule(chunk);
  }

  private schedule(chunk: PcmChunk): void {
    const buffer = this.ctx.createBuffer(1, chunk.samples.length, chunk.sampleRate);
    buffer.copyToChannel(chunk.samples as Float32Array<ArrayBuffer>, 0);
    const source = this.ctx.createBufferSource();
    source.buffer = buffer;
    if (!this.replyGain) {
      this.replyGain = this.ctx.createGain();
      this.replyGain.connect(this.sink);
    }
    source.connect(this.replyGain);

    const now = this.ctx.currentTime;
    const startsReply = this.sources.size === 0;
    // After an underrun (the next chunk came late) start as soon as possible instead of in the past.
    const start = Math.max(this.nextStart, now + LEAD_S);
    source.start(start);
    this.nextStart = start + buffer.duration;
    this.sources.add(source);
    source.onended = () => {
      this.sources.delete(source);
      source.disconnect();
      if (this.sources.size === 0 && this.pending.length === 0) this.idle();
    };
    if (startsReply) this.announceFirstSample(start);
  }

  private idle(): void {
    this.nextStart = 0;
    this.reply++;
    this.onIdle?.();
  }

  private announceFirstSample(contextTime: number): void {
    const at = this.toPerformanceTime(contextTime);
    const reply = ++this.reply;
    clearTimeout(this.firstSampleTimer);
    this.firstSampleTimer = setTimeout(
      () => {
        if (this.reply === reply) this.onFirstSample?.(at);
      },
      Math.max(0, at - performance.now()),
    );
  }

  /** Maps an audio-clock time to when that sample reaches the output, on the performance.now() clock. */
  private toPerformanceTime(contextTime: number): number {
    const ts = this.ctx.getOutputTimestamp?.();
    if (ts?.performanceTime && ts.contextTime !== undefined) {
      return ts.performanceTime + (contextTime - ts.contextTime) * 1000;
    }
    // No output timestamp yet (just resumed): estimate with the reported output latency.
    const latency = this.ctx.outputLatency || this.ctx.baseLatency || 0;
    return performance.now() + (contextTime - this.ctx.currentTime + latency) * 1000;
  }

  private async startTap(): Promise<void> {
    if (typeof AudioWorkletNode === 'undefined' || !this.ctx.audioWorklet) {
      this.tapError =
        'This browser has no AudioWorklet (it needs a secure context and a current browser), so rendered audio ' +
        'cannot be measured. Playback still works.';
      return;
    }
    try {
      await this.ctx.audioWorklet.addModule(tapUrl);
      const node = new AudioWorkletNode(this.ctx, TAP_PROCESSOR, { numberOfInputs: 1, numberOfOutputs: 1 });
      node.port.onmessage = (e: MessageEvent<TapMessage>) => this.onTapMessage(e.data);
      node.connect(this.ctx.destination);
      this.tapNode = node;
      this.sink = node;
    } catch (e) {
      this.tapError = `The output tap could not start (${(e as Error).message}); rendered audio is not measured. Playback still works.`;
    }
  }

  private onTapMessage(msg: TapMessage): void {
    if (msg.type === 'reset-done') {
      this.tapResets.get(msg.id)?.();
      this.tapResets.delete(msg.id);
      return;
    }
    const known = this.tapLatest;
    const first = msg.firstNonSilentTime;
    const last = msg.lastNonSilentTime;
    this.tapLatest = {
      renderedFrames: msg.renderedFrames,
      nonSilentFrames: msg.nonSilentFrames,
      peak: msg.peak,
      rms: msg.rms,
      firstNonSilentContextTime: first,
      // Map once, when first seen: the mapping is exact for any message delay.
      firstNonSilentAt:
        first === null ? null : known.firstNonSilentContextTime === first ? known.firstNonSilentAt : this.toPerformanceTime(first),
      lastNonSilentAt: last === null ? null : this.toPerformanceTime(last),
      sampleRate: this.ctx.sampleRate,
    };
  }

  private emptyStats(): TapStats {
    return {
      renderedFrames: 0, nonSilentFrames: 0, peak: 0, rms: 0,
      firstNonSilentAt: null, firstNonSilentContextTime: null, lastNonSilentAt: null, sampleRate: this.ctx.sampleRate,
    };
  }

  /** Resumes a suspended context on the first user gesture anywhere on the page. */
  private unlockOnGesture(): void {
    if (typeof document === 'undefined' || this.ctx.state !== 'suspended') return;
    const events = ['pointerdown', 'keydown', 'touchend'] as const;
    const unlock = () => {
      void this.ctx.resume().then(() => {
        if (this.ctx.state === 'running') for (const type of events) document.removeEventListener(type, unlock, true);
      });
    };
    for (const type of events) document.addEventListener(type, unlock, true);
  }
}
