import { describe, expect, it } from 'vitest';
import {
  fromOtherClock,
  percentile,
  stageTimings,
  summarize,
  TelemetryStore,
  TurnTrace,
  type TurnTraceJSON,
} from '../../src/telemetry/spans.ts';

/** A full voice turn with origin 1000 (speech start) and fixed milestone times. */
function voiceTurn(id: string, scale = 1): TurnTrace {
  const t = new TurnTrace(id, 1000, 1_700_000_000_000);
  const at = (ms: number) => 1000 + ms * scale;
  t.mark('speech-end', at(1500));
  t.mark('endpoint', at(1780));
  t.mark('transcript', at(1980));
  t.mark('retrieval-done', at(2010));
  t.mark('first-reply-text', at(2030));
  t.mark('first-tts-audio', at(2280));
  t.mark('first-audio-played', at(2300));
  t.mark('reply-done', at(4000));
  return t;
}

describe('TurnTrace', () => {
  it('derives stage durations from the milestones', () => {
    expect(voiceTurn('a').durations()).toEqual({
      endpointing: 280,
      stt: 200,
      retrieval: 30,
      reply: 20,
      tts: 250,
      playback: 20,
      'voice-to-voice': 800,
      total: 4000,
    });
  });

  it('keeps the first mark of a milestone and reports repeats', () => {
    const t = new TurnTrace('b', 0);
    expect(t.mark('first-tts-audio', 100)).toBe(true);
    expect(t.mark('first-tts-audio', 400)).toBe(false);
    expect(t.toJSON().marks['first-tts-audio']).toBe(100);
  });

  it('leaves out stages whose ends were not both marked, and falls back to the transcript for reply', () => {
    // A typed turn: no speech milestones, no retrieval.
    const t = new TurnTrace('typed', 50);
    t.mark('transcript', 50);
    t.mark('first-reply-text', 90);
    t.mark('reply-done', 300);
    expect(t.durations()).toEqual({ reply: 40, total: 250 });
  });

  it('serialises spans, fallbacks, the first failure and attributes relative to the origin', () => {
    const t = new TurnTrace('c', 200, 5);
    t.span('tts-sentence', 400, 650, { index: 0, chars: 42 });
    t.span('backwards', 700, 690);
    t.fallback('TTS voice missing, used eSpeak NG', 380);
    t.fail('stt', 'model returned no text', 500);
    t.fail('reply', 'follows from the first', 600);
    t.attr('input', 'voice');
    const json: TurnTraceJSON = JSON.parse(JSON.stringify(t));
    expect(json).toEqual({
      id: 'c',
      startedAt: 5,
      origin: 200,
      marks: {},
      stages: [],
      spans: [
        { name: 'tts-sentence', start: 200, end: 450, attrs: { index: 0, chars: 42 } },
        { name: 'backwards', start: 500, end: 500 },
      ],
      fallbacks: [{ note: 'TTS voice missing, used eSpeak NG', at: 180 }],
      failure: { stage: 'stt', message: 'model returned no text', at: 300 },
      attrs: { input: 'voice' },
    });
    expect(t.failed).toBe(true);
  });

  it('times a span with begin() on the real clock', async () => {
    const t = new TurnTrace('d');
    const end = t.begin('wait', { kind: 'timer' });
    await new Promise((r) => setTimeout(r, 30));
    end({ ok: true });
    const [span] = t.toJSON().spans;
    if (!span) throw new Error('begin() recorded no span');
    expect(span.end - span.start).toBeGreaterThanOrEqual(25);
    expect(span.attrs).toEqual({ kind: 'timer', ok: true });
  });

  it('converts another thread clock with both time origins', () => {
    expect(fromOtherClock(10, performance.timeOrigin + 500)).toBeCloseTo(510, 6);
  });
});

describe('percentile', () => {
  it('interpolates between ranks like numpy', () => {
    const v = [15, 20, 35, 40, 50];
    expect(percentile(v, 0)).toBe(15);
    expect(percentile(v, 50)).toBe(35);
    expect(percentile(v, 100)).toBe(50);
    expect(percentile(v, 40)).toBe(29); // rank 1.6 → 20 + 0.6·15
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([...Array(100).keys()].map((i) => i + 1), 95)).toBeCloseTo(95.05, 10);
  });

  it('is independent of input order and ignores non-finite values', () => {
    expect(percentile([50, 15, Number.NaN, 40, 35, 20], 50)).toBe(35);
  });

  it('returns NaN with no values and rejects p outside 0–100', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(/between 0 and 100/);
  });
});

describe('summarize', () => {
  it('gives per-stage median and p95 over traces, and null for stages never reached', () => {
    const traces = [1, 2, 3, 4].map((s) => voiceTurn(`t${s}`, s).toJSON());
    const typed = new TurnTrace('typed', 0);
    typed.mark('transcript', 0);
    typed.mark('first-reply-text', 10);
    typed.fallback('no retrieval index, templates only', 1);
    traces.push(typed.toJSON());
    const failed = new TurnTrace('f', 0);
    failed.fail('stt', 'boom', 5);
    traces.push(failed.toJSON());

    const s = summarize(traces);
    expect(s.turns).toBe(6);
    expect(s.failed).toBe(1);
    expect(s.withFallback).toBe(1);
    // endpointing is 280·scale for scales 1..4: 280, 560, 840, 1120.
    expect(s.stages.endpointing).toEqual({ count: 4, median: 700, p95: percentile([280, 560, 840, 1120], 95), min: 280, max: 1120 });
    expect(s.stages.endpointing.p95).toBeCloseTo(1078, 6);
    // reply: 20·scale plus the typed turn's 10.
    expect(s.stages.reply.count).toBe(5);
    expect(s.stages.reply.median).toBe(40);
    expect(summarize([]).stages.stt).toEqual({ count: 0, median: null, p95: null, min: null, max: null });
  });

  it('recomputes stages from marks rather than trusting stored stages', () => {
    const json = voiceTurn('x').toJSON();
    json.stages = [];
    expect(summarize([json]).stages.stt.median).toBe(200);
    expect(stageTimings(json.marks)[0]).toEqual({ stage: 'endpointing', start: 1500, end: 1780, ms: 280 });
  });

  it('groups spans by name, one sample per occurrence', () => {
    const t = new TurnTrace('s', 0);
    t.span('tts-sentence', 0, 100);
    t.span('tts-sentence', 100, 300);
    t.span('tts-sentence', 300, 600);
    expect(summarize([t.toJSON()]).spans['tts-sentence']).toMatchObject({ count: 3, median: 200, min: 100, max: 300 });
  });
});

describe('TelemetryStore', () => {
  it('keeps only the last N traces and summarises them', () => {
    const store = new TelemetryStore({ capacity: 3 });
    for (let i = 1; i <= 5; i++) store.record(voiceTurn(`t${i}`, i));
    expect(store.traces().map((t) => t.id)).toEqual(['t3', 't4', 't5']);
    expect(store.latest(1)[0]?.id).toBe('t5');
    expect(store.summary().stages.stt.median).toBe(800); // 200·4
  });

  it('persists each trace, reports persistence errors without throwing, and flushes', async () => {
    const saved: string[] = [];
    const errors: unknown[] = [];
    const store = new TelemetryStore({
      persist: async (t) => {
        if (t.id === 'bad') throw new Error('quota');
        saved.push(t.id);
      },
      onPersistError: (e) => errors.push(e),
    });
    store.record(voiceTurn('ok'));
    store.record(voiceTurn('bad'));
    await store.flush();
    expect(saved).toEqual(['ok']);
    expect(errors).toHaveLength(1);
    expect(store.size).toBe(2);
  });

  it('notifies subscribers; load() fills without persisting', async () => {
    let persisted = 0;
    const store = new TelemetryStore({ persist: () => persisted++ });
    const seen: number[] = [];
    const off = store.subscribe((t) => seen.push(t.length));
    store.load([voiceTurn('a').toJSON(), voiceTurn('b').toJSON()]);
    store.record(voiceTurn('c'));
    off();
    store.record(voiceTurn('d'));
    expect(seen).toEqual([2, 3]);
    const exported = JSON.parse(store.export());
    expect(exported.traces).toHaveLength(4);
    expect(exported.summary.turns).toBe(4);
    store.clear();
    expect(store.size).toBe(0);
    await store.flush();
    expect(persisted).toBe(2);
  });
});
