import { describe, expect, it } from 'vitest';
import { Endpointer, type EndpointerConfig, type VadEvent } from '../../src/speech/vad/endpointer.ts';

const F = 512;
/** Frame k filled with the value k, so audio slices can be checked by content. */
const frame = (k: number) => new Float32Array(F).fill(k);

function run(probs: number[], config: Partial<EndpointerConfig> = {}) {
  const ep = new Endpointer(config);
  const events: Array<VadEvent & { frame: number }> = [];
  probs.forEach((p, k) => ep.push(p, frame(k), k * F).forEach((e) => events.push({ ...e, frame: k })));
  return { ep, events };
}

const S = 0.9; // speech
const Q = 0.05; // quiet
const M = 0.4; // between the default thresholds (0.35 … 0.5)
const seq = (...parts: Array<[number, number]>) => parts.flatMap(([p, n]) => Array<number>(n).fill(p));

describe('Endpointer', () => {
  it('starts on the first frame at or above the positive threshold (barge-in within one frame)', () => {
    const { events } = run(seq([Q, 20], [S, 1]));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'speech-start', startSample: 20 * F, atSample: 21 * F, frame: 20 });
  });

  it('ends after the hangover, rounded to whole frames, with endSample at the last speech frame', () => {
    // 300 ms = 9.4 frames → 9 silent frames; the turn ends on the 9th.
    const { events } = run(seq([Q, 10], [S, 20], [Q, 30]), { hangoverMs: 300 });
    const end = events.find((e) => e.type === 'speech-end');
    expect(end?.frame).toBe(10 + 20 + 8);
    if (end?.type !== 'speech-end') throw new Error('no speech-end');
    expect(end.segment.startSample).toBe(10 * F);
    expect(end.segment.endSample).toBe(30 * F);
    expect(end.atSample - end.segment.endSample).toBe(9 * F);
    expect(events.map((e) => e.type)).toEqual(['speech-start', 'speech-confirmed', 'speech-end']);
  });

  it('confirms once the speech reaches minSpeechMs', () => {
    const { events } = run(seq([Q, 2], [S, 12]), { minSpeechMs: 250 }); // 250 ms = 7.8 frames → 8th frame
    const c = events.find((e) => e.type === 'speech-confirmed');
    expect(c?.frame).toBe(2 + 7);
  });

  it('a burst shorter than minSpeechMs is a misfire, not a segment', () => {
    const { events } = run(seq([Q, 5], [S, 3], [Q, 20]), { minSpeechMs: 250, hangoverMs: 200 });
    expect(events.map((e) => e.type)).toEqual(['speech-start', 'misfire']);
    expect(events[1]).toMatchObject({ startSample: 5 * F, endSample: 8 * F });
  });

  it('frames between the thresholds extend speech only while it is continuous, and do not cancel the hangover', () => {
    // speech, 3 in-between frames (still speech), then silence → end counted from after the in-between run.
    const a = run(seq([Q, 2], [S, 10], [M, 3], [Q, 20]), { hangoverMs: 160 });
    const endA = a.events.find((e) => e.type === 'speech-end');
    if (endA?.type !== 'speech-end') throw new Error('no speech-end');
    expect(endA.segment.endSample).toBe(15 * F);
    // speech, silence, then in-between frames: the timer keeps running through them.
    const b = run(seq([Q, 2], [S, 10], [Q, 2], [M, 10]), { hangoverMs: 160 });
    const endB = b.events.find((e) => e.type === 'speech-end');
    if (endB?.type !== 'speech-end') throw new Error('no speech-end');
    expect(endB.segment.endSample).toBe(12 * F);
    expect(endB.atSample).toBe(17 * F);
    // only a frame at or above the positive threshold cancels the running hangover
    const c = run(seq([Q, 2], [S, 10], [Q, 3], [S, 5], [Q, 20]), { hangoverMs: 160 });
    expect(c.events.filter((e) => e.type === 'speech-end')).toHaveLength(1);
  });

  it('segment audio = pre-roll + speech + post-roll, taken from the right frames', () => {
    const { events } = run(seq([Q, 30], [S, 20], [Q, 20]), { preRollMs: 96, postRollMs: 64, hangoverMs: 320 });
    const end = events.find((e) => e.type === 'speech-end');
    if (end?.type !== 'speech-end') throw new Error('no speech-end');
    const { audio, audioStartSample, startSample, endSample } = end.segment;
    expect(audioStartSample).toBe(startSample - 3 * F);
    expect(audio.length).toBe(endSample + 2 * F - audioStartSample);
    expect(audio[0]).toBe(27); // first pre-roll frame
    expect(audio[3 * F]).toBe(30); // onset frame
    expect(audio.at(-1)).toBe(51); // last post-roll frame
  });

  it('pre-roll is limited to the audio that exists (onset right at the start of the stream)', () => {
    const { events } = run(seq([Q, 1], [S, 20], [Q, 20]));
    const end = events.find((e) => e.type === 'speech-end');
    if (end?.type !== 'speech-end') throw new Error('no speech-end');
    expect(end.segment.audioStartSample).toBe(0);
    expect(end.segment.audio[0]).toBe(0);
  });

  it('cuts a turn at maxSpeechMs and starts the next one straight away', () => {
    const { events } = run(seq([S, 100]), { maxSpeechMs: 1000, minSpeechMs: 100 });
    const ends = events.filter((e) => e.type === 'speech-end');
    expect(ends.length).toBe(3);
    if (ends[0]?.type !== 'speech-end') throw new Error('no speech-end');
    expect(ends[0].segment.reason).toBe('max-length');
    expect(ends[0].segment.endSample - ends[0].segment.startSample).toBe(32 * F); // 1000 ms → 31.25 frames → 32
    expect(events.filter((e) => e.type === 'speech-start')).toHaveLength(4);
  });

  it('flush ends a turn in progress; reset forgets it', () => {
    const a = run(seq([Q, 3], [S, 20]));
    const flushed = a.ep.flush(23 * F);
    expect(flushed[0]).toMatchObject({ type: 'speech-end', segment: { reason: 'flush', endSample: 23 * F } });
    const b = run(seq([Q, 3], [S, 20]));
    b.ep.reset();
    expect(b.ep.flush(23 * F)).toEqual([]);
  });

  it('rejects inconsistent settings with a message naming the setting', () => {
    expect(() => new Endpointer({ negativeSpeechThreshold: 0.8, positiveSpeechThreshold: 0.5 })).toThrow(/negativeSpeechThreshold/);
    expect(() => new Endpointer().setConfig({ hangoverMs: -1 })).toThrow(/hangoverMs/);
    expect(() => new Endpointer({ maxSpeechMs: 100 })).toThrow(/maxSpeechMs/);
  });
});
