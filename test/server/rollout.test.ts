import { describe, expect, it } from 'vitest';
import type { RolloutRecord } from '../../server/sync/metadata-store.ts';
import { chooseVersions, markDowngrades, parseRolloutTarget, rolloutBucket } from '../../server/sync/rollout.ts';

let nextId = 1;
const rollout = (r: Partial<RolloutRecord> & Pick<RolloutRecord, 'bundleId' | 'version' | 'target'>): RolloutRecord => ({
  id: nextId++,
  percent: 100,
  pinned: false,
  createdAt: '2026-01-01T00:00:00.000Z',
  active: true,
  rolledBack: false,
  ...r,
});
const devId = (n: number) => `dev_${n.toString(16).padStart(20, '0')}`;
const device = { id: devId(1), branch: 'mumbai-fort' };
const versionOf = (d: { id: string; branch: string }, rs: RolloutRecord[], bundle = 'kb') =>
  chooseVersions(d, rs).find((c) => c.bundleId === bundle)?.version;

describe('rollout targets', () => {
  it('parses all, branch:<b> and device:<id>, and nothing else', () => {
    expect(parseRolloutTarget('all')).toEqual({ kind: 'all' });
    expect(parseRolloutTarget('branch:mumbai-fort')).toEqual({ kind: 'branch', branch: 'mumbai-fort' });
    expect(parseRolloutTarget(`device:${devId(7)}`)).toEqual({ kind: 'device', deviceId: devId(7) });
    for (const bad of ['', 'ALL', 'branch:', 'branch:has space', 'device:42', 'cohort:x', 'branch:a:b']) {
      expect(parseRolloutTarget(bad), bad).toBeUndefined();
    }
  });
});

describe('stable buckets', () => {
  it('is the first 4 bytes of sha256("<device>:<bundle>") mod 100, and the same every time', async () => {
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${devId(5)}:gold-loan-kb`)));
    const expected = new DataView(digest.buffer).getUint32(0) % 100;
    expect(rolloutBucket(devId(5), 'gold-loan-kb')).toBe(expected);
    expect(rolloutBucket(devId(5), 'gold-loan-kb')).toBe(expected);
  });

  it('a 10% rollout reaches about 10% of 5000 devices, and a different 10% per bundle', () => {
    const rs = [rollout({ bundleId: 'kb', version: '1.0', target: 'all' }), rollout({ bundleId: 'kb', version: '1.1', target: 'all', percent: 10 })];
    const ids = Array.from({ length: 5000 }, (_, i) => devId(i));
    const onNew = ids.filter((id) => versionOf({ id, branch: 'b' }, rs) === '1.1');
    expect(onNew.length / ids.length).toBeGreaterThan(0.08);
    expect(onNew.length / ids.length).toBeLessThan(0.12);
    const otherBundle = ids.filter((id) => rolloutBucket(id, 'tts') < 10);
    const overlap = onNew.filter((id) => otherBundle.includes(id)).length;
    expect(overlap).toBeLessThan(onNew.length / 2);
  });
});

describe('chooseVersions', () => {
  it('device pin > branch rollout > percentage > all', () => {
    const all = rollout({ bundleId: 'kb', version: '1.0', target: 'all' });
    const pct = rollout({ bundleId: 'kb', version: '1.1', target: 'all', percent: 100 });
    const branch = rollout({ bundleId: 'kb', version: '1.2', target: 'branch:mumbai-fort' });
    const pin = rollout({ bundleId: 'kb', version: '0.9', target: `device:${device.id}`, pinned: true });
    expect(versionOf(device, [all])).toBe('1.0');
    expect(versionOf(device, [all, pct])).toBe('1.1');
    expect(versionOf(device, [all, pct, branch])).toBe('1.2');
    expect(versionOf(device, [all, pct, branch, pin])).toBe('0.9');
    expect(versionOf({ ...device, branch: 'pune' }, [all, pct, branch])).toBe('1.1');
    expect(versionOf({ id: devId(2), branch: 'mumbai-fort' }, [all, pct, branch, pin])).toBe('1.2');
  });

  it('a device outside a partial rollout falls back to the baseline; at 0% nobody gets it', () => {
    const base = rollout({ bundleId: 'kb', version: '1.0', target: 'all' });
    const ids = Array.from({ length: 200 }, (_, i) => devId(i));
    const inside = ids.find((id) => rolloutBucket(id, 'kb') < 30)!;
    const outside = ids.find((id) => rolloutBucket(id, 'kb') >= 30)!;
    const staged = rollout({ bundleId: 'kb', version: '1.1', target: 'all', percent: 30 });
    expect(versionOf({ id: inside, branch: 'x' }, [base, staged])).toBe('1.1');
    expect(versionOf({ id: outside, branch: 'x' }, [base, staged])).toBe('1.0');
    const paused = rollout({ bundleId: 'kb', version: '1.1', target: 'all', percent: 0 });
    expect(ids.every((id) => versionOf({ id, branch: 'x' }, [base, paused]) === '1.0')).toBe(true);
  });

  it('ignores inactive rollouts and other devices and branches; with nothing rolled out, no entry', () => {
    const rs = [
      rollout({ bundleId: 'kb', version: '2.0', target: 'all', active: false }),
      rollout({ bundleId: 'kb', version: '3.0', target: 'branch:pune' }),
      rollout({ bundleId: 'kb', version: '4.0', target: `device:${devId(9)}` }),
    ];
    expect(chooseVersions(device, rs)).toEqual([]);
  });

  it('a pinned rollout wins over a newer unpinned one of the same target; otherwise the newest wins', () => {
    const pinned = rollout({ bundleId: 'kb', version: '1.0', target: 'branch:mumbai-fort', pinned: true });
    const newer = rollout({ bundleId: 'kb', version: '1.5', target: 'branch:mumbai-fort' });
    expect(versionOf(device, [pinned, newer])).toBe('1.0');
    const older = rollout({ bundleId: 'kb', version: '1.0', target: 'all' });
    const newest = rollout({ bundleId: 'kb', version: '1.5', target: 'all' });
    expect(versionOf(device, [older, newest])).toBe('1.5');
  });

  it('answers every bundle id, sorted', () => {
    const rs = [rollout({ bundleId: 'tts', version: '1', target: 'all' }), rollout({ bundleId: 'kb', version: '2', target: 'all' })];
    expect(chooseVersions(device, rs).map((c) => c.bundleId)).toEqual(['kb', 'tts']);
  });
});

describe('markDowngrades', () => {
  it('flags a version below the highest ever offered, and raises the mark only upwards', () => {
    const first = markDowngrades([{ bundleId: 'kb', version: '1.1', rolloutId: 1 }], {});
    expect(first.choices[0]!.downgrade).toBe(false);
    expect(first.offered).toEqual({ kb: '1.1' });
    expect(first.changed).toBe(true);
    const back = markDowngrades([{ bundleId: 'kb', version: '1.0', rolloutId: 2 }], first.offered);
    expect(back.choices[0]!.downgrade).toBe(true);
    expect(back.offered).toEqual({ kb: '1.1' });
    expect(back.changed).toBe(false);
    const same = markDowngrades([{ bundleId: 'kb', version: '1.1.0', rolloutId: 3 }], first.offered);
    expect(same.choices[0]!.downgrade).toBe(false);
    const up = markDowngrades([{ bundleId: 'kb', version: '1.10', rolloutId: 4 }], first.offered);
    expect(up.choices[0]!.downgrade).toBe(false);
    expect(up.offered).toEqual({ kb: '1.10' });
  });
});
