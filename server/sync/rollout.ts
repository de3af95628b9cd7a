/**
 * Which version of each bundle a device should run. Pure functions over the active rollouts, so the rules
 * are easy to test and every app server computes the same answer without shared state.
 *
 * Precedence: a rollout to the device itself, then one to its branch, then one to all devices. Within a
 * target, pinned rollouts come first, then the highest version (then the newest rollout); a rollout applies
 * to a device when the device's stable bucket (0..99) is below its percentage. So "1.1 to 10%" next to
 * "1.0 to 100%" gives one device in ten 1.1 and the rest 1.0, and the same devices every time; stages nest
 * (1.2@10%, 1.1@50%, 1.0@100%), so raising or adding a stage never moves a device to a lower version.
 * Going back is done by `rollout rollback` or a 100% rollout, which replace what is active.
 */
import { createHash } from 'node:crypto';
import { compareVersions } from '../../src/bundles/metadata.ts';
import type { RolloutRecord } from './metadata-store.ts';
import { isDeviceId } from './secrets.ts';

export type ParsedTarget = { kind: 'all' } | { kind: 'branch'; branch: string } | { kind: 'device'; deviceId: string };

const BRANCH = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Branch names as IT writes them: "mumbai-fort", "BR0042"; no spaces or colons (they appear in targets). */
export function isValidBranch(branch: string): boolean {
  return BRANCH.test(branch);
}

/** `all`, `branch:<branch>` or `device:<device id>`; undefined for anything else. */
export function parseRolloutTarget(target: string): ParsedTarget | undefined {
  if (target === 'all') return { kind: 'all' };
  const colon = target.indexOf(':');
  if (colon < 0) return undefined;
  const kind = target.slice(0, colon);
  const value = target.slice(colon + 1);
  if (kind === 'branch' && isValidBranch(value)) return { kind: 'branch', branch: value };
  if (kind === 'device' && isDeviceId(value)) return { kind: 'device', deviceId: value };
  return undefined;
}

/** A device's stable bucket for one bundle: the first 4 bytes of sha256("<device>:<bundle>"), mod 100. */
export function rolloutBucket(deviceId: string, bundleId: string): number {
  return createHash('sha256').update(`${deviceId}:${bundleId}`, 'utf8').digest().readUInt32BE(0) % 100;
}

export interface RolloutChoice {
  bundleId: string;
  version: string;
  rolloutId: number;
}

/** The version of every bundle this device should run, sorted by bundle id. Inactive rollouts are ignored. */
export function chooseVersions(device: { id: string; branch: string }, rollouts: readonly RolloutRecord[]): RolloutChoice[] {
  const levels = [`device:${device.id}`, `branch:${device.branch}`, 'all'];
  const byBundle = new Map<string, RolloutRecord[]>();
  for (const r of rollouts) {
    if (!r.active || !levels.includes(r.target)) continue;
    const list = byBundle.get(r.bundleId) ?? [];
    list.push(r);
    byBundle.set(r.bundleId, list);
  }
  const choices: RolloutChoice[] = [];
  for (const [bundleId, list] of byBundle) {
    const bucket = rolloutBucket(device.id, bundleId);
    const ordered = [...list].sort(
      (a, b) =>
        levels.indexOf(a.target) - levels.indexOf(b.target) ||
        Number(b.pinned) - Number(a.pinned) ||
        compareVersions(b.version, a.version) ||
        b.id - a.id,
    );
    const hit = ordered.find((r) => bucket < r.percent);
    if (hit) choices.push({ bundleId, version: hit.version, rolloutId: hit.id });
  }
  return choices.sort((a, b) => (a.bundleId < b.bundleId ? -1 : a.bundleId > b.bundleId ? 1 : 0));
}

export interface OfferedChoice extends RolloutChoice {
  /** True when the device was once offered a higher version of this bundle: the device must install a lower one. */
  downgrade: boolean;
}

/**
 * Marks the choices that take a device below a version it was offered before (a rollback) and returns the
 * new per-device high-water marks. `changed` says whether the marks moved (so the caller stores them).
 */
export function markDowngrades(
  choices: readonly RolloutChoice[],
  offered: Readonly<Record<string, string>>,
): { choices: OfferedChoice[]; offered: Record<string, string>; changed: boolean } {
  const next: Record<string, string> = { ...offered };
  let changed = false;
  const marked = choices.map((c) => {
    const highest = offered[c.bundleId];
    const downgrade = highest !== undefined && compareVersions(c.version, highest) < 0;
    if (highest === undefined || compareVersions(c.version, highest) > 0) {
      next[c.bundleId] = c.version;
      changed = true;
    }
    return { ...c, downgrade };
  });
  return { choices: marked, offered: next, changed };
}
