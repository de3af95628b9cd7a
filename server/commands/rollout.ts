/**
 * `voice-agent rollout set|pin|unpin|rollback|list`: which version of a bundle which devices run.
 * The rules of precedence (device, then branch, then all; pinned first; stable percentage buckets) are in
 * server/sync/rollout.ts; a rollback shows up in a device's freshness metadata as `downgrade: true`.
 */
import { compareVersions, isValidVersion } from '../../src/bundles/metadata.ts';
import { parseCommandArgs, UsageError } from '../args.ts';
import type { MetadataStore, RolloutRecord } from '../sync/metadata-store.ts';
import { isDeviceId } from '../sync/secrets.ts';
import { AdminError, dataDirOf, intOption, json, runAdmin, shortTime, table, withStores, type AdminIo } from './admin.ts';
import { branchOption } from './device.ts';

const USAGE = `Usage: voice-agent rollout set <bundle-id> <version> [--percent N] [--branch B | --device ID] [--data <dir>]
       voice-agent rollout pin <device-id> <bundle-id> <version> [--data <dir>]
       voice-agent rollout unpin <device-id> <bundle-id> [--data <dir>]
       voice-agent rollout rollback <bundle-id> [--to <version>] [--branch B | --device ID] [--data <dir>]
       voice-agent rollout list [--bundle <id>] [--all] [--json] [--data <dir>]`;


export async function runRollout(args: string[], io: AdminIo): Promise<number> {
  const [sub, ...rest] = args;
  return runAdmin(`rollout ${sub ?? ''}`.trim(), USAGE, io, async () => {
    switch (sub) {
      case 'set':
        return rolloutSet(rest, io);
      case 'pin':
        return rolloutPin(rest, io);
      case 'unpin':
        return rolloutUnpin(rest, io);
      case 'rollback':
        return rolloutRollback(rest, io);
      case 'list':
        return rolloutList(rest, io);
      default:
        throw new UsageError(
          sub ? `voice-agent rollout: unknown sub-command "${sub}".` : 'voice-agent rollout: say what to do (set, pin, unpin, rollback or list).',
        );
    }
  });
}

function positionalsExactly(command: string, positionals: string[], names: string[]): string[] {
  if (positionals.length !== names.length) {
    throw new UsageError(`voice-agent ${command}: give ${names.join(' and ')} (got ${positionals.length} argument${positionals.length === 1 ? '' : 's'}).`);
  }
  return positionals;
}

function versionArg(v: string): string {
  if (!isValidVersion(v)) throw new UsageError(`"${v}" is not a version: use dotted numbers like 1.2.0.`);
  return v;
}

function deviceArg(id: string): string {
  if (!isDeviceId(id)) throw new UsageError(`"${id}" is not a device id (dev_ and 20 hex digits). Run "voice-agent device list".`);
  return id;
}

/** `all`, `branch:<B>` or `device:<ID>` from --branch / --device. */
function targetOf(values: { branch?: string; device?: string }): string {
  if (values.branch !== undefined && values.device !== undefined) throw new UsageError('Give --branch or --device, not both.');
  if (values.device !== undefined) return `device:${deviceArg(values.device)}`;
  const branch = branchOption(values.branch);
  return branch !== undefined ? `branch:${branch}` : 'all';
}

const describeTarget = (t: string) => (t === 'all' ? 'all devices' : t.startsWith('branch:') ? `branch ${t.slice(7)}` : `device ${t.slice(7)}`);

async function requireDevice(meta: MetadataStore, id: string): Promise<void> {
  const d = await meta.getDevice(id);
  if (!d) throw new AdminError(`No device "${id}" is enrolled. Run "voice-agent device list" to see device ids.`);
  if (d.status === 'revoked') throw new AdminError(`Device ${id} is revoked, so it receives nothing. Enrol it again to give it bundles.`);
}

async function rolloutSet(args: string[], io: AdminIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'rollout set',
    args,
    { data: { type: 'string' }, percent: { type: 'string' }, branch: { type: 'string' }, device: { type: 'string' } },
    true,
  );
  const [bundleId, version] = positionalsExactly('rollout set', positionals, ['<bundle-id>', '<version>']) as [string, string];
  versionArg(version);
  const target = targetOf(values);
  const percent = intOption('percent', values.percent, 1, 100) ?? 100;
  if (target.startsWith('device:') && percent !== 100) throw new UsageError('--percent applies to a branch or all devices, not to one --device.');
  return withStores(dataDirOf(values.data), async ({ meta }) => {
    if (target.startsWith('device:')) await requireDevice(meta, target.slice(7));
    const before = highestActive((await meta.listRollouts({ bundleId, activeOnly: true })).filter((x) => x.target === target));
    const r = await meta.setRollout({ bundleId, version, target, percent });
    io.stdout(`Rollout #${r.id}: ${bundleId} ${version} to ${percent === 100 ? '' : `${percent}% of `}${describeTarget(target)}.\n`);
    if (target.startsWith('branch:') && (await meta.listDevices({ branch: target.slice(7) })).length === 0) {
      io.stdout(`  No device is enrolled in branch ${target.slice(7)} yet; devices enrolled there later get it.\n`);
    }
    if (before !== undefined && compareVersions(version, before) < 0) {
      io.stdout(
        percent === 100
          ? `  ${version} is lower than ${before}: devices that were given ${before} are told to downgrade.\n`
          : `  ${version} is lower than ${before}, which stays active: devices in ${before}'s share keep it. ` +
              'To take devices back to an older version, use "voice-agent rollout rollback".\n',
      );
    }
    io.stdout('  Devices pick it up at their next update check.\n');
    return 0;
  });
}

async function rolloutPin(args: string[], io: AdminIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('rollout pin', args, { data: { type: 'string' } }, true);
  const [deviceId, bundleId, version] = positionalsExactly('rollout pin', positionals, ['<device-id>', '<bundle-id>', '<version>']) as [string, string, string];
  deviceArg(deviceId);
  versionArg(version);
  return withStores(dataDirOf(values.data), async ({ meta }) => {
    await requireDevice(meta, deviceId);
    const r = await meta.setRollout({ bundleId, version, target: `device:${deviceId}`, percent: 100, pinned: true });
    io.stdout(`Rollout #${r.id}: ${deviceId} is pinned to ${bundleId} ${version}; other rollouts of ${bundleId} no longer reach it.\n`);
    io.stdout(`  Undo with: voice-agent rollout unpin ${deviceId} ${bundleId}\n`);
    return 0;
  });
}

async function rolloutUnpin(args: string[], io: AdminIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('rollout unpin', args, { data: { type: 'string' } }, true);
  const [deviceId, bundleId] = positionalsExactly('rollout unpin', positionals, ['<device-id>', '<bundle-id>']) as [string, string];
  deviceArg(deviceId);
  return withStores(dataDirOf(values.data), async ({ meta }) => {
    const pins = (await meta.listRollouts({ bundleId, activeOnly: true })).filter((r) => r.target === `device:${deviceId}`);
    if (pins.length === 0) throw new AdminError(`${deviceId} has no pin or device rollout of ${bundleId}. Run "voice-agent rollout list".`);
    for (const r of pins) await meta.stopRollout(r.id);
    io.stdout(`${deviceId} is no longer pinned to ${bundleId} (${pins.map((r) => `#${r.id} ${r.version}`).join(', ')}); its branch's or all devices' rollout applies again.\n`);
    return 0;
  });
}

/** The highest version active for the target, i.e. what its newest devices run now. */
const highestActive = (rollouts: RolloutRecord[]) =>
  rollouts.reduce<string | undefined>((hi, r) => (hi === undefined || compareVersions(r.version, hi) > 0 ? r.version : hi), undefined);

async function rolloutRollback(args: string[], io: AdminIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'rollout rollback',
    args,
    { data: { type: 'string' }, to: { type: 'string' }, branch: { type: 'string' }, device: { type: 'string' } },
    true,
  );
  const [bundleId] = positionalsExactly('rollout rollback', positionals, ['<bundle-id>']) as [string];
  const to = values.to !== undefined ? versionArg(values.to) : undefined;
  const target = targetOf(values);
  return withStores(dataDirOf(values.data), async ({ meta }) => {
    const activeHere = (await meta.listRollouts({ bundleId, activeOnly: true })).filter((r) => r.target === target);
    const current = highestActive(activeHere);
    if (current === undefined) {
      throw new AdminError(`Nothing of ${bundleId} is rolled out to ${describeTarget(target)}, so there is nothing to roll back. Run "voice-agent rollout list".`);
    }
    let restored: string[];
    if (to !== undefined) {
      if (compareVersions(to, current) >= 0) {
        throw new AdminError(`${bundleId} ${to} is not lower than ${current}, which ${describeTarget(target)} run now. To move forward, use "voice-agent rollout set".`);
      }
      if (!(await meta.getBundle(bundleId, to))) {
        throw new AdminError(`${bundleId} ${to} is not published, so devices cannot go back to it. Run "voice-agent bundle list".`);
      }
      await meta.setRollout({ bundleId, version: to, target, percent: 100 });
      await meta.audit({ actor: 'cli', action: 'rollout.rollback', subject: `${bundleId}@${current}`, details: { target, restored: to } });
      restored = [to];
    } else {
      const result = await meta.rollbackRollout(bundleId, target);
      restored = result.active.map((r) => r.version);
    }
    io.stdout(`Rolled back ${bundleId} for ${describeTarget(target)}: ${current} -> ${restored.join(', ') || 'nothing'}.\n`);
    io.stdout(`  Devices that were given a newer version are told to downgrade to ${restored.join(', ')} at their next check.\n`);
    const newerElsewhere = (await meta.listRollouts({ bundleId, activeOnly: true })).filter(
      (r) => r.target !== target && restored.every((v) => compareVersions(r.version, v) > 0),
    );
    if (newerElsewhere.length > 0) {
      io.stdout(
        `  Still active with a newer version (roll these back separately): ${newerElsewhere.map((r) => `#${r.id} ${r.version} to ${describeTarget(r.target)}`).join('; ')}\n`,
      );
    }
    return 0;
  });
}

async function rolloutList(args: string[], io: AdminIo): Promise<number> {
  const { values } = parseCommandArgs('rollout list', args, {
    data: { type: 'string' },
    bundle: { type: 'string' },
    all: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  });
  return withStores(dataDirOf(values.data), async ({ meta }) => {
    const rollouts = await meta.listRollouts({ ...(values.bundle ? { bundleId: values.bundle } : {}), activeOnly: !values.all });
    if (values.json) {
      io.stdout(json(rollouts));
      return 0;
    }
    if (rollouts.length === 0) {
      io.stdout(values.all ? 'No rollouts yet.\n' : 'Nothing is rolled out. Run "voice-agent rollout set <bundle-id> <version>" (or --all to see past rollouts).\n');
      return 0;
    }
    const state = (r: RolloutRecord) => (r.active ? 'active' : r.rolledBack ? 'rolled back' : 'replaced');
    io.stdout(
      table(
        ['#', 'bundle', 'version', 'target', 'percent', 'pinned', 'since', 'state'],
        rollouts.map((r) => [String(r.id), r.bundleId, r.version, r.target, `${r.percent}%`, r.pinned ? 'yes' : '-', shortTime(r.createdAt), state(r)]),
      ),
    );
    return 0;
  });
}
