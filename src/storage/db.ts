/**
 * Local storage in IndexedDB (browser only): redacted conversations, settings and capped turn metrics.
 * Every failure becomes a StorageError whose message says what happened, that the conversation on screen
 * is not lost, and what to do, so the UI can show it as is.
 */
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import type { Citation } from '../agent/types.ts';
import type { AppMode, ConfigLayer } from '../config/config.ts';
import type { InputLang } from '../config/lang.ts';
import { redactText } from '../privacy/index.ts';
import type { TurnTraceJSON } from '../telemetry/spans.ts';

export const DB_NAME = 'voice-agent';
const DB_VERSION = 1;

export interface StoredTurn {
  role: 'customer' | 'agent';
  /** Always redacted before it is written. */
  text: string;
  lang: InputLang;
  /** Epoch ms. */
  at: number;
  citations?: Citation[];
}

export interface ConversationRecord {
  id: string;
  startedAt: number;
  mode: AppMode;
  turns: StoredTurn[];
}

interface VoiceAgentDB extends DBSchema {
  conversations: { key: string; value: ConversationRecord; indexes: { 'by-startedAt': number } };
  /** One entry per top-level setting (e.g. "language", "vad"), so a save touches only what changed. */
  settings: { key: string; value: unknown };
  metrics: { key: string; value: TurnTraceJSON; indexes: { 'by-startedAt': number } };
}
type Store = StoreNames<VoiceAgentDB>;
const ALL_STORES: Store[] = ['conversations', 'settings', 'metrics'];

export type StorageErrorCode = 'unavailable' | 'quota' | 'blocked' | 'version' | 'failed';

export class StorageError extends Error {
  override name = 'StorageError';
  readonly code: StorageErrorCode;
  constructor(code: StorageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

const NOTHING_LOST = 'Nothing in the current conversation is lost: it stays on screen until you close or reset it.';

function errorName(err: unknown): string {
  return typeof err === 'object' && err !== null && 'name' in err ? String(err.name) : '';
}

function isQuota(err: unknown): boolean {
  const name = errorName(err);
  const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
  // 22 is the legacy DOMException code; Firefox used its own name.
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED' || code === 22;
}

/** Maps any failure to a StorageError; `action` completes "could not …", e.g. "save this turn". */
export function toStorageError(err: unknown, action: string): StorageError {
  if (err instanceof StorageError) return err;
  const name = errorName(err);
  if (isQuota(err)) {
    return new StorageError(
      'quota',
      `This device is out of storage space for the app, so it could not ${action}. ${NOTHING_LOST} ` +
        'To free space, use "Clear data" at the top of the screen (or free space on the device), then try again.',
      { cause: err },
    );
  }
  if (name === 'VersionError') {
    return new StorageError(
      'version',
      `A newer version of the app is open in another tab, so this one could not ${action}. ${NOTHING_LOST} ` +
        'Reload this page to use the newer version.',
      { cause: err },
    );
  }
  const detail = err instanceof Error || (typeof err === 'object' && err !== null && 'message' in err)
    ? `${name || 'Error'}: ${String((err as { message: unknown }).message)}`
    : String(err);
  return new StorageError(
    'failed',
    `Could not ${action} on this device (${detail}). ${NOTHING_LOST} ` +
      'Reload the app; if it keeps happening, use "Clear data" at the top of the screen.',
    { cause: err },
  );
}

function unavailable(cause?: unknown): StorageError {
  return new StorageError(
    'unavailable',
    'This browser is not letting the app save anything (IndexedDB is off, as in private or incognito windows). ' +
      `${NOTHING_LOST} History and settings will not be kept after the page closes. ` +
      'To keep them, open the app in a normal (not private) window.',
    { cause },
  );
}

export interface OpenStoreOptions {
  /** Database name; tests use their own. */
  name?: string;
  /** Mode recorded on conversations this store creates. */
  mode?: AppMode;
  /** Most traces kept in the metrics store; use `config.telemetry.ringSize`. */
  metricsCap?: number;
}

/** Opens (and creates or upgrades) the database; rejects with a StorageError that the UI can show. */
export async function openStore(opts: OpenStoreOptions = {}): Promise<VoiceStore> {
  const store = new VoiceStore(opts);
  await store.ready();
  return store;
}

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Patch semantics for settings: nested groups merge, `undefined` or `null` removes a value. */
function mergeSetting(current: unknown, patch: unknown): unknown {
  if (!isPlain(patch)) return patch;
  const out: Plain = isPlain(current) ? { ...current } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined || v === null) delete out[k];
    else out[k] = mergeSetting(out[k], v);
  }
  return out;
}

export class VoiceStore {
  readonly name: string;
  /** Recorded on conversations created from now on; set it again once saved settings are resolved. */
  mode: AppMode;
  readonly metricsCap: number;
  #db: Promise<IDBPDatabase<VoiceAgentDB>> | undefined;

  constructor(opts: OpenStoreOptions = {}) {
    this.name = opts.name ?? DB_NAME;
    this.mode = opts.mode ?? 'field';
    this.metricsCap = Math.max(1, Math.floor(opts.metricsCap ?? 200));
  }

  async ready(): Promise<void> {
    await this.#open();
  }

  /** Stores one turn, redacted, creating the conversation on its first turn. */
  async saveTurn(conversationId: string, turn: StoredTurn): Promise<StoredTurn> {
    // Redact before the transaction opens: IndexedDB commits a transaction left idle across other awaits.
    const stored: StoredTurn = { role: turn.role, text: redactText(turn.text), lang: turn.lang, at: turn.at };
    if (turn.citations?.length) {
      stored.citations = turn.citations.map((c) => ({ id: c.id, title: c.title, score: c.score }));
    }
    await this.#write('save this turn', ['conversations'], async (tx) => {
      const store = tx.objectStore('conversations');
      const existing = await store.get(conversationId);
      const record: ConversationRecord = existing ?? {
        id: conversationId,
        startedAt: turn.at,
        mode: this.mode,
        turns: [],
      };
      record.turns.push(stored);
      await store.put(record);
    });
    return stored;
  }

  async getConversation(id: string): Promise<ConversationRecord | undefined> {
    return this.#read('read the conversation', async (db) => db.get('conversations', id));
  }

  /** Newest first. */
  async listConversations(limit = Infinity): Promise<ConversationRecord[]> {
    return this.#read('list saved conversations', async (db) => {
      const out: ConversationRecord[] = [];
      let cursor = await db.transaction('conversations').store.index('by-startedAt').openCursor(null, 'prev');
      while (cursor && out.length < limit) {
        out.push(cursor.value);
        cursor = await cursor.continue();
      }
      return out;
    });
  }

  async deleteConversation(id: string): Promise<void> {
    await this.#write('delete the conversation', ['conversations'], (tx) => tx.objectStore('conversations').delete(id));
  }

  /** Saved settings as a layer for `resolveConfig({ saved })`; it validates them. */
  async getSettings(): Promise<Plain> {
    return this.#read('read saved settings', async (db) => {
      const tx = db.transaction('settings');
      const [keys, values] = await Promise.all([tx.store.getAllKeys(), tx.store.getAll()]);
      return Object.fromEntries(keys.map((k, i) => [k, values[i]]));
    });
  }

  /** Merges a patch into saved settings: `{ vad: { hangoverMs: 250 } }` keeps the other VAD values. */
  async saveSettings(patch: ConfigLayer): Promise<void> {
    await this.#write('save your settings', ['settings'], async (tx) => {
      const store = tx.objectStore('settings');
      for (const [key, value] of Object.entries(patch)) {
        if (value === undefined || value === null) {
          await store.delete(key);
          continue;
        }
        const next = mergeSetting(await store.get(key), value);
        if (isPlain(next) && Object.keys(next).length === 0) await store.delete(key);
        else await store.put(next, key);
      }
    });
  }

  async resetSettings(): Promise<void> {
    await this.#write('reset settings', ['settings'], (tx) => tx.objectStore('settings').clear());
  }

  /** Keeps the newest `metricsCap` traces; older ones are deleted in the same transaction. */
  async saveTrace(trace: TurnTraceJSON): Promise<void> {
    await this.#write('save turn timings', ['metrics'], async (tx) => {
      const store = tx.objectStore('metrics');
      await store.put(trace);
      let excess = (await store.count()) - this.metricsCap;
      if (excess <= 0) return;
      let cursor = await store.index('by-startedAt').openCursor();
      while (cursor && excess > 0) {
        await cursor.delete();
        excess--;
        cursor = await cursor.continue();
      }
    });
  }

  /** Oldest first, ready for `TelemetryStore.load()`. */
  async listTraces(): Promise<TurnTraceJSON[]> {
    return this.#read('read turn timings', (db) => db.getAllFromIndex('metrics', 'by-startedAt'));
  }

  /** Deletes everything in every store (conversations, settings, metrics) in one transaction. */
  async clearAll(): Promise<void> {
    await this.#write('delete the saved data', ALL_STORES, async (tx) => {
      await Promise.all(ALL_STORES.map((s) => tx.objectStore(s).clear()));
    });
  }

  /** Bytes used and available for this origin, when the browser says. */
  async estimate(): Promise<{ usage: number; quota: number } | undefined> {
    if (typeof navigator === 'undefined' || !navigator.storage?.estimate) return undefined;
    const { usage = 0, quota = 0 } = await navigator.storage.estimate();
    return { usage, quota };
  }

  close(): void {
    const db = this.#db;
    this.#db = undefined;
    void db?.then((d) => d.close(), () => undefined);
  }

  #open(): Promise<IDBPDatabase<VoiceAgentDB>> {
    this.#db ??= this.#connect().catch((err: unknown) => {
      this.#db = undefined; // let the next call retry, e.g. after the other tab closed
      // Firefox private windows fail the open with InvalidStateError; a blocked origin with SecurityError.
      const name = errorName(err);
      if (name === 'InvalidStateError' || name === 'SecurityError') throw unavailable(err);
      throw toStorageError(err, 'open its storage');
    });
    return this.#db;
  }

  async #connect(): Promise<IDBPDatabase<VoiceAgentDB>> {
    if (typeof indexedDB === 'undefined' || indexedDB === null) throw unavailable();
    let rejectBlocked: (err: StorageError) => void = () => undefined;
    const blocked = new Promise<never>((_, reject) => (rejectBlocked = reject));
    const opening = openDB<VoiceAgentDB>(this.name, DB_VERSION, {
      upgrade(db) {
        // Version 1: create everything; later versions add migrations keyed on oldVersion.
        const conversations = db.createObjectStore('conversations', { keyPath: 'id' });
        conversations.createIndex('by-startedAt', 'startedAt');
        db.createObjectStore('settings');
        const metrics = db.createObjectStore('metrics', { keyPath: 'id' });
        metrics.createIndex('by-startedAt', 'startedAt');
      },
      blocked: () =>
        rejectBlocked(
          new StorageError(
            'blocked',
            `The app is open in another tab with an older version, so its storage cannot be upgraded. ${NOTHING_LOST} ` +
              'Close the other tabs of this app, then reload this page.',
          ),
        ),
      // Another tab wants to upgrade: step aside so it is not blocked; this tab reopens on its next call.
      blocking: () => this.close(),
      // The browser closed the connection (storage cleared, disk error): reopen on the next call.
      terminated: () => {
        this.#db = undefined;
      },
    });
    try {
      return await Promise.race([opening, blocked]);
    } catch (err) {
      // If the open finishes after we gave up, do not hold a connection that blocks other tabs.
      opening.then((db) => db.close(), () => undefined);
      throw err;
    }
  }

  /**
   * Runs `attempt` with an open connection, once more on a fresh one if the old connection had been closed
   * under us (another tab upgraded, or the browser terminated it): that surfaces as InvalidStateError.
   */
  async #withDb<T>(attempt: (db: IDBPDatabase<VoiceAgentDB>) => Promise<T>): Promise<T> {
    const db = await this.#open();
    try {
      return await attempt(db);
    } catch (err) {
      if (errorName(err) !== 'InvalidStateError') throw err;
      if (this.#db) this.close();
      return attempt(await this.#open());
    }
  }

  async #read<T>(action: string, fn: (db: IDBPDatabase<VoiceAgentDB>) => Promise<T>): Promise<T> {
    try {
      return await this.#withDb(fn);
    } catch (err) {
      throw toStorageError(err, action);
    }
  }

  async #write<S extends Store[]>(
    action: string,
    stores: S,
    fn: (tx: IDBPTransaction<VoiceAgentDB, S, 'readwrite'>) => Promise<unknown>,
  ): Promise<void> {
    // Opening the transaction is what fails on a closed connection; retry only that, never a half-done write.
    const tx = await this.#withDb(async (db) => db.transaction(stores, 'readwrite')).catch((err: unknown) => {
      throw toStorageError(err, action);
    });
    try {
      const done = tx.done;
      done.catch(() => undefined); // observed below; avoids an unhandled rejection if fn throws first
      await fn(tx);
      await done;
    } catch (err) {
      // A quota failure aborts the transaction: its own error names the cause, the request's is only AbortError.
      const cause = txError(tx) ?? err;
      try {
        tx.abort();
      } catch {
        // already finished or aborted
      }
      throw toStorageError(cause, action);
    }
  }
}

function txError(tx: { error: DOMException | null }): DOMException | undefined {
  try {
    return tx.error ?? undefined;
  } catch {
    return undefined;
  }
}
