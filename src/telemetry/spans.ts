/**
 * Per-turn telemetry. A TurnTrace collects the fixed milestones of one turn, arbitrary spans and the
 * fallbacks and failure it met; its JSON is what the diagnostics waterfall, the metrics store and the
 * benchmarks read. Times are `performance.now()` values of the thread that owns the trace (convert a
 * worker's times with `fromOtherClock`), stored as ms relative to the turn's origin.
 * Isomorphic: no DOM, no Node APIs.
 */
import { RingBuffer } from './ring-buffer.ts';
import { describe, type Stats } from './stats.ts';

export { RingBuffer } from './ring-buffer.ts';
export { percentile, describe, type Stats } from './stats.ts';

/** The fixed milestones of a turn, in the order they normally happen. */
export const MILESTONES = [
  'speech-end',
  'endpoint',
  'transcript',
  'retrieval-done',
  'first-reply-text',
  'first-tts-audio',
  'first-audio-played',
  'reply-done',
] as const;
export type Milestone = (typeof MILESTONES)[number];

/** Derived stages, each the time between two milestones. */
export type StageName = 'endpointing' | 'stt' | 'retrieval' | 'reply' | 'tts' | 'playback' | 'voice-to-voice' | 'total';

interface StageDef {
  stage: StageName;
  /** The first of these that was marked starts the stage ('origin' is 0, the turn start). */
  from: readonly (Milestone | 'origin')[];
  to: Milestone;
}

const STAGE_DEFS: readonly StageDef[] = [
  { stage: 'endpointing', from: ['speech-end'], to: 'endpoint' },
  { stage: 'stt', from: ['endpoint'], to: 'transcript' },
  { stage: 'retrieval', from: ['transcript'], to: 'retrieval-done' },
  // A responder without retrieval starts from the transcript.
  { stage: 'reply', from: ['retrieval-done', 'transcript'], to: 'first-reply-text' },
  { stage: 'tts', from: ['first-reply-text'], to: 'first-tts-audio' },
  { stage: 'playback', from: ['first-tts-audio'], to: 'first-audio-played' },
  // What the customer feels: silence between finishing speaking and hearing the agent.
  { stage: 'voice-to-voice', from: ['speech-end'], to: 'first-audio-played' },
  { stage: 'total', from: ['origin'], to: 'reply-done' },
];
export const STAGES: readonly StageName[] = STAGE_DEFS.map((d) => d.stage);

export type AttrValue = string | number | boolean;
export type Attrs = Record<string, AttrValue>;

export interface SpanJSON {
  name: string;
  /** ms from the turn's origin. */
  start: number;
  end: number;
  attrs?: Attrs;
}

export interface StageTiming {
  stage: StageName;
  /** ms from the turn's origin. */
  start: number;
  end: number;
  ms: number;
}

export interface FallbackJSON {
  note: string;
  at: number;
}

export interface FailureJSON {
  stage: string;
  message: string;
  at: number;
}

export interface TurnTraceJSON {
  id: string;
  /** Wall-clock time of the turn start (epoch ms), for display. */
  startedAt: number;
  /** `performance.now()` at the turn start; every other time is relative to it. */
  origin: number;
  marks: Partial<Record<Milestone, number>>;
  /** Derived from `marks` at the time of `toJSON()`; `stageTimings(marks)` recomputes them. */
  stages: StageTiming[];
  spans: SpanJSON[];
  fallbacks: FallbackJSON[];
  failure?: FailureJSON;
  attrs: Attrs;
}

/**
 * Converts a `performance.now()` reading taken in another thread (a worker has its own time origin) to
 * this thread's clock. Pass the other thread's `performance.timeOrigin` along with its reading.
 */
export function fromOtherClock(t: number, otherTimeOrigin: number): number {
  return t + otherTimeOrigin - performance.timeOrigin;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/** The stages whose two ends were both marked, in pipeline order. */
export function stageTimings(marks: Partial<Record<Milestone, number>>): StageTiming[] {
  const out: StageTiming[] = [];
  for (const def of STAGE_DEFS) {
    const end = marks[def.to];
    if (end === undefined) continue;
    const fromKey = def.from.find((k) => k === 'origin' || marks[k] !== undefined);
    if (fromKey === undefined) continue;
    const start = fromKey === 'origin' ? 0 : (marks[fromKey] as number);
    out.push({ stage: def.stage, start, end, ms: round(end - start) });
  }
  return out;
}

export function stageDurations(marks: Partial<Record<Milestone, number>>): Partial<Record<StageName, number>> {
  return Object.fromEntries(stageTimings(marks).map((s) => [s.stage, s.ms]));
}

/**
 * One turn. Create it when the turn starts (speech start for a spoken turn, submit for a typed one):
 *   const t = new TurnTrace(id); t.mark('speech-end', segmentEnd); t.mark('transcript'); …; store.record(t)
 */
export class TurnTrace {
  readonly id: string;
  readonly origin: number;
  readonly startedAt: number;
  readonly #marks: Partial<Record<Milestone, number>> = {};
  readonly #spans: SpanJSON[] = [];
  readonly #fallbacks: FallbackJSON[] = [];
  readonly #attrs: Attrs = {};
  #failure: FailureJSON | undefined;

  constructor(id: string, origin: number = performance.now(), startedAt: number = Date.now()) {
    this.id = id;
    this.origin = origin;
    this.startedAt = startedAt;
  }

  /**
   * Records a milestone once: later calls for the same name are ignored and return false, so callers may
   * mark 'first-tts-audio' on every sentence without tracking whether it was the first.
   */
  mark(name: Milestone, t: number = performance.now()): boolean {
    if (this.#marks[name] !== undefined) return false;
    this.#marks[name] = round(t - this.origin);
    return true;
  }

  /** A stage of any name, with absolute `performance.now()` times, e.g. one TTS sentence. */
  span(name: string, start: number, end: number, attrs?: Attrs): void {
    const s: SpanJSON = { name, start: round(start - this.origin), end: round(Math.max(start, end) - this.origin) };
    if (attrs && Object.keys(attrs).length > 0) s.attrs = { ...attrs };
    this.#spans.push(s);
  }

  /** Starts a span now; call the returned function when it ends. */
  begin(name: string, attrs?: Attrs): (endAttrs?: Attrs) => void {
    const start = performance.now();
    return (endAttrs) => this.span(name, start, performance.now(), { ...attrs, ...endAttrs });
  }

  /** Marks the turn failed; the first failure is kept, as later ones usually follow from it. */
  fail(stage: string, message: string, t: number = performance.now()): void {
    this.#failure ??= { stage, message, at: round(t - this.origin) };
  }

  /** Notes a fallback taken (e.g. "TTS: ONNX voice missing, used eSpeak NG"). */
  fallback(note: string, t: number = performance.now()): void {
    this.#fallbacks.push({ note, at: round(t - this.origin) });
  }

  /** Turn-level facts: input kind, language, engine names. Never put customer text here. */
  attr(key: string, value: AttrValue): void {
    this.#attrs[key] = value;
  }

  get failed(): boolean {
    return this.#failure !== undefined;
  }

  durations(): Partial<Record<StageName, number>> {
    return stageDurations(this.#marks);
  }

  toJSON(): TurnTraceJSON {
    const json: TurnTraceJSON = {
      id: this.id,
      startedAt: this.startedAt,
      origin: this.origin,
      marks: { ...this.#marks },
      stages: stageTimings(this.#marks),
      spans: this.#spans.map((s) => ({ ...s })),
      fallbacks: this.#fallbacks.map((f) => ({ ...f })),
      attrs: { ...this.#attrs },
    };
    if (this.#failure) json.failure = { ...this.#failure };
    return json;
  }
}

export interface TelemetrySummary {
  turns: number;
  failed: number;
  withFallback: number;
  /** Every derived stage, with count 0 and null figures when no turn reached it. */
  stages: Record<StageName, Stats>;
  /** Spans grouped by name; a name that repeats within a turn contributes one sample each time. */
  spans: Record<string, Stats>;
}

/** Per-stage median and p95 over traces (stages recomputed from marks, so old stored traces count too). */
export function summarize(traces: readonly TurnTraceJSON[]): TelemetrySummary {
  const perStage = new Map<StageName, number[]>(STAGES.map((s) => [s, []]));
  const perSpan = new Map<string, number[]>();
  for (const t of traces) {
    for (const s of stageTimings(t.marks)) perStage.get(s.stage)?.push(s.ms);
    for (const s of t.spans) {
      const list = perSpan.get(s.name) ?? [];
      list.push(s.end - s.start);
      perSpan.set(s.name, list);
    }
  }
  return {
    turns: traces.length,
    failed: traces.filter((t) => t.failure).length,
    withFallback: traces.filter((t) => t.fallbacks.length > 0).length,
    stages: Object.fromEntries(STAGES.map((s) => [s, describe(perStage.get(s) ?? [])])) as Record<StageName, Stats>,
    spans: Object.fromEntries([...perSpan].map(([name, v]) => [name, describe(v)])),
  };
}

export interface TelemetryStoreOptions {
  /** Turns kept in memory; use `config.telemetry.ringSize`. */
  capacity?: number;
  /** Called with every recorded trace, e.g. `(t) => store.saveTrace(t)`. Failures never break a turn. */
  persist?: (trace: TurnTraceJSON) => unknown;
  /** Where persistence errors go; defaults to console.warn. */
  onPersistError?: (err: unknown) => void;
}

/** The last N traces in memory, with optional persistence and change listeners for the diagnostics view. */
export class TelemetryStore {
  readonly #ring: RingBuffer<TurnTraceJSON>;
  readonly #persist: TelemetryStoreOptions['persist'];
  readonly #onPersistError: (err: unknown) => void;
  readonly #listeners = new Set<(traces: TurnTraceJSON[]) => void>();
  #pending: Promise<unknown>[] = [];

  constructor(opts: TelemetryStoreOptions = {}) {
    this.#ring = new RingBuffer(opts.capacity ?? 200);
    this.#persist = opts.persist;
    this.#onPersistError =
      opts.onPersistError ?? ((err) => console.warn('Turn timings could not be saved; they stay in memory only.', err));
  }

  get size(): number {
    return this.#ring.size;
  }

  get capacity(): number {
    return this.#ring.capacity;
  }

  record(trace: TurnTrace | TurnTraceJSON): TurnTraceJSON {
    const json = trace instanceof TurnTrace ? trace.toJSON() : trace;
    this.#ring.push(json);
    if (this.#persist) {
      const persist = this.#persist;
      const p = Promise.resolve()
        .then(() => persist(json))
        .catch((err: unknown) => this.#onPersistError(err));
      this.#pending.push(p);
      void p.finally(() => {
        this.#pending = this.#pending.filter((x) => x !== p);
      });
    }
    this.#notify();
    return json;
  }

  /** Fills the ring from storage after a reload (oldest first), without persisting again. */
  load(traces: Iterable<TurnTraceJSON>): void {
    for (const t of traces) this.#ring.push(t);
    this.#notify();
  }

  /** Oldest first. */
  traces(): TurnTraceJSON[] {
    return this.#ring.toArray();
  }

  latest(n: number): TurnTraceJSON[] {
    return this.#ring.latest(n);
  }

  summary(): TelemetrySummary {
    return summarize(this.#ring.toArray());
  }

  clear(): void {
    this.#ring.clear();
    this.#notify();
  }

  /** Resolves when every persist call started so far has settled. */
  async flush(): Promise<void> {
    await Promise.all(this.#pending);
  }

  /** JSON for "export metrics": traces and their summary, no customer text. */
  export(): string {
    const traces = this.traces();
    return JSON.stringify({ exportedAt: new Date().toISOString(), summary: summarize(traces), traces }, null, 2);
  }

  subscribe(listener: (traces: TurnTraceJSON[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #notify(): void {
    if (this.#listeners.size === 0) return;
    const traces = this.traces();
    for (const l of this.#listeners) l(traces);
  }
}
