/**
 * Conversational endpointing: turns per-frame speech probabilities into turn events.
 *
 * Hand-written rather than vad-web's FrameProcessor because that one does not fit a sub-second turn loop:
 * it knows no sample positions (we need exact onset/end times for barge-in and latency spans), its
 * SpeechEnd audio always includes the whole redemption (hangover) period and it cannot say where speech
 * really ended, frames between the two thresholds neither extend speech nor count as silence, and it
 * measures min speech in "frames above threshold" rather than duration. The hysteresis rules below follow
 * silero-vad's own get_speech_timestamps (start at ≥ positive, silence timer from the first frame
 * < negative, only a frame ≥ positive cancels it).
 */

export interface EndpointerConfig {
  /** A frame at or above this probability is speech; the first one starts a turn. */
  positiveSpeechThreshold: number;
  /** Below this a frame is silence; between the two thresholds speech continues but does not restart. */
  negativeSpeechThreshold: number;
  /** Silence after speech before the turn ends (rounded to whole frames, at least one). */
  hangoverMs: number;
  /** Audio kept from before the onset and put in front of the segment. */
  preRollMs: number;
  /** Audio kept after the last speech frame at the end of the segment (never more than the hangover). */
  postRollMs: number;
  /** Shorter bursts (onset to last speech frame) are misfires, not turns. */
  minSpeechMs: number;
  /** A turn this long is cut (reason "max-length") so STT never gets an unbounded segment. */
  maxSpeechMs: number;
}

export const DEFAULT_ENDPOINTER_CONFIG: Readonly<EndpointerConfig> = {
  positiveSpeechThreshold: 0.5,
  negativeSpeechThreshold: 0.35,
  hangoverMs: 280,
  preRollMs: 300,
  postRollMs: 100,
  minSpeechMs: 250,
  maxSpeechMs: 30_000,
};

export interface SpeechSegment {
  /** Onset: first sample of the first frame at or above the positive threshold. */
  startSample: number;
  /** End of the last speech frame; the hangover is not included. */
  endSample: number;
  /** Where `audio` begins (startSample minus the pre-roll that was available). */
  audioStartSample: number;
  /** Pre-roll + speech + post-roll, mono at the capture rate. */
  audio: Float32Array;
  sampleRate: number;
  reason: 'silence' | 'max-length' | 'flush';
}

/** `atSample` is when the event was decided: the end of the frame that caused it. */
export type VadEvent =
  | { type: 'speech-start'; atSample: number; startSample: number }
  | { type: 'speech-confirmed'; atSample: number; startSample: number }
  | { type: 'speech-end'; atSample: number; segment: SpeechSegment }
  | { type: 'misfire'; atSample: number; startSample: number; endSample: number };

interface Frame {
  start: number;
  samples: Float32Array;
}

export function validateEndpointerConfig(c: EndpointerConfig): void {
  const bad = (msg: string) => new RangeError(`Invalid VAD setting: ${msg}.`);
  if (!(c.positiveSpeechThreshold > 0 && c.positiveSpeechThreshold <= 1)) throw bad('positiveSpeechThreshold must be in (0, 1]');
  if (!(c.negativeSpeechThreshold >= 0 && c.negativeSpeechThreshold <= c.positiveSpeechThreshold)) {
    throw bad('negativeSpeechThreshold must be between 0 and positiveSpeechThreshold');
  }
  for (const k of ['hangoverMs', 'preRollMs', 'postRollMs', 'minSpeechMs', 'maxSpeechMs'] as const) {
    if (!(c[k] >= 0) || !Number.isFinite(c[k])) throw bad(`${k} must be a finite number ≥ 0 (got ${c[k]})`);
  }
  if (c.maxSpeechMs <= c.minSpeechMs) throw bad('maxSpeechMs must be greater than minSpeechMs');
}

export class Endpointer {
  private config: EndpointerConfig;
  private speaking = false;
  private confirmed = false;
  private onset = 0;
  /** End of the last frame that kept the turn alive (≥ positive, or between thresholds with no gap). */
  private lastSpeechEnd = 0;
  /** Frames before the onset (bounded by pre-roll) while idle; the whole turn while speaking. */
  private frames: Frame[] = [];

  constructor(config: Partial<EndpointerConfig> = {}, readonly sampleRate = 16000) {
    this.config = { ...DEFAULT_ENDPOINTER_CONFIG, ...config };
    validateEndpointerConfig(this.config);
  }

  get settings(): Readonly<EndpointerConfig> {
    return this.config;
  }

  get inSpeech(): boolean {
    return this.speaking;
  }

  /** Changes take effect from the next frame; a turn in progress continues under the new rules. */
  setConfig(update: Partial<EndpointerConfig>): void {
    const next = { ...this.config, ...update };
    validateEndpointerConfig(next);
    this.config = next;
  }

  private samples(ms: number): number {
    return Math.round((ms * this.sampleRate) / 1000);
  }

  /** One frame's probability and audio; `start` is the frame's first sample index in the capture stream. */
  push(probability: number, samples: Float32Array, start: number): VadEvent[] {
    const c = this.config;
    const end = start + samples.length;
    const events: VadEvent[] = [];
    const isSpeech = probability >= c.positiveSpeechThreshold;

    if (!this.speaking) {
      if (!isSpeech) {
        this.frames.push({ start, samples });
        this.trimPreRoll(start);
        return events;
      }
      this.trimPreRoll(start);
      this.speaking = true;
      this.confirmed = false;
      this.onset = start;
      this.lastSpeechEnd = end;
      this.frames.push({ start, samples });
      events.push({ type: 'speech-start', atSample: end, startSample: start });
    } else {
      this.frames.push({ start, samples });
      if (isSpeech) this.lastSpeechEnd = end;
      // Between the thresholds: speech goes on only if it was going on right up to this frame.
      else if (probability >= c.negativeSpeechThreshold && this.lastSpeechEnd === start) this.lastSpeechEnd = end;
    }

    if (!this.confirmed && this.lastSpeechEnd - this.onset >= this.samples(c.minSpeechMs)) {
      this.confirmed = true;
      events.push({ type: 'speech-confirmed', atSample: end, startSample: this.onset });
    }

    const silence = end - this.lastSpeechEnd;
    // Whole frames nearest to the hangover, at least one silent frame.
    if (silence > 0 && silence >= this.samples(c.hangoverMs) - samples.length / 2) events.push(this.endTurn(end, 'silence'));
    else if (end - this.onset >= this.samples(c.maxSpeechMs)) {
      this.lastSpeechEnd = end;
      events.push(this.endTurn(end, 'max-length'));
    }
    return events;
  }

  /** Ends a turn in progress now (end of stream, or the app stops listening). */
  flush(atSample: number): VadEvent[] {
    return this.speaking ? [this.endTurn(atSample, 'flush')] : [];
  }

  reset(): void {
    this.speaking = false;
    this.confirmed = false;
    this.frames = [];
  }

  private trimPreRoll(before: number): void {
    const keepFrom = before - this.samples(this.config.preRollMs);
    while (this.frames.length > 0 && this.frames[0]!.start + this.frames[0]!.samples.length <= keepFrom) this.frames.shift();
  }

  private endTurn(atSample: number, reason: SpeechSegment['reason']): VadEvent {
    const c = this.config;
    const startSample = this.onset;
    const endSample = this.lastSpeechEnd;
    const frames = this.frames;
    this.speaking = false;
    this.confirmed = false;
    // The frames after the speech are the pre-roll of whatever comes next.
    this.frames = frames.filter((f) => f.start + f.samples.length > endSample);
    this.trimPreRoll(atSample);

    if (endSample - startSample < this.samples(c.minSpeechMs) && reason !== 'max-length') {
      return { type: 'misfire', atSample, startSample, endSample };
    }
    const preRollStart = startSample - this.samples(c.preRollMs);
    const kept = frames.filter((f) => f.start + f.samples.length > preRollStart);
    const audioStartSample = Math.max(preRollStart, kept[0]?.start ?? startSample);
    const audioEnd = Math.min(endSample + this.samples(c.postRollMs), atSample);
    const audio = new Float32Array(Math.max(0, audioEnd - audioStartSample));
    for (const f of kept) {
      // Copy the part of each frame inside [audioStartSample, audioEnd).
      const from = Math.max(0, audioStartSample - f.start);
      const to = Math.min(f.samples.length, audioEnd - f.start);
      if (to > from) audio.set(f.samples.subarray(from, to), f.start + from - audioStartSample);
    }
    return {
      type: 'speech-end',
      atSample,
      segment: { startSample, endSample, audioStartSample, audio, sampleRate: this.sampleRate, reason },
    };
  }
}
