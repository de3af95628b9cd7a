/**
 * The spoken half of the loop: microphone frames → VAD worker → (speech segment) → STT worker → the
 * conversation. Speech onset while the agent is talking interrupts it (barge-in).
 */
import * as Comlink from 'comlink';
import { startCapture, type Capture } from '../audio/capture.ts';
import type { AppConfig } from '../config/config.ts';
import type { VadEvent } from '../speech/vad/index.ts';
import { TurnTrace, type TelemetryStore } from '../telemetry/spans.ts';
import type { SttWorkerApi } from '../../workers/stt.worker.ts';
import type { VadWorkerApi } from '../../workers/vad.worker.ts';
import type { Conversation } from './conversation.ts';
import type { WorkerHost } from './worker-host.ts';

const RATE = 16000;
/** Partial transcripts while the customer speaks, at least this often (when STT keeps up). */
const PARTIAL_EVERY_MS = 400;
/** Audio kept from before an onset for partials (the VAD's own pre-roll covers the final transcript). */
const PARTIAL_PRE_ROLL_FRAMES = 10;

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
    /** A partial transcript while the customer speaks ('' right at the onset); null drops it (a misfire). */
    partial(text: string | null): void;
    error(message: string, offerTyping: boolean): void;
  };
}

/** The utterance in progress, for partial transcripts. */
interface Utterance {
  frames: Float32Array[];
  samples: number;
  lastPartialAt: number;
  partialInFlight: boolean;
  /** Timings of the partials, added to the turn's trace when it ends. */
  spans: Array<{ start: number; end: number; chars: number }>;
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
  private recent: Float32Array[] = [];
  private utterance?: Utterance;
  readonly log: VadLogEntry[] = [];
  /** Partial transcripts as they were shown (performance.now() time), for diagnostics and tests. */
  readonly partials: Array<{ at: number; text: string }> = [];

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
    // The host's init loaded the model; this applies the endpointing settings in force now.
    const v = this.deps.config().vad;
    await this.deps.vad.call(async (api) => {
      await api.setConfig(v);
      await api.reset();
    });
    this.capture = await startCapture({ onFrame: (frame, index) => this.onFrame(frame, index) });
    this.deps.ui.listening(true);
  }

  /** performance.now() at which a capture sample was recorded. */
  private timeOf(sample: number): number {
    return this.clock.at - ((this.clock.sample - sample) / RATE) * 1000;
  }

  private onFrame(frame: Float32Array, sampleIndex: number): void {
    this.clock = { sample: sampleIndex + frame.length, at: performance.now() };
    // A copy stays here for partials; the frame itself is handed to the VAD worker.
    const copy = frame.slice();
    this.recent.push(copy);
    if (this.recent.length > PARTIAL_PRE_ROLL_FRAMES) this.recent.shift();
    if (this.utterance) {
      this.utterance.frames.push(copy);
      this.utterance.samples += copy.length;
      this.maybePartial(this.utterance);
    }
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
        this.utterance = {
          frames: [...this.recent],
          samples: this.recent.reduce((n, f) => n + f.length, 0),
          lastPartialAt: performance.now(),
          partialInFlight: false,
          spans: [],
        };
        this.deps.ui.partial('');
        break;
      case 'misfire':
        this.utterance = undefined;
        this.deps.ui.partial(null);
        if (!conv.busy) conv.setState(this.active ? 'listening' : 'idle');
        break;
      case 'speech-end': {
        const spans = this.utterance?.spans ?? [];
        this.utterance = undefined;
        void this.onSegment(e.segment.startSample, e.segment.endSample, e.segment.audio, spans);
        break;
      }
      case 'speech-confirmed':
        break;
    }
  }

  /** Transcribes the utterance so far, at most one request at a time, every PARTIAL_EVERY_MS. */
  private maybePartial(u: Utterance): void {
    const now = performance.now();
    if (u.partialInFlight || now - u.lastPartialAt < PARTIAL_EVERY_MS) return;
    u.partialInFlight = true;
    u.lastPartialAt = now;
    const audio = new Float32Array(u.samples);
    let at = 0;
    for (const f of u.frames) {
      audio.set(f, at);
      at += f.length;
    }
    const lang = this.deps.config().language;
    void this.deps.stt
      .call((api) => api.transcribe(Comlink.transfer(audio, [audio.buffer]), lang === 'auto' ? undefined : lang, true))
      .then((t) => {
        u.spans.push({ start: now, end: performance.now(), chars: t.text.length });
        // Only while this utterance is still open: a late partial must not overwrite the final text.
        if (this.utterance !== u) return;
        this.deps.ui.partial(t.text);
        this.partials.push({ at: performance.now(), text: t.text });
        if (this.partials.length > 200) this.partials.shift();
      })
      .catch(() => undefined) // a partial that fails is simply skipped; the final transcript reports errors
      .finally(() => {
        u.partialInFlight = false;
      });
  }

  private async onSegment(startSample: number, endSample: number, audio: Float32Array, partials: Utterance['spans']): Promise<void> {
    const trace = new TurnTrace(crypto.randomUUID(), this.timeOf(startSample));
    trace.attr('input', 'voice');
    trace.mark('speech-end', this.timeOf(endSample));
    trace.mark('endpoint');
    for (const p of partials) trace.span('stt-partial', p.start, p.end, { chars: p.chars });
    trace.attr('partials', partials.length);
    if (!this.continuous) await this.stop();
    const conv = this.deps.conversation;
    conv.setState('thinking');
    try {
      const lang = this.deps.config().language;
      const start = performance.now();
      const t = await this.deps.stt.call((api) => api.transcribe(Comlink.transfer(audio, [audio.buffer]), lang === 'auto' ? undefined : lang, false));
      trace.mark('transcript');
      trace.span('stt-final', start, performance.now(), { audioMs: Math.round((audio.length / RATE) * 1000) });
      trace.attr('detected', t.lang);
      if (!t.text.trim()) {
        this.deps.ui.partial(null);
        throw new Error('Sorry, I did not catch that. Please say it again, or type your question.');
      }
      await conv.ask(t.text, trace);
    } catch (e) {
      this.deps.ui.partial(null);
      trace.fail('stt', (e as Error).message);
      this.deps.telemetry.record(trace);
      conv.setState(this.active ? 'listening' : 'idle');
      this.deps.ui.error((e as Error).message, true);
    }
  }
}
