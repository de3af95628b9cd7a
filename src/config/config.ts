/**
 * Typed, layered configuration. One app serves three deployments (kiosk, field, rm); each layer may set any
 * field and later layers win: defaults < mode preset < bundle < URL query < saved settings.
 * Every value is validated against SCHEMA: out-of-range numbers are clamped, values of the wrong type are
 * rejected (the lower layer's value stays), unknown keys are ignored. Each of those leaves a warning that
 * names the layer and the field, so the settings and diagnostics screens can show what was fixed.
 */
import { DEFAULT_ENDPOINTER_CONFIG } from '../speech/vad/endpointer.ts';
import type { Lang } from './lang.ts';

export type AppMode = 'kiosk' | 'field' | 'rm';
export const MODES: readonly AppMode[] = ['kiosk', 'field', 'rm'];
/** 'auto' follows the customer's language turn by turn. */
export type LanguagePref = 'auto' | Lang;

export interface VadConfig {
  /** Speech probability above which a frame starts (or continues) speech. */
  positiveSpeechThreshold: number;
  /** Probability below which a frame counts as silence; must be below the positive threshold. */
  negativeSpeechThreshold: number;
  /** Silence after speech before the turn ends. Short by default: every ms here adds to reply latency. */
  hangoverMs: number;
  /** Audio kept from before speech started, so the first syllable reaches STT. */
  preRollMs: number;
  /** Segments shorter than this are treated as noise, not a turn. */
  minSpeechMs: number;
}

export interface TtsConfig {
  /** Speaking-rate multiplier: 1 is the voice's normal speed. */
  rate: number;
  /** Pitch multiplier: 1 is the voice's normal pitch. */
  pitch: number;
}

export interface UiConfig {
  /** Bigger buttons and type for a standing customer at a branch tablet. */
  largeTouchTargets: boolean;
  /** Show the "tap or speak to start" screen while nobody is using the kiosk. */
  attractScreen: boolean;
  /** Whether the diagnostics screen is reachable from the main screen. */
  showDiagnostics: boolean;
}

export interface TelemetryConfig {
  /** How many turns' traces are kept (memory ring buffer and the capped metrics store). */
  ringSize: number;
  /** Keep traces in IndexedDB across reloads (timings only, never text). */
  persist: boolean;
}

export interface AppConfig {
  mode: AppMode;
  language: LanguagePref;
  /** Listen continuously (VAD decides turns) instead of tap-to-talk. */
  handsFree: boolean;
  /** Clear the conversation after this long with no interaction; 0 never resets. */
  idleResetMs: number;
  vad: VadConfig;
  tts: TtsConfig;
  /** Stop the agent's speech when the customer starts talking over it. */
  bargeIn: boolean;
  telemetry: TelemetryConfig;
  /** Longest typed question accepted. */
  maxInputChars: number;
  ui: UiConfig;
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
/** What one layer may hold. Layers from outside (bundle, storage) arrive as `unknown` and are validated. */
export type ConfigLayer = DeepPartial<AppConfig>;
export type LayerName = 'default' | 'preset' | 'bundle' | 'url' | 'saved';

export const DEFAULT_CONFIG: AppConfig = {
  mode: 'field',
  language: 'auto',
  handsFree: true,
  idleResetMs: 0,
  // The endpointer's own defaults, so the app, the CLI and the tests agree.
  vad: {
    positiveSpeechThreshold: DEFAULT_ENDPOINTER_CONFIG.positiveSpeechThreshold,
    negativeSpeechThreshold: DEFAULT_ENDPOINTER_CONFIG.negativeSpeechThreshold,
    hangoverMs: DEFAULT_ENDPOINTER_CONFIG.hangoverMs,
    preRollMs: DEFAULT_ENDPOINTER_CONFIG.preRollMs,
    minSpeechMs: DEFAULT_ENDPOINTER_CONFIG.minSpeechMs,
  },
  tts: { rate: 1, pitch: 1 },
  bargeIn: true,
  telemetry: { ringSize: 200, persist: true },
  maxInputChars: 1000,
  ui: { largeTouchTargets: false, attractScreen: false, showDiagnostics: true },
};

export const MODE_PRESETS: Readonly<Record<AppMode, ConfigLayer>> = {
  // Branch tablet: customers walk up and leave, so reset after a minute and keep staff tools out of sight.
  kiosk: {
    handsFree: true,
    idleResetMs: 60_000,
    ui: { largeTouchTargets: true, attractScreen: true, showDiagnostics: false },
  },
  // Field agent's laptop, offline, agent and customer side by side.
  field: { handsFree: true, idleResetMs: 0 },
  // Relationship manager's phone: held in the hand, so tap-to-talk; reset after 5 minutes to protect the last customer.
  rm: { handsFree: false, idleResetMs: 300_000 },
};

type FieldSpec =
  | { kind: 'number'; min: number; max: number; integer?: boolean }
  | { kind: 'boolean' }
  | { kind: 'enum'; values: readonly string[] };
type Schema<T> = { [K in keyof T]: T[K] extends object ? Schema<T[K]> : FieldSpec };

const num = (min: number, max: number, integer = false): FieldSpec => ({ kind: 'number', min, max, integer });
const bool: FieldSpec = { kind: 'boolean' };

/** The type makes the compiler insist that every AppConfig field has a rule here. */
const SCHEMA: Schema<AppConfig> = {
  mode: { kind: 'enum', values: MODES },
  language: { kind: 'enum', values: ['auto', 'hi', 'en'] },
  handsFree: bool,
  idleResetMs: num(0, 3_600_000, true),
  vad: {
    positiveSpeechThreshold: num(0.05, 0.99),
    negativeSpeechThreshold: num(0.01, 0.95),
    hangoverMs: num(100, 2000, true),
    preRollMs: num(0, 1000, true),
    minSpeechMs: num(50, 2000, true),
  },
  tts: { rate: num(0.5, 2), pitch: num(0.5, 2) },
  bargeIn: bool,
  telemetry: { ringSize: num(10, 5000, true), persist: bool },
  maxInputChars: num(50, 10_000, true),
  ui: { largeTouchTargets: bool, attractScreen: bool, showDiagnostics: bool },
};

/** Short URL names for the fields people type by hand; any field also works by its dotted path (vad.hangoverMs). */
const URL_ALIASES: Readonly<Record<string, string>> = {
  lang: 'language',
  hangoverMs: 'vad.hangoverMs',
  rate: 'tts.rate',
  pitch: 'tts.pitch',
  ringSize: 'telemetry.ringSize',
};

export interface ConfigLayers {
  /** Values shipped in the installed bundle (e.g. a bank's kiosk defaults). */
  bundle?: unknown;
  /** `location.search`, a query string or parsed params. */
  url?: string | URLSearchParams;
  /** What the settings screen saved (from storage `getSettings()`). */
  saved?: unknown;
}

export interface ResolvedConfig {
  config: AppConfig;
  /** Human-readable notes about values that were clamped, rejected or ignored; empty when all was fine. */
  warnings: string[];
  /** Which layer set each field, by dotted path, e.g. { "vad.hangoverMs": "url" }. */
  sources: Record<string, LayerName>;
}

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Turns `?mode=kiosk&lang=hi&handsFree=1&vad.hangoverMs=250` into a nested layer of strings. */
export function parseUrlLayer(query: string | URLSearchParams): Plain {
  const params = typeof query === 'string' ? new URLSearchParams(query) : query;
  // Null-prototype nodes: a query like `?__proto__.x=1` must become a plain (unknown) key, not pollution.
  const layer: Plain = Object.create(null);
  for (const [rawKey, value] of params) {
    const path = (Object.hasOwn(URL_ALIASES, rawKey) ? (URL_ALIASES[rawKey] as string) : rawKey).split('.');
    let node = layer;
    for (const part of path.slice(0, -1)) {
      const next = Object.hasOwn(node, part) ? node[part] : undefined;
      node = isPlain(next) ? next : (node[part] = Object.create(null) as Plain);
    }
    node[path[path.length - 1] as string] = value;
  }
  return layer;
}

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off']);

/** Checks one value; returns the value to use, or undefined when it must be rejected. */
function checkValue(
  spec: FieldSpec,
  raw: unknown,
  fromText: boolean,
  warn: (msg: string) => void,
): unknown {
  let value = raw;
  if (fromText && typeof raw === 'string') {
    const text = raw.trim().toLowerCase();
    if (spec.kind === 'number' && text !== '' && Number.isFinite(Number(text))) value = Number(text);
    if (spec.kind === 'boolean' && TRUE_WORDS.has(text)) value = true;
    if (spec.kind === 'boolean' && FALSE_WORDS.has(text)) value = false;
    if (spec.kind === 'enum') value = text;
  }
  const shown = JSON.stringify(raw);
  switch (spec.kind) {
    case 'boolean':
      if (typeof value === 'boolean') return value;
      warn(`${shown} is not on/off (use true or false); ignored`);
      return undefined;
    case 'enum':
      if (typeof value === 'string' && spec.values.includes(value)) return value;
      warn(`${shown} is not one of ${spec.values.join(', ')}; ignored`);
      return undefined;
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        warn(`${shown} is not a number; ignored`);
        return undefined;
      }
      let n = spec.integer ? Math.round(value) : value;
      if (n < spec.min || n > spec.max) {
        const bound = n < spec.min ? spec.min : spec.max;
        warn(`${shown} is ${n < spec.min ? 'below the minimum' : 'above the maximum'} ${bound}; using ${bound}`);
        n = bound;
      }
      return n;
    }
  }
}

function applyLayer(
  target: Plain,
  schema: Plain,
  layer: unknown,
  name: LayerName,
  ctx: { warnings: string[]; sources: Record<string, LayerName> },
  prefix = '',
): void {
  if (layer === undefined || layer === null) return;
  if (!isPlain(layer)) {
    ctx.warnings.push(`${name}: settings ${prefix ? `for "${prefix}" ` : ''}must be an object; ignored`);
    return;
  }
  for (const [key, raw] of Object.entries(layer)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const spec = Object.hasOwn(schema, key) ? schema[key] : undefined;
    if (spec === undefined) {
      ctx.warnings.push(`${name}: unknown setting "${path}" ignored`);
      continue;
    }
    if (raw === undefined) continue;
    if (!('kind' in (spec as Plain))) {
      // A group such as vad or tts: recurse into the copy that `target` already holds.
      applyLayer(target[key] as Plain, spec as Plain, raw, name, ctx, path);
      continue;
    }
    const value = checkValue(spec as FieldSpec, raw, name === 'url', (msg) =>
      ctx.warnings.push(`${name}: ${path} ${msg}`),
    );
    if (value !== undefined) {
      target[key] = value;
      ctx.sources[path] = name;
    }
  }
}

/** The mode comes from the highest layer that names a valid one, since the preset sits below all of them. */
function pickMode(layers: Array<[LayerName, unknown]>): AppMode {
  for (const [name, layer] of [...layers].reverse()) {
    if (!isPlain(layer)) continue;
    const raw = layer['mode'];
    const m = typeof raw === 'string' && name === 'url' ? raw.trim().toLowerCase() : raw;
    if (typeof m === 'string' && (MODES as readonly string[]).includes(m)) return m as AppMode;
  }
  return DEFAULT_CONFIG.mode;
}

/** Keeps the VAD hysteresis meaningful: a negative threshold at or above the positive one never ends speech. */
function checkVadPair(config: AppConfig, warnings: string[]): void {
  const vad = config.vad;
  if (vad.negativeSpeechThreshold < vad.positiveSpeechThreshold) return;
  const fixed = Math.max(0.01, Math.round((vad.positiveSpeechThreshold - 0.15) * 100) / 100);
  warnings.push(
    `vad.negativeSpeechThreshold ${vad.negativeSpeechThreshold} must be below vad.positiveSpeechThreshold ` +
      `${vad.positiveSpeechThreshold}; using ${fixed}`,
  );
  vad.negativeSpeechThreshold = fixed;
}

export function resolveConfig(layers: ConfigLayers = {}): ResolvedConfig {
  const urlLayer = layers.url === undefined ? undefined : parseUrlLayer(layers.url);
  const ordered: Array<[LayerName, unknown]> = [
    ['bundle', layers.bundle],
    ['url', urlLayer],
    ['saved', layers.saved],
  ];
  const mode = pickMode(ordered);
  const config = structuredClone(DEFAULT_CONFIG);
  const ctx = { warnings: [] as string[], sources: {} as Record<string, LayerName> };
  // `Schema<AppConfig>` and `AppConfig` are walked as plain records; the schema guarantees the shapes match.
  const target = config as unknown as Plain;
  const schema = SCHEMA as unknown as Plain;
  applyLayer(target, schema, MODE_PRESETS[mode], 'preset', ctx);
  for (const [name, layer] of ordered) applyLayer(target, schema, layer, name, ctx);
  config.mode = mode;
  checkVadPair(config, ctx.warnings);
  return { config, warnings: ctx.warnings, sources: ctx.sources };
}
