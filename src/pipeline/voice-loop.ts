/**
 * The spoken half of the loop: microphone frames → VAD worker → (speech segment) → STT worker → the
 * conversation. Speech onset while the agent is talking interrupts it (barge-in).
 */
import { startCapture, type Capture } from '../audio/capture.ts';
import type { AppConfig } from '../config/config.ts';
import type { VadEvent } from '../speech/vad/index.ts';
import { TurnTrace, type TelemetryStore } from '../telemetry/spans.ts';
import type { SttWorkerApi } from '../../workers/stt.worker.ts';
import type { VadWorkerApi } from '../../workers/vad.worker.ts';
import type { Conversation } from './conversation.ts';
import type { WorkerHost } from './worker-host.ts';

const RATE = 16000;

/** A VAD event with times in ms of capture audio (sample / 16), for the diagnostics and the tests. */
export interface VadLogEntry {
  type: VadEvent['type'];
  startMs?: number;
  endMs?: number;
  atMs: number;
  /** performance.now() when the page received the event. */
  receivedAt: number;
}

export interface VoiceLoopDeps {
  vad: WorkerHost<VadWorkerApi>;
  stt: WorkerHost<SttWorkerApi>;
  conversation: Conversation;
  telemetry: TelemetryStore;
  config: () => AppConfig;
  ui: {
    listening(on: boolean): void;
    heard(durationMs: number): void;
    error(message: string, offerTyping: boolean): void;
  };
}

export class VoiceLoop {
  private capture?: Capture;
  private starting?: Promise<void>;
  private chain: Promise<void> = Promise.resolve();
  /** Maps capture samples to performance.now(): the last frame's end sample and when it arrived. */
  private clock = { sample: 0, at: 0 };
  private continuous = false;
  /** True between a speech onset and the end of that utterance (or its misfire). */
  hearing = false;
  readonly log: VadLogEntry[] = [];

  constructor(private readonly deps: VoiceLoopDeps) {}

  get active(): boolean {
    return this.capture !== undefined;
  }

  /** Starts listening; `continuous` keeps listening after each turn (hands-free), else one utterance. */
  start(continuous: boolean): Promise<void> {
    this.continuous = continuous;
    this.deps.conversation.listeningAfterReply = continuous;
    this.starting ??= this.open().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  async stop(): Promise<void> {
    await this.starting?.catch(() => undefined);
    const capture = this.capture;
    this.capture = undefined;
    this.deps.conversation.listeningAfterReply = false;
    this.deps.ui.listening(false);
    await capture?.stop();
    await this.deps.vad.call((api) => api.reset()).catch(() => undefined);
  }

  private async open(): Promise<void> {
    const v = this.deps.config().vad;
    await this.deps.vad.call((api) => api.init(VAD_BUNDLE, v));
    await this.deps.vad.call((api) => api.reset());
    this.capture = await startCapture({ onFrame: (frame, index) => this.onFrame(frame, index) });
    this.deps.ui.listening(true);
  }

  /** performance.now() at which a capture sample was recorded. */
  private timeOf(sample: number): number {
    return this.clock.at - ((this.clock.sample - sample) / RATE) * 1000;
  }

  private onFrame(frame: Float32Array, sampleIndex: number): void {
    this.clock = { sample: sampleIndex + frame.length, at: performance.now() };
    // One frame at a time, in order; a frame takes ~1 ms of inference against 32 ms of audio.
    this.chain = this.chain
      .then(() => this.deps.vad.call((api) => api.pushFrame(frame, sampleIndex)))
      .then((r) => {
        for (const e of r.events) this.onVadEvent(e);
      })
      .catch((e: unknown) => this.deps.ui.error(`Speech detection stopped working: ${(e as Error).message}`, true));
  }

  private onVadEvent(e: VadEvent): void {
    const receivedAt = performance.now();
    const ms = (s: number) => Math.round((s / RATE) * 1000);
    const entry: VadLogEntry = { type: e.type, atMs: ms(e.atSample), receivedAt };
    if (e.type === 'speech-end') Object.assign(entry, { startMs: ms(e.segment.startSample), endMs: ms(e.segment.endSample) });
    else if (e.type === 'misfire') Object.assign(entry, { startMs: ms(e.startSample), endMs: ms(e.endSample) });
    else entry.startMs = ms(e.startSample);
    this.log.push(entry);
    if (this.log.length > 500) this.log.shift();

    const conv = this.deps.conversation;
    this.hearing = e.type === 'speech-start' || e.type === 'speech-confirmed';
    switch (e.type) {
      case 'speech-start':
        // Measured from the first captured sample of the onset frame: what the customer experiences.
        if (conv.busy && this.deps.config().bargeIn) conv.interrupt('barge-in', this.timeOf(e.startSample));
        conv.setState('listening');
        break;
      case 'misfire':
        if (!conv.busy) conv.setState(this.active ? 'listening' : 'idle');
        break;
      case 'speech-end':
        void this.onSegment(e.segment.startSample, e.segment.endSample, e.segment.audio);
        break;
      case 'speech-confirmed':
        break;
    }
  }

  private async onSegment(startSample: number, endSample: number, audio: Float32Array): Promise<void> {
    const trace = new TurnTrace(crypto.randomUUID(), this.timeOf(startSample));
    trace.attr('input', 'voice');
    trace.mark('speech-end', this.timeOf(endSample));
    trace.mark('endpoint');
    if (!this.continuous) await this.stop();
    const durationMs = ((endSample - startSample) / RATE) * 1000;
    this.deps.ui.heard(durationMs);
    const conv = this.deps.conversation;
    conv.setState('thinking');
    try {
      const lang = this.deps.config().language;
      const t = await this.deps.stt.call((api) => api.transcribe(audio, lang === 'auto' ? undefined : lang));
      trace.mark('transcript');
      trace.attr('detected', t.lang);
      await conv.ask(t.text, trace);
    } catch (e) {
      trace.fail('stt', (e as Error).message);
      this.deps.telemetry.record(trace);
      conv.setState(this.active ? 'listening' : 'idle');
      this.deps.ui.error((e as Error).message, true);
    }
  }
}

export const VAD_BUNDLE = `${import.meta.env.BASE_URL}models/default/`;
