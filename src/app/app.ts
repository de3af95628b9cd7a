/**
 * Wires the app together: configuration, storage, the workers, the conversation loop, the voice loop, the
 * service worker and the screen. Everything the turn does happens in src/pipeline and the workers.
 */
import { Workbox } from 'workbox-window';
import { PlaybackQueue } from '../audio/playback.ts';
import { resolveConfig, type AppConfig } from '../config/config.ts';
import { Conversation, InputError } from '../pipeline/conversation.ts';
import { VoiceLoop } from '../pipeline/voice-loop.ts';
import { WorkerHost } from '../pipeline/worker-host.ts';
import type { BundleKind } from '../bundles/metadata.ts';
import { openStore, type VoiceStore } from '../storage/db.ts';
import type { SwMessage } from '../sw/messages.ts';
import { DEFAULT_ESPEAK_OPTIONS } from '../speech/tts/espeak.ts';
import { TelemetryStore } from '../telemetry/spans.ts';
import type { AgentWorkerApi } from '../../workers/agent.worker.ts';
import type { SttWorkerApi } from '../../workers/stt.worker.ts';
import type { TtsWorkerApi } from '../../workers/tts.worker.ts';
import type { VadWorkerApi } from '../../workers/vad.worker.ts';
import { renderDiagnostics } from './diagnostics.ts';
import { KIND_LABEL } from './models-screen.ts';
import { startSync, type SyncWiring } from './sync.ts';
import { ConversationView } from './view.ts';
import { exposeTestHooks } from './test-hooks.ts';

function checkPlatform(): string | null {
  if (typeof WebAssembly !== 'object') {
    return 'This browser cannot run the assistant (WebAssembly is turned off or missing). Please use a recent Chrome, Edge, Safari or Firefox.';
  }
  if (typeof Worker !== 'function') return 'This browser cannot run background workers, which the assistant needs. Please update the browser.';
  return null;
}

export async function startApp(mount: HTMLElement): Promise<void> {
  const fatal = checkPlatform();
  if (fatal) throw new Error(fatal);

  let store: VoiceStore | undefined;
  let storeError: string | undefined;
  // Mode and ring size decide how the store is opened, before the saved settings can be read from it.
  const fromUrl = resolveConfig({ url: location.search }).config;
  try {
    store = await openStore({ mode: fromUrl.mode, metricsCap: fromUrl.telemetry.ringSize });
  } catch (e) {
    storeError = (e as Error).message;
  }
  const resolved = resolveConfig({ url: location.search, saved: await store?.getSettings().catch(() => undefined) });
  let config: AppConfig = resolved.config;
  const telemetry = new TelemetryStore({
    capacity: config.telemetry.ringSize,
    persist: store && config.telemetry.persist ? (t) => store.saveTrace(t) : undefined,
  });
  if (store) telemetry.load(await store.listTraces().catch(() => []));

  let conversationId = crypto.randomUUID();
  const player = new PlaybackQueue();

  // Which installed bundle each engine loads: set once the sync worker has installed (or found) them.
  let sync: SyncWiring | undefined;
  const source = (kind: BundleKind) => {
    const ref = sync?.sources[kind];
    if (!ref) throw new Error(`No ${KIND_LABEL[kind].toLowerCase()} model is installed on this device yet. Wait for the models to install (progress at the top), or open Models & storage to see why.`);
    return ref;
  };
  const agent = new WorkerHost<AgentWorkerApi>('agent', () => new Worker(new URL('../../workers/agent.worker.ts', import.meta.url), { type: 'module', name: 'agent' }), (api) => api.init(source('kb')));
  const tts = new WorkerHost<TtsWorkerApi>('speech synthesis', () => new Worker(new URL('../../workers/tts.worker.ts', import.meta.url), { type: 'module', name: 'tts' }), async (api) =>
    // The config holds multipliers of the voice's normal rate and pitch; eSpeak takes words a minute and 0–99.
    void (await api.init(source('tts'), {
      rate: Math.round(DEFAULT_ESPEAK_OPTIONS.rate * config.tts.rate),
      pitch: Math.min(99, Math.round(DEFAULT_ESPEAK_OPTIONS.pitch * config.tts.pitch)),
    })));
  // No speech-recognition bundle is a supported state: the STT worker then says so and offers the text box.
  const stt = new WorkerHost<SttWorkerApi>('speech recognition', () => new Worker(new URL('../../workers/stt.worker.ts', import.meta.url), { type: 'module', name: 'stt' }), async (api) => void (await api.init(sync?.sources.stt)));
  const vad = new WorkerHost<VadWorkerApi>('speech detection', () => new Worker(new URL('../../workers/vad.worker.ts', import.meta.url), { type: 'module', name: 'vad' }), async (api) => void (await api.init(source('vad'), config.vad)));
  const hostOf: Partial<Record<BundleKind, { reload(idle: () => boolean): Promise<boolean>; ready(): Promise<unknown> }>> = { kb: agent, tts, stt, vad };

  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  const view: ConversationView = new ConversationView(mount, config.mode, {
    onSubmit: (text) => void ask(text),
    onTalk: () => void talk(),
    onHandsFree: (on) => void setHandsFree(on),
    onLanguage: (lang) => {
      config = { ...config, language: lang };
      void store?.saveSettings({ language: lang }).catch((e: unknown) => view.showError((e as Error).message));
    },
    onClearAll: () => void clearAll(),
    onInteraction: () => armIdleReset(),
    onWake: () => {
      if (config.handsFree) void startListening(true);
    },
  });
  view.setLanguage(config.language);
  view.allowDiagnostics(config.ui.showDiagnostics);
  view.setHandsFree(config.handsFree);
  if (storeError) view.showError(storeError);

  const conversation = new Conversation({
    agent, tts, player, telemetry,
    config: () => config,
    ui: {
      state: (s, lang) => view.setState(s, lang),
      customer: (text, lang) => view.addCustomer(text, lang),
      agentStart: (lang) => view.addAgent(lang),
      error: (message) => view.showError(message),
    },
    save: store ? (turn) => store.saveTurn(conversationId, { ...turn, at: Date.now() }).then(() => undefined) : undefined,
  });

  const voice = new VoiceLoop({
    vad, stt, conversation, telemetry,
    config: () => config,
    ui: {
      listening: (on) => view.setState(on ? 'listening' : conversation.busy ? conversation.state : 'idle'),
      partial: (text) => view.showPartial(text),
      error: (message, offerTyping) =>
        view.showError(message, offerTyping ? { label: 'Type instead', run: () => view.focusInput() } : undefined),
    },
  });

  for (const host of [agent, tts, stt, vad]) {
    host.onRestart = (name) => view.showError(`The ${name} part of the assistant stopped and was restarted. If a reply was cut off, please ask again.`);
  }

  const showDiagnostics = () => renderDiagnostics(view.diagnostics, telemetry.traces());
  telemetry.subscribe(showDiagnostics);
  showDiagnostics();

  async function ask(text: string): Promise<void> {
    view.showError(null);
    void player.resume();
    try {
      await conversation.ask(text);
    } catch (e) {
      if (!(e instanceof InputError)) view.showError((e as Error).message);
    }
  }

  async function talk(): Promise<void> {
    void player.resume();
    if (conversation.busy) {
      conversation.interrupt('talk button');
      return;
    }
    if (voice.active) {
      await voice.stop();
      return;
    }
    await startListening(config.handsFree);
  }

  async function startListening(continuous: boolean): Promise<void> {
    view.showError(null);
    try {
      await voice.start(continuous);
    } catch (e) {
      view.setHandsFree(false);
      config = { ...config, handsFree: false };
      view.setState('idle');
      view.showError((e as Error).message, { label: 'Type instead', run: () => view.focusInput() });
    }
  }

  async function setHandsFree(on: boolean): Promise<void> {
    config = { ...config, handsFree: on };
    void store?.saveSettings({ handsFree: on }).catch(() => undefined);
    if (on) await startListening(true);
    else await voice.stop();
  }

  async function clearAll(): Promise<void> {
    conversation.interrupt('cleared');
    await store?.clearAll().catch((e: unknown) => view.showError((e as Error).message));
    view.clearConversation();
    conversationId = crypto.randomUUID();
  }

  function armIdleReset(): void {
    if (idleTimer) clearTimeout(idleTimer);
    if (config.idleResetMs <= 0) return;
    idleTimer = setTimeout(() => {
      if (conversation.busy || voice.hearing) return armIdleReset();
      // The next customer must not see (or hear into) the last one's conversation.
      view.clearConversation();
      view.showError(null);
      conversationId = crypto.randomUUID();
      if (config.ui.attractScreen) {
        void voice.stop();
        view.showAttract(true);
      }
    }, config.idleResetMs);
  }

  // Offline caching of the shell starts at once; models are installed (or found) and loaded before the first
  // question, so the first answer is as quick as the rest.
  const registration = registerServiceWorker(view);
  view.setInstalling('Installing models…');
  let startError: string | undefined;
  try {
    sync = await startSync(view);
    sync.onSourcesChanged = (kinds) => {
      // A newer bundle was switched on (or rolled back): each engine reloads between turns and utterances,
      // and only if it was running (an engine never used is not started by an update).
      for (const kind of kinds) {
        const host = hostOf[kind];
        void host?.reload(() => !conversation.busy && !voice.hearing).then((stopped) => (stopped ? host.ready() : undefined)).catch(() => undefined);
      }
    };
  } catch (e) {
    startError = `The assistant's models could not be installed on this device: ${(e as Error).message}`;
    view.showError(startError);
  }
  view.setInstalling('Loading models…');
  const warm = Promise.all([agent.ready(), tts.ready(), stt.ready()]);
  // The first problem is the one to fix: a failed install explains every engine that then cannot load.
  await warm.catch((e: unknown) => view.showError(startError ?? `Some models could not be loaded: ${(e as Error).message}`));
  view.setInstalling(null);
  if (config.ui.attractScreen) view.showAttract(true);
  armIdleReset();
  if (config.handsFree && !config.ui.attractScreen) void startListening(true);
  exposeTestHooks({ conversation, voice, player, telemetry, store, config: () => config, registration, agent, tts, stt, vad, sync: () => sync });
}

function registerServiceWorker(view: ConversationView): Promise<boolean> {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) {
    view.setOffline(import.meta.env.DEV ? 'Dev mode: offline off' : 'Offline use not supported here', false);
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    const wb = new Workbox('/sw.js');
    navigator.serviceWorker.addEventListener('message', (e: MessageEvent<SwMessage>) => {
      const m = e.data;
      if (m.type === 'offline-progress') {
        view.setOffline(`Saving for offline use: ${Math.round((100 * m.done) / m.total)}% (${(m.total / 1e6).toFixed(0)} MB)`, false);
      } else if (m.type === 'offline-ready') {
        view.setOffline('Works offline', true);
        resolve(true);
      } else if (m.type === 'offline-error') {
        view.setOffline('Online only', false);
        view.showError(m.message);
        resolve(false);
      }
    });
    wb.register()
      .then(async (reg) => {
        // Already installed earlier: offline use is ready without a new install.
        if (reg?.active && !reg.installing && !reg.waiting) {
          view.setOffline('Works offline', true);
          resolve(true);
        }
      })
      .catch((e: unknown) => {
        view.setOffline('Online only', false);
        view.showError(`Offline use could not be set up: ${(e as Error).message}`);
        resolve(false);
      });
  });
}
