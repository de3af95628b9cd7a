/**
 * Everything the sync service knows besides blob bytes: devices, enrolment codes, published bundles,
 * rollouts, per-device freshness and the audit log. The routes and the admin CLI use only the
 * `MetadataStore` interface (async, so a PostgreSQL implementation can replace SQLite without touching them);
 * `SqliteMetadataStore` is the one implementation today.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { compareVersions } from '../../src/bundles/metadata.ts';
import { generateEnrollCode, hashSecret } from './secrets.ts';

export type DeviceStatus = 'active' | 'revoked';

export interface DeviceRecord {
  id: string;
  label?: string;
  branch: string;
  /** b64u raw P-256 public key (65 bytes) the device generated at enrolment. */
  publicKey: string;
  status: DeviceStatus;
  enrolledAt: string;
  lastSeenAt?: string;
  appVersion: string;
  capabilities: Record<string, unknown>;
  revokedAt?: string;
  revokedReason?: string;
}

export interface EnrollCodeRecord {
  codeHash: string;
  branch: string;
  createdAt: string;
  expiresAt: string;
  usedBy?: string;
  usedAt?: string;
}

export interface NewBundle {
  id: string;
  version: string;
  kind: string;
  /** The signed manifest envelope as JSON text: served byte for byte. */
  manifestJson: string;
  /** Hex SHA-256 of the canonical JSON of the manifest's `signed` object (what freshness pins). */
  manifestSha: string;
  /** The content key wrapped to the service's wrap key (a KeyEnvelope). */
  keyEnvelope: unknown;
  /** Sum of the encrypted sizes of the bundle's blobs. */
  size: number;
  /** The blobs the manifest names; a blob is served only while some published bundle names it. */
  blobs: string[];
}

export interface BundleRecord extends NewBundle {
  publishedAt: string;
}

/** `all`, `branch:<branch>` or `device:<device id>`. */
export type RolloutTarget = string;

export interface RolloutRecord {
  id: number;
  bundleId: string;
  version: string;
  target: RolloutTarget;
  /** 0..100: the share of the target's devices (stable per device and bundle) that get this version. */
  percent: number;
  /** Pinned rollouts win over unpinned ones of the same target. */
  pinned: boolean;
  createdAt: string;
  active: boolean;
  /** Set when `rollback` took this rollout down; such a rollout is never restored by a later rollback. */
  rolledBack: boolean;
}

export interface NewRollout {
  bundleId: string;
  version: string;
  target: RolloutTarget;
  percent: number;
  pinned?: boolean;
}

export interface AuditRecord {
  id: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  details: Record<string, unknown>;
}

export interface NewAudit {
  actor: string;
  action: string;
  subject: string;
  details?: Record<string, unknown>;
  at?: string;
}

export interface FreshnessRecord {
  deviceId: string;
  version: number;
  /** Hex SHA-256 of what the freshness says (device + bundle entries), to tell whether it changed. */
  contentHash: string;
  issued: string;
  expires: string;
  /** The signed freshness envelope as JSON text: repeated checks return these exact bytes. */
  body: string;
}

export interface NewDevice {
  codeHash: string;
  deviceId: string;
  tokenHash: string;
  publicKey: string;
  label?: string;
  appVersion: string;
  capabilities: Record<string, unknown>;
  now?: Date;
}

export type EnrollResult = { ok: true; device: DeviceRecord } | { ok: false; reason: 'unknown' | 'used' | 'expired'; code?: EnrollCodeRecord };

/** Who did it, for the audit log ("cli", "device:dev_…"). */
export interface Actor {
  actor?: string;
  now?: Date;
}

export class MetadataStoreError extends Error {
  override name = 'MetadataStoreError';
  constructor(
    readonly code: 'bundle_exists' | 'unknown_bundle' | 'unknown_device' | 'no_previous_version' | 'unknown_rollout',
    message: string,
  ) {
    super(message);
  }
}

export interface MetadataStore {
  // Enrolment
  createEnrollCode(opts: { branch: string; ttlSeconds?: number } & Actor): Promise<{ code: string; branch: string; expiresAt: string }>;
  listEnrollCodes(opts?: { includeUsed?: boolean; now?: Date }): Promise<EnrollCodeRecord[]>;
  /** Atomically checks the code, creates the device and marks the code used (one device per code). */
  enrollDevice(d: NewDevice): Promise<EnrollResult>;

  // Devices
  getDevice(id: string): Promise<DeviceRecord | undefined>;
  findDeviceByTokenHash(tokenHash: string): Promise<DeviceRecord | undefined>;
  listDevices(opts?: { branch?: string; status?: DeviceStatus }): Promise<DeviceRecord[]>;
  /** Idempotent; throws `unknown_device` for an id that was never enrolled. */
  revokeDevice(id: string, reason: string, opts?: Actor): Promise<DeviceRecord>;
  /** Records that a device called (at most once a minute is written) and the app version it runs. */
  touchDevice(id: string, at: Date, appVersion?: string): Promise<void>;

  // Bundles
  /** Throws `bundle_exists` if this id and version were published before (published versions are immutable). */
  putBundle(b: NewBundle, opts?: Actor): Promise<BundleRecord>;
  getBundle(id: string, version: string): Promise<BundleRecord | undefined>;
  listBundles(opts?: { id?: string }): Promise<BundleRecord[]>;
  isPublishedBlob(sha256: string): Promise<boolean>;

  // Rollouts
  /**
   * Makes `version` the target's version. A 100% rollout replaces every active rollout of the same bundle
   * and target; a partial one replaces the other partial ones and keeps the newest 100% one as the baseline
   * for the rest of the target's devices.
   */
  setRollout(r: NewRollout, opts?: Actor): Promise<RolloutRecord>;
  listRollouts(opts?: { bundleId?: string; activeOnly?: boolean }): Promise<RolloutRecord[]>;
  /**
   * Takes down the newest active rollout of the bundle for the target; if nothing else stays active there,
   * restores the newest earlier rollout of a lower version. Throws `no_previous_version` when there is none.
   */
  rollbackRollout(bundleId: string, target: RolloutTarget, opts?: Actor): Promise<{ removed: RolloutRecord; active: RolloutRecord[] }>;
  stopRollout(id: number, opts?: Actor): Promise<RolloutRecord>;

  // Per-device freshness state
  getFreshness(deviceId: string): Promise<FreshnessRecord | undefined>;
  /** Compare-and-set on the previous version, so two servers never issue two different freshness with one number. */
  saveFreshness(rec: FreshnessRecord, previousVersion: number | undefined): Promise<boolean>;
  /** The highest version of each bundle ever offered to the device (to flag a rollback as a downgrade). */
  getOffered(deviceId: string): Promise<Record<string, string>>;
  setOffered(deviceId: string, offered: Record<string, string>): Promise<void>;

  // Audit
  audit(entry: NewAudit): Promise<void>;
  listAudit(opts?: { limit?: number; action?: string; subject?: string; actor?: string; since?: string }): Promise<AuditRecord[]>;

  counts(): Promise<{ bundles: number; devices: number; activeDevices: number }>;
  /** Throws with a reason when the store cannot be used (for the health check). */
  check(): Promise<void>;
  close(): Promise<void>;
}

const MIGRATIONS: string[] = [
  `CREATE TABLE devices (
     id TEXT PRIMARY KEY,
     label TEXT,
     branch TEXT NOT NULL,
     public_key TEXT NOT NULL,
     token_hash TEXT NOT NULL UNIQUE,
     status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
     enrolled_at TEXT NOT NULL,
     last_seen_at TEXT,
     app_version TEXT NOT NULL,
     capabilities TEXT NOT NULL DEFAULT '{}',
     revoked_at TEXT,
     revoked_reason TEXT
   );
   CREATE INDEX devices_branch ON devices(branch);
   CREATE TABLE enroll_codes (
     code_hash TEXT PRIMARY KEY,
     branch TEXT NOT NULL,
     created_at TEXT NOT NULL,
     expires_at TEXT NOT NULL,
     used_by TEXT REFERENCES devices(id),
     used_at TEXT
   );
   CREATE TABLE bundles (
     id TEXT NOT NULL,
     version TEXT NOT NULL,
     kind TEXT NOT NULL,
     manifest TEXT NOT NULL,
     manifest_sha TEXT NOT NULL,
     key_envelope TEXT NOT NULL,
     size INTEGER NOT NULL,
     published_at TEXT NOT NULL,
     UNIQUE (id, version)
   );
   CREATE TABLE bundle_blobs (
     sha256 TEXT NOT NULL,
     bundle_id TEXT NOT NULL,
     version TEXT NOT NULL,
     PRIMARY KEY (sha256, bundle_id, version)
   );
   CREATE TABLE rollouts (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     bundle_id TEXT NOT NULL,
     version TEXT NOT NULL,
     target TEXT NOT NULL,
     percent INTEGER NOT NULL CHECK (percent BETWEEN 0 AND 100),
     pinned INTEGER NOT NULL DEFAULT 0,
     created_at TEXT NOT NULL,
     active INTEGER NOT NULL DEFAULT 1,
     rolled_back INTEGER NOT NULL DEFAULT 0
   );
   CREATE INDEX rollouts_active ON rollouts(active, bundle_id);
   CREATE TABLE audit (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     at TEXT NOT NULL,
     actor TEXT NOT NULL,
     action TEXT NOT NULL,
     subject TEXT NOT NULL,
     details TEXT NOT NULL DEFAULT '{}'
   );
   CREATE INDEX audit_at ON audit(at);
   CREATE TABLE freshness (
     device_id TEXT PRIMARY KEY REFERENCES devices(id),
     version INTEGER NOT NULL,
     content_hash TEXT NOT NULL,
     issued TEXT NOT NULL,
     expires TEXT NOT NULL,
     body TEXT NOT NULL
   );
   CREATE TABLE device_offers (
     device_id TEXT NOT NULL REFERENCES devices(id),
     bundle_id TEXT NOT NULL,
     max_version TEXT NOT NULL,
     PRIMARY KEY (device_id, bundle_id)
   );`,
];

interface DeviceRow {
  id: string;
  label: string | null;
  branch: string;
  public_key: string;
  status: DeviceStatus;
  enrolled_at: string;
  last_seen_at: string | null;
  app_version: string;
  capabilities: string;
  revoked_at: string | null;
  revoked_reason: string | null;
}

interface CodeRow {
  code_hash: string;
  branch: string;
  created_at: string;
  expires_at: string;
  used_by: string | null;
  used_at: string | null;
}

interface BundleRow {
  id: string;
  version: string;
  kind: string;
  manifest: string;
  manifest_sha: string;
  key_envelope: string;
  size: number;
  published_at: string;
}

interface RolloutRow {
  id: number;
  bundle_id: string;
  version: string;
  target: string;
  percent: number;
  pinned: number;
  created_at: string;
  active: number;
  rolled_back: number;
}

interface AuditRow {
  id: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  details: string;
}

interface FreshnessRow {
  device_id: string;
  version: number;
  content_hash: string;
  issued: string;
  expires: string;
  body: string;
}

const opt = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

function toDevice(r: DeviceRow): DeviceRecord {
  return {
    id: r.id,
    label: opt(r.label),
    branch: r.branch,
    publicKey: r.public_key,
    status: r.status,
    enrolledAt: r.enrolled_at,
    lastSeenAt: opt(r.last_seen_at),
    appVersion: r.app_version,
    capabilities: JSON.parse(r.capabilities) as Record<string, unknown>,
    revokedAt: opt(r.revoked_at),
    revokedReason: opt(r.revoked_reason),
  };
}

const toCode = (r: CodeRow): EnrollCodeRecord => ({
  codeHash: r.code_hash,
  branch: r.branch,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  usedBy: opt(r.used_by),
  usedAt: opt(r.used_at),
});

const toRollout = (r: RolloutRow): RolloutRecord => ({
  id: r.id,
  bundleId: r.bundle_id,
  version: r.version,
  target: r.target,
  percent: r.percent,
  pinned: r.pinned === 1,
  createdAt: r.created_at,
  active: r.active === 1,
  rolledBack: r.rolled_back === 1,
});

const toAudit = (r: AuditRow): AuditRecord => ({
  id: r.id,
  at: r.at,
  actor: r.actor,
  action: r.action,
  subject: r.subject,
  details: JSON.parse(r.details) as Record<string, unknown>,
});

const toFreshness = (r: FreshnessRow): FreshnessRecord => ({
  deviceId: r.device_id,
  version: r.version,
  contentHash: r.content_hash,
  issued: r.issued,
  expires: r.expires,
  body: r.body,
});

const DEFAULT_CODE_TTL_SECONDS = 24 * 3600;
/** last_seen_at is written at most this often per device, so update checks stay read-mostly. */
const TOUCH_INTERVAL_MS = 60_000;

export class SqliteMetadataStore implements MetadataStore {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  /** Prepared once per SQL text: preparing costs more than running the small queries an update check makes. */
  private q(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  constructor(readonly file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    // Another process (the admin CLI) may hold the write lock for a moment.
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
  }

  private migrate(): void {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    if (current > MIGRATIONS.length) {
      throw new Error(
        `The sync database ${this.file} is from a newer version of voice-agent (schema ${current}, this one knows ${MIGRATIONS.length}). ` +
          'Upgrade voice-agent, or point --data at another directory.',
      );
    }
    for (let v = current; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]!);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  private auditSync(e: NewAudit): void {
    this.q('INSERT INTO audit (at, actor, action, subject, details) VALUES (?, ?, ?, ?, ?)').run(e.at ?? new Date().toISOString(), e.actor, e.action, e.subject, JSON.stringify(e.details ?? {}));
  }

  async createEnrollCode(opts: { branch: string; ttlSeconds?: number } & Actor) {
    const now = opts.now ?? new Date();
    const ttl = opts.ttlSeconds ?? DEFAULT_CODE_TTL_SECONDS;
    const code = generateEnrollCode();
    const expiresAt = new Date(now.getTime() + ttl * 1000).toISOString();
    this.db.transaction(() => {
      this
        .q('INSERT INTO enroll_codes (code_hash, branch, created_at, expires_at) VALUES (?, ?, ?, ?)')
        .run(hashSecret(code), opts.branch, now.toISOString(), expiresAt);
      // The code itself never reaches the log: only who made one, for which branch, until when.
      this.auditSync({ actor: opts.actor ?? 'cli', action: 'enroll-code.create', subject: `branch:${opts.branch}`, details: { expiresAt }, at: now.toISOString() });
    })();
    return { code, branch: opts.branch, expiresAt };
  }

  async listEnrollCodes(opts: { includeUsed?: boolean; now?: Date } = {}) {
    const rows = opts.includeUsed
      ? (this.q('SELECT * FROM enroll_codes ORDER BY created_at DESC').all() as CodeRow[])
      : (this
          .q('SELECT * FROM enroll_codes WHERE used_by IS NULL AND expires_at > ? ORDER BY created_at DESC')
          .all((opts.now ?? new Date()).toISOString()) as CodeRow[]);
    return rows.map(toCode);
  }

  async enrollDevice(d: NewDevice): Promise<EnrollResult> {
    const now = (d.now ?? new Date()).toISOString();
    return this.db.transaction((): EnrollResult => {
      const row = this.q('SELECT * FROM enroll_codes WHERE code_hash = ?').get(d.codeHash) as CodeRow | undefined;
      if (!row) return { ok: false, reason: 'unknown' };
      if (row.used_by !== null) return { ok: false, reason: 'used', code: toCode(row) };
      if (row.expires_at <= now) return { ok: false, reason: 'expired', code: toCode(row) };
      this
        .q(
          `INSERT INTO devices (id, label, branch, public_key, token_hash, status, enrolled_at, last_seen_at, app_version, capabilities)
           VALUES (?, ?, ?, ?, ?, 'active', ?, ?, ?, ?)`,
        )
        .run(d.deviceId, d.label ?? null, row.branch, d.publicKey, d.tokenHash, now, now, d.appVersion, JSON.stringify(d.capabilities));
      this.q('UPDATE enroll_codes SET used_by = ?, used_at = ? WHERE code_hash = ?').run(d.deviceId, now, d.codeHash);
      this.auditSync({
        actor: `device:${d.deviceId}`,
        action: 'device.enroll',
        subject: d.deviceId,
        details: { branch: row.branch, label: d.label ?? null, appVersion: d.appVersion },
        at: now,
      });
      const device = this.q('SELECT * FROM devices WHERE id = ?').get(d.deviceId) as DeviceRow;
      return { ok: true, device: toDevice(device) };
    })();
  }

  async getDevice(id: string) {
    const row = this.q('SELECT * FROM devices WHERE id = ?').get(id) as DeviceRow | undefined;
    return row && toDevice(row);
  }

  async findDeviceByTokenHash(tokenHash: string) {
    const row = this.q('SELECT * FROM devices WHERE token_hash = ?').get(tokenHash) as DeviceRow | undefined;
    return row && toDevice(row);
  }

  async listDevices(opts: { branch?: string; status?: DeviceStatus } = {}) {
    const where: string[] = [];
    const args: string[] = [];
    if (opts.branch !== undefined) (where.push('branch = ?'), args.push(opts.branch));
    if (opts.status !== undefined) (where.push('status = ?'), args.push(opts.status));
    const sql = `SELECT * FROM devices ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY enrolled_at, id`;
    return (this.q(sql).all(...args) as DeviceRow[]).map(toDevice);
  }

  async revokeDevice(id: string, reason: string, opts: Actor = {}) {
    const now = (opts.now ?? new Date()).toISOString();
    return this.db.transaction(() => {
      const row = this.q('SELECT * FROM devices WHERE id = ?').get(id) as DeviceRow | undefined;
      if (!row) {
        throw new MetadataStoreError('unknown_device', `No device "${id}" was ever enrolled. Run "voice-agent device list" to see device ids.`);
      }
      if (row.status === 'revoked') return toDevice(row);
      this.q("UPDATE devices SET status = 'revoked', revoked_at = ?, revoked_reason = ? WHERE id = ?").run(now, reason, id);
      this.auditSync({ actor: opts.actor ?? 'cli', action: 'device.revoke', subject: id, details: { reason, branch: row.branch }, at: now });
      return toDevice(this.q('SELECT * FROM devices WHERE id = ?').get(id) as DeviceRow);
    })();
  }

  async touchDevice(id: string, at: Date, appVersion?: string) {
    const threshold = new Date(at.getTime() - TOUCH_INTERVAL_MS).toISOString();
    if (appVersion !== undefined) {
      this
        .q('UPDATE devices SET last_seen_at = ?, app_version = ? WHERE id = ? AND (last_seen_at IS NULL OR last_seen_at < ? OR app_version != ?)')
        .run(at.toISOString(), appVersion, id, threshold, appVersion);
    } else {
      this.q('UPDATE devices SET last_seen_at = ? WHERE id = ? AND (last_seen_at IS NULL OR last_seen_at < ?)').run(at.toISOString(), id, threshold);
    }
  }

  async putBundle(b: NewBundle, opts: Actor = {}) {
    const now = (opts.now ?? new Date()).toISOString();
    return this.db.transaction(() => {
      const exists = this.q('SELECT 1 FROM bundles WHERE id = ? AND version = ?').get(b.id, b.version);
      if (exists) {
        throw new MetadataStoreError(
          'bundle_exists',
          `Bundle ${b.id} ${b.version} is already published, and a published version never changes. Pack it with a higher --version.`,
        );
      }
      this
        .q('INSERT INTO bundles (id, version, kind, manifest, manifest_sha, key_envelope, size, published_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(b.id, b.version, b.kind, b.manifestJson, b.manifestSha, JSON.stringify(b.keyEnvelope), b.size, now);
      const addBlob = this.q('INSERT OR IGNORE INTO bundle_blobs (sha256, bundle_id, version) VALUES (?, ?, ?)');
      for (const sha of b.blobs) addBlob.run(sha, b.id, b.version);
      this.auditSync({
        actor: opts.actor ?? 'cli',
        action: 'bundle.publish',
        subject: `${b.id}@${b.version}`,
        details: { kind: b.kind, size: b.size, manifestSha: b.manifestSha, blobs: b.blobs.length },
        at: now,
      });
      return { ...b, publishedAt: now };
    })();
  }

  private bundleFromRow(r: BundleRow): BundleRecord {
    const blobs = (this.q('SELECT sha256 FROM bundle_blobs WHERE bundle_id = ? AND version = ?').all(r.id, r.version) as Array<{ sha256: string }>).map(
      (x) => x.sha256,
    );
    return {
      id: r.id,
      version: r.version,
      kind: r.kind,
      manifestJson: r.manifest,
      manifestSha: r.manifest_sha,
      keyEnvelope: JSON.parse(r.key_envelope) as unknown,
      size: r.size,
      blobs,
      publishedAt: r.published_at,
    };
  }

  async getBundle(id: string, version: string) {
    const row = this.q('SELECT * FROM bundles WHERE id = ? AND version = ?').get(id, version) as BundleRow | undefined;
    return row && this.bundleFromRow(row);
  }

  async listBundles(opts: { id?: string } = {}) {
    const rows =
      opts.id !== undefined
        ? (this.q('SELECT * FROM bundles WHERE id = ?').all(opts.id) as BundleRow[])
        : (this.q('SELECT * FROM bundles').all() as BundleRow[]);
    return rows.map((r) => this.bundleFromRow(r)).sort((a, b) => a.id.localeCompare(b.id) || compareVersions(a.version, b.version));
  }

  async isPublishedBlob(sha256: string) {
    return this.q('SELECT 1 FROM bundle_blobs WHERE sha256 = ? LIMIT 1').get(sha256) !== undefined;
  }

  async setRollout(r: NewRollout, opts: Actor = {}) {
    const now = (opts.now ?? new Date()).toISOString();
    return this.db.transaction(() => {
      if (!this.q('SELECT 1 FROM bundles WHERE id = ? AND version = ?').get(r.bundleId, r.version)) {
        throw new MetadataStoreError(
          'unknown_bundle',
          `Bundle ${r.bundleId} ${r.version} is not published, so it cannot be rolled out. Run "voice-agent bundle list", or publish it first.`,
        );
      }
      if (r.percent >= 100) {
        this.q('UPDATE rollouts SET active = 0 WHERE bundle_id = ? AND target = ? AND active = 1').run(r.bundleId, r.target);
      } else {
        // Only the same version's earlier percentage goes: partials of other versions nest by bucket
        // (1.0@100%, 1.1@50%, 1.2@10%), so a new stage never takes a device off the version it runs.
        this
          .q('UPDATE rollouts SET active = 0 WHERE bundle_id = ? AND target = ? AND version = ? AND active = 1 AND percent < 100')
          .run(r.bundleId, r.target, r.version);
      }
      const info = this
        .q('INSERT INTO rollouts (bundle_id, version, target, percent, pinned, created_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(r.bundleId, r.version, r.target, r.percent, r.pinned ? 1 : 0, now);
      this.auditSync({
        actor: opts.actor ?? 'cli',
        action: 'rollout.set',
        subject: `${r.bundleId}@${r.version}`,
        details: { target: r.target, percent: r.percent, pinned: r.pinned ?? false },
        at: now,
      });
      return toRollout(this.q('SELECT * FROM rollouts WHERE id = ?').get(info.lastInsertRowid) as RolloutRow);
    })();
  }

  async listRollouts(opts: { bundleId?: string; activeOnly?: boolean } = {}) {
    const where: string[] = [];
    const args: string[] = [];
    if (opts.bundleId !== undefined) (where.push('bundle_id = ?'), args.push(opts.bundleId));
    if (opts.activeOnly) where.push('active = 1');
    const sql = `SELECT * FROM rollouts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id`;
    return (this.q(sql).all(...args) as RolloutRow[]).map(toRollout);
  }

  async rollbackRollout(bundleId: string, target: RolloutTarget, opts: Actor = {}) {
    const now = (opts.now ?? new Date()).toISOString();
    return this.db.transaction(() => {
      const activeRows = this
        .q('SELECT * FROM rollouts WHERE bundle_id = ? AND target = ? AND active = 1 ORDER BY id DESC')
        .all(bundleId, target) as RolloutRow[];
      const newest = activeRows[0];
      if (!newest) {
        throw new MetadataStoreError(
          'no_previous_version',
          `Nothing is rolled out for ${bundleId} to ${target}, so there is nothing to roll back. Run "voice-agent rollout list".`,
        );
      }
      let restore: RolloutRow | undefined;
      if (activeRows.length === 1) {
        const earlier = this
          .q('SELECT * FROM rollouts WHERE bundle_id = ? AND target = ? AND active = 0 AND rolled_back = 0 AND id < ? ORDER BY id DESC')
          .all(bundleId, target, newest.id) as RolloutRow[];
        restore = earlier.find((r) => compareVersions(r.version, newest.version) < 0);
        if (!restore) {
          throw new MetadataStoreError(
            'no_previous_version',
            `${bundleId} has no earlier version rolled out to ${target} before ${newest.version}. ` +
              'Choose the version explicitly with "voice-agent rollout set", or stop this rollout.',
          );
        }
      }
      this.q('UPDATE rollouts SET active = 0, rolled_back = 1 WHERE id = ?').run(newest.id);
      if (restore) {
        this
          .q('INSERT INTO rollouts (bundle_id, version, target, percent, pinned, created_at) VALUES (?, ?, ?, ?, ?, ?)')
          .run(restore.bundle_id, restore.version, restore.target, restore.percent, restore.pinned, now);
      }
      this.auditSync({
        actor: opts.actor ?? 'cli',
        action: 'rollout.rollback',
        subject: `${bundleId}@${newest.version}`,
        details: { target, restored: restore?.version ?? null },
        at: now,
      });
      const removed = toRollout(this.q('SELECT * FROM rollouts WHERE id = ?').get(newest.id) as RolloutRow);
      const active = (
        this.q('SELECT * FROM rollouts WHERE bundle_id = ? AND target = ? AND active = 1 ORDER BY id').all(bundleId, target) as RolloutRow[]
      ).map(toRollout);
      return { removed, active };
    })();
  }

  async stopRollout(id: number, opts: Actor = {}) {
    const now = (opts.now ?? new Date()).toISOString();
    return this.db.transaction(() => {
      const row = this.q('SELECT * FROM rollouts WHERE id = ?').get(id) as RolloutRow | undefined;
      if (!row) throw new MetadataStoreError('unknown_rollout', `There is no rollout #${id}. Run "voice-agent rollout list" to see rollout numbers.`);
      this.q('UPDATE rollouts SET active = 0 WHERE id = ?').run(id);
      this.auditSync({ actor: opts.actor ?? 'cli', action: 'rollout.stop', subject: `${row.bundle_id}@${row.version}`, details: { id, target: row.target }, at: now });
      return toRollout({ ...row, active: 0 });
    })();
  }

  async getFreshness(deviceId: string) {
    const row = this.q('SELECT * FROM freshness WHERE device_id = ?').get(deviceId) as FreshnessRow | undefined;
    return row && toFreshness(row);
  }

  async saveFreshness(rec: FreshnessRecord, previousVersion: number | undefined) {
    const args = [rec.version, rec.contentHash, rec.issued, rec.expires, rec.body];
    const info =
      previousVersion === undefined
        ? this
            .q('INSERT OR IGNORE INTO freshness (version, content_hash, issued, expires, body, device_id) VALUES (?, ?, ?, ?, ?, ?)')
            .run(...args, rec.deviceId)
        : this
            .q('UPDATE freshness SET version = ?, content_hash = ?, issued = ?, expires = ?, body = ? WHERE device_id = ? AND version = ?')
            .run(...args, rec.deviceId, previousVersion);
    return info.changes === 1;
  }

  async getOffered(deviceId: string) {
    const rows = this.q('SELECT bundle_id, max_version FROM device_offers WHERE device_id = ?').all(deviceId) as Array<{
      bundle_id: string;
      max_version: string;
    }>;
    return Object.fromEntries(rows.map((r) => [r.bundle_id, r.max_version]));
  }

  async setOffered(deviceId: string, offered: Record<string, string>) {
    const upsert = this.q(
      'INSERT INTO device_offers (device_id, bundle_id, max_version) VALUES (?, ?, ?) ON CONFLICT (device_id, bundle_id) DO UPDATE SET max_version = excluded.max_version',
    );
    this.db.transaction(() => {
      for (const [id, v] of Object.entries(offered)) upsert.run(deviceId, id, v);
    })();
  }

  async audit(entry: NewAudit) {
    this.auditSync(entry);
  }

  async listAudit(opts: { limit?: number; action?: string; subject?: string; actor?: string; since?: string } = {}) {
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (opts.action !== undefined) (where.push('action = ?'), args.push(opts.action));
    if (opts.subject !== undefined) (where.push('subject = ?'), args.push(opts.subject));
    if (opts.actor !== undefined) (where.push('actor = ?'), args.push(opts.actor));
    if (opts.since !== undefined) (where.push('at >= ?'), args.push(opts.since));
    args.push(opts.limit ?? 100);
    const sql = `SELECT * FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.q(sql).all(...args) as AuditRow[]).map(toAudit);
  }

  async counts() {
    const one = (sql: string) => (this.q(sql).get() as { n: number }).n;
    return {
      bundles: one('SELECT COUNT(*) AS n FROM bundles'),
      devices: one('SELECT COUNT(*) AS n FROM devices'),
      activeDevices: one("SELECT COUNT(*) AS n FROM devices WHERE status = 'active'"),
    };
  }

  async check() {
    this.q('SELECT 1').get();
  }

  async close() {
    if (this.db.open) this.db.close();
  }
}
