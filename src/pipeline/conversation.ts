/**
 * The conversation loop on the main thread: one turn at a time from question to spoken answer, streaming
 * sentence by sentence (agent worker → TTS worker → playback queue), with barge-in and per-turn spans.
 */
import * as Comlink from 'comlink';
import type { AgentEvent, Citation } from '../agent/types.ts';
import type { AppConfig } from '../config/config.ts';
import type { InputLang, Lang } from '../config/lang.ts';
import type { PcmChunk } from '../speech/tts-types.ts';
import { TurnTrace, type TelemetryStore } from '../telemetry/spans.ts';
import type { AgentWorkerApi } from '../../workers/agent.worker.ts';
import type { TtsWorkerApi } from '../../workers/tts.worker.ts';
import type { WorkerHost } from './worker-host.ts';

export type TurnState = 'idle' | 'listening' | 'thinking' | 'speaking';

/** What the conversation needs from the playback queue (src/audio/playback.ts). */
export interface Player {
  enqueue(chunk: PcmChunk): void;
  stop(): void;
  readonly speaking: boolean;
  onFirstSample?: (t: number) => void;
  onIdle?: () => void;
}

/** How the conversation shows itself; the app view implements it. */
export interface ConversationUi {
  state(state: TurnState, lang: Lang): void;
  customer(text: string, lang: string): void;
  agentStart(lang: Lang): { append(sentence: string): void; finish(citations: Citation[], note?: string): void; fail(message: string): void };
  error(message: string): void;
}

export interface TurnRecord {
  role: 'customer' | 'agent';
  text: string;
  lang: InputLang;
  citations?: Citation[];
}

export interface ConversationDeps {
  agent: WorkerHost<AgentWorkerApi>;
  tts: WorkerHost<TtsWorkerApi>;
  player: Player;
  telemetry: TelemetryStore;
  config: () => AppConfig;
  ui: ConversationUi;
  /** Stores a turn (the store redacts it). Failures are reported but never stop the conversation. */
  save?: (turn: TurnRecord) => Promise<void>;
}

interface ActiveTurn {
  id: string;
  trace: TurnTrace;
  cancelled: boolean;
  lang: Lang;
  agentDone: boolean;
  /** Sentences still being synthesized or queued. */
  pendingAudio: number;
  tts: Promise<void>;
  finish: () => void;
}

export class InputError extends Error {
  override name = 'InputError';
}

export class Conversation {
  private turn?: ActiveTurn;
  private stateValue: TurnState = 'idle';
  private lastLang: Lang = 'en';
  /** Tells a voice loop to go back to listening when a reply ends. */
  listeningAfterReply = false;

  constructor(private readonly deps: ConversationDeps) {
    deps.player.onFirstSample = (t) => this.turn?.trace.mark('first-audio-played', t);
    deps.player.onIdle = () => this.maybeFinish();
  }

  get state(): TurnState {
    return this.stateValue;
  }

  get busy(): boolean {
    return this.turn !== undefined;
  }

  setState(state: TurnState): void {
    this.stateValue = state;
    this.deps.ui.state(state, this.lastLang);
  }

  /** Checks a typed or transcribed question; throws InputError with a message for the customer. */
  validate(text: string): string {
    const clean = text.replace(/\s+/g, ' ').trim();
    if (!clean) throw new InputError('Please type or say a question first.');
    const max = this.deps.config().maxInputChars;
    if (clean.length > max) {
      throw new InputError(`That question is too long (${clean.length} characters). Please keep it under ${max} characters.`);
    }
    return clean;
  }

  /**
   * Answers one question out loud. `trace` carries the spans of a spoken turn (speech end, endpoint,
   * transcript); a typed turn starts its trace here. Resolves when the reply has finished playing,
   * was interrupted, or failed.
   */
  async ask(rawText: string, trace?: TurnTrace): Promise<TurnTrace> {
    let text: string;
    try {
      text = this.validate(rawText);
    } catch (e) {
      this.deps.ui.error((e as Error).message);
      throw e;
    }
    this.interrupt('new question');
    const t = trace ?? new TurnTrace(crypto.randomUUID());
    if (!trace) {
      t.attr('input', 'typed');
      t.mark('transcript', t.origin);
    }
    const pref = this.deps.config().language;
    const requestLang = pref === 'auto' ? undefined : pref;
    const done = new Promise<void>((resolve) => {
      this.turn = {
        id: t.id, trace: t, cancelled: false, lang: requestLang ?? this.lastLang,
        agentDone: false, pendingAudio: 0, tts: Promise.resolve(), finish: resolve,
      };
    });
    const turn = this.turn as unknown as ActiveTurn;
    this.deps.ui.customer(text, /[\u0900-\u097F]/.test(text) ? 'hi' : 'en');
    let customerSaved = false;
    /** Stored once, with the language the agent detected (or the selector's, if the agent never answered). */
    const saveCustomer = (lang: InputLang) => {
      if (customerSaved) return;
      customerSaved = true;
      void this.deps.save?.({ role: 'customer', text, lang }).catch((e: unknown) => this.reportSaveError(e));
    };
    this.setState('thinking');

    let bubble: ReturnType<ConversationUi['agentStart']> | undefined;
    let citations: Citation[] = [];
    const onEvent = (e: AgentEvent) => {
      if (turn.cancelled) return;
      switch (e.type) {
        case 'meta':
          saveCustomer(e.detected);
          t.mark('retrieval-done');
          t.attr('lang', e.lang);
          t.attr('detected', e.detected);
          if (e.tool) t.attr('tool', e.tool);
          turn.lang = e.lang;
          this.lastLang = e.lang;
          citations = e.citations;
          t.attr('handoff', e.handoff);
          bubble = this.deps.ui.agentStart(e.lang);
          break;
        case 'sentence':
          t.mark('first-reply-text');
          bubble?.append(e.text);
          this.speak(turn, e.speech);
          break;
        case 'done':
          // The turn ends on this event, not when ask() returns: comlink delivers callbacks on their own
          // channel, so the call can resolve before the last sentences have arrived.
          turn.agentDone = true;
          bubble?.finish(citations);
          void this.deps.save?.({ role: 'agent', text: e.text, lang: turn.lang, citations }).catch((err: unknown) => this.reportSaveError(err));
          this.maybeFinish();
          break;
      }
    };

    try {
      await this.deps.agent.call((api) => api.ask(t.id, { text, lang: requestLang }, Comlink.proxy(onEvent)));
    } catch (e) {
      saveCustomer(requestLang ?? this.lastLang);
      const message = `Sorry, I could not answer that: ${(e as Error).message}`;
      t.fail('agent', (e as Error).message);
      if (bubble) bubble.fail(message);
      else this.deps.ui.agentStart(turn.lang).fail(message);
      turn.agentDone = true;
      this.end(turn);
    }
    await done;
    return t;
  }

  /** Stops the reply in progress now: playback, queued synthesis and the agent's stream (barge-in). */
  interrupt(reason: string, onset?: number): boolean {
    const turn = this.turn;
    if (!turn) return false;
    turn.cancelled = true;
    this.deps.player.stop();
    const stoppedAt = performance.now();
    if (onset !== undefined) turn.trace.span('barge-in', onset, stoppedAt, { reason });
    turn.trace.attr('interrupted', reason);
    void this.deps.agent.call((api) => api.cancel(turn.id)).catch(() => undefined);
    this.end(turn);
    return true;
  }

  private speak(turn: ActiveTurn, sentence: string): void {
    turn.pendingAudio += 1;
    // Synthesis is chained so sentences play in order; the TTS worker works on the next while one plays.
    turn.tts = turn.tts.then(async () => {
      if (turn.cancelled) return;
      const start = performance.now();
      try {
        const pcm = await this.deps.tts.call((api) => api.synthesize(sentence, turn.lang));
        turn.trace.span('tts-sentence', start, performance.now(), { chars: sentence.length });
        turn.trace.mark('first-tts-audio');
        if (turn.cancelled) return;
        if (this.stateValue !== 'speaking') this.setState('speaking');
        this.deps.player.enqueue(pcm);
      } catch (e) {
        turn.trace.fail('tts', (e as Error).message);
        this.deps.ui.error(`The answer is on screen, but it could not be spoken: ${(e as Error).message}`);
      } finally {
        turn.pendingAudio -= 1;
        this.maybeFinish();
      }
    });
  }

  private maybeFinish(): void {
    const turn = this.turn;
    if (!turn || !turn.agentDone || turn.pendingAudio > 0 || this.deps.player.speaking) return;
    turn.trace.mark('reply-done');
    this.end(turn);
  }

  private end(turn: ActiveTurn): void {
    if (this.turn !== turn) return;
    this.turn = undefined;
    this.deps.telemetry.record(turn.trace);
    this.setState(this.listeningAfterReply ? 'listening' : 'idle');
    turn.finish();
  }

  private reportSaveError(e: unknown): void {
    this.deps.ui.error(`${(e as Error).message}`);
  }
}
