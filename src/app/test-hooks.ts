/**
 * Read-only observation points for the end-to-end tests and the benchmark (window.__va): the same objects
 * the app uses, so tests see real behaviour (rendered audio, recorded traces), not a test double.
 */
import type { PlaybackQueue } from '../audio/playback.ts';
import type { AppConfig } from '../config/config.ts';
import type { Conversation } from '../pipeline/conversation.ts';
import type { VoiceLoop } from '../pipeline/voice-loop.ts';
import type { VoiceStore } from '../storage/db.ts';
import type { TelemetryStore } from '../telemetry/spans.ts';
import type { SttWorkerApi } from '../../workers/stt.worker.ts';
import type { WorkerHost } from '../pipeline/worker-host.ts';
import type { SyncWiring } from './sync.ts';

interface Restartable {
  readonly restarts: number;
  kill(reason?: string): void;
}

export interface TestHookDeps {
  conversation: Conversation;
  voice: VoiceLoop;
  player: PlaybackQueue;
  telemetry: TelemetryStore;
  store?: VoiceStore;
  config: () => AppConfig;
  registration: Promise<boolean>;
  agent: Restartable;
  tts: Restartable;
  stt: WorkerHost<SttWorkerApi>;
  vad: Restartable;
  sync: () => SyncWiring | undefined;
}

export type TestHooks = ReturnType<typeof createHooks>;

export function exposeTestHooks(d: TestHookDeps): void {
  (globalThis as unknown as { __va: TestHooks }).__va = createHooks(d);
}

function createHooks(d: TestHookDeps) {
  return {
    ready: true,
    state: () => d.conversation.state,
    busy: () => d.conversation.busy,
    tap: () => d.player.tapStats(),
    resetTap: () => d.player.resetTap(),
    traces: () => d.telemetry.traces(),
    vadLog: () => d.voice.log,
    partials: () => d.voice.partials,
    config: () => d.config(),
    offlineReady: d.registration,
    conversations: () => d.store?.listConversations() ?? Promise.resolve([]),
    /** Transcribes 16 kHz samples with the app's own STT worker (the STT benchmark uses it). */
    transcribe: (samples: number[], lang?: 'hi' | 'en') => d.stt.call((api) => api.transcribe(Float32Array.from(samples), lang)),
    /** Memory by context (page, each worker), where the browser allows measuring it (cross-origin isolated). */
    memory: () => (performance as Performance & { measureUserAgentSpecificMemory?: () => Promise<unknown> }).measureUserAgentSpecificMemory?.(),
    restarts: () => ({ agent: d.agent.restarts, tts: d.tts.restarts, stt: d.stt.restarts, vad: d.vad.restarts }),
    /** Simulates a crashed worker, to check that the next turn restarts it. */
    killWorker: (name: 'agent' | 'tts' | 'stt' | 'vad') => d[name].kill('killed by test'),
    /** The sync worker's status (installed bundles, downloads, enrolment) and the bundles the engines load. */
    syncStatus: () => d.sync()?.status(),
    activeSources: () => d.sync()?.sources,
    checkForUpdates: () => d.sync()?.host.call((api) => api.checkNow()),
  };
}
