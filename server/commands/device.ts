/** `voice-agent device enroll-code|list|revoke`: who may receive bundles. */
import { parseCommandArgs, UsageError } from '../args.ts';
import type { DeviceRecord, MetadataStore } from '../sync/metadata-store.ts';
import { isValidBranch } from '../sync/rollout.ts';
import { dataDirOf, intOption, json, runAdmin, shortTime, table, withStores, type AdminIo } from './admin.ts';

const USAGE = `Usage: voice-agent device enroll-code [--branch B] [--expires-hours N] [--json] [--data <dir>]
       voice-agent device list [--branch B] [--status active|revoked] [--json] [--data <dir>]
       voice-agent device revoke <device-id> [--reason text] [--data <dir>]`;

/** Devices enrolled without a branch go to this one; rollouts to "all" reach them like any other. */
export const DEFAULT_BRANCH = 'main';

export async function runDevice(args: string[], io: AdminIo): Promise<number> {
  const [sub, ...rest] = args;
  return runAdmin(`device ${sub ?? ''}`.trim(), USAGE, io, async () => {
    switch (sub) {
      case 'enroll-code':
        return enrollCode(rest, io);
      case 'list':
        return deviceList(rest, io);
      case 'revoke':
        return deviceRevoke(rest, io);
      default:
        throw new UsageError(sub ? `voice-agent device: unknown sub-command "${sub}".` : 'voice-agent device: say what to do (enroll-code, list or revoke).');
    }
  });
}

export function branchOption(value: string | undefined): string | undefined {
  if (value !== undefined && !isValidBranch(value)) {
    throw new UsageError(`--branch "${value}" must be 1 to 64 letters, digits, ".", "_" or "-" (no spaces or colons), for example mumbai-fort.`);
  }
  return value;
}

async function enrollCode(args: string[], io: AdminIo): Promise<number> {
  const { values } = parseCommandArgs('device enroll-code', args, {
    data: { type: 'string' },
    branch: { type: 'string' },
    'expires-hours': { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  const branch = branchOption(values.branch) ?? DEFAULT_BRANCH;
  const hours = intOption('expires-hours', values['expires-hours'], 1, 24 * 30) ?? 24;
  return withStores(dataDirOf(values.data), async ({ meta }) => {
    const c = await meta.createEnrollCode({ branch, ttlSeconds: hours * 3600 });
    if (values.json) {
      io.stdout(json(c));
      return 0;
    }
    io.stdout(`Enrolment code: ${c.code}\n`);
    io.stdout(`  branch   ${c.branch}\n  expires  ${shortTime(c.expiresAt)} (in ${hours} hour${hours === 1 ? '' : 's'})\n`);
    io.stdout(
      '  It enrols one device, once. On the device open the app, Models & Storage, Enrol, and enter this\n' +
        "  service's address and the code. The code is not stored anywhere readable: note it now.\n",
    );
    return 0;
  });
}

/** What the service last told the device to run (from its freshness metadata): "id@version, …". */
async function assignedVersions(meta: MetadataStore, deviceId: string): Promise<Array<{ id: string; version: string; downgrade?: boolean }>> {
  const f = await meta.getFreshness(deviceId);
  if (!f) return [];
  try {
    const body = JSON.parse(f.body) as { signed?: { bundles?: Array<{ id: string; version: string; downgrade?: boolean }> } };
    return body.signed?.bundles ?? [];
  } catch {
    return [];
  }
}

async function deviceList(args: string[], io: AdminIo): Promise<number> {
  const { values } = parseCommandArgs('device list', args, {
    data: { type: 'string' },
    branch: { type: 'string' },
    status: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  const branch = branchOption(values.branch);
  if (values.status !== undefined && values.status !== 'active' && values.status !== 'revoked') {
    throw new UsageError(`--status must be "active" or "revoked"; got "${values.status}".`);
  }
  const status = values.status;
  return withStores(dataDirOf(values.data), async ({ meta }) => {
    const devices = await meta.listDevices({ ...(branch ? { branch } : {}), ...(status ? { status } : {}) });
    const rows: Array<DeviceRecord & { bundles: Array<{ id: string; version: string; downgrade?: boolean }> }> = [];
    for (const d of devices) rows.push({ ...d, bundles: await assignedVersions(meta, d.id) });
    if (values.json) {
      // The device's public key is not secret, but it is long and of no use in a listing.
      io.stdout(json(rows.map(({ publicKey: _publicKey, ...d }) => d)));
      return 0;
    }
    if (rows.length === 0) {
      io.stdout('No devices are enrolled yet. Make a code with "voice-agent device enroll-code --branch <branch>".\n');
      return 0;
    }
    io.stdout(
      table(
        ['id', 'label', 'branch', 'status', 'last seen', 'app', 'bundles (last offered)'],
        rows.map((d) => [
          d.id,
          d.label ?? '-',
          d.branch,
          d.status === 'revoked' ? `revoked ${shortTime(d.revokedAt)}` : d.status,
          shortTime(d.lastSeenAt),
          d.appVersion,
          d.bundles.map((b) => `${b.id}@${b.version}${b.downgrade ? ' (downgrade)' : ''}`).join(', ') || '-',
        ]),
      ),
    );
    return 0;
  });
}

async function deviceRevoke(args: string[], io: AdminIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('device revoke', args, { data: { type: 'string' }, reason: { type: 'string' } }, true);
  if (positionals.length !== 1) throw new UsageError(`voice-agent device revoke: give exactly one device id (got ${positionals.length}).`);
  const id = positionals[0]!;
  return withStores(dataDirOf(values.data), async ({ meta }) => {
    const before = await meta.getDevice(id);
    const d = await meta.revokeDevice(id, values.reason ?? 'revoked by IT');
    if (before?.status === 'revoked') {
      io.stdout(`${d.id} was already revoked on ${shortTime(d.revokedAt)} (${d.revokedReason ?? 'no reason given'}). Nothing changed.\n`);
      return 0;
    }
    io.stdout(
      `Revoked ${d.id}${d.label ? ` (${d.label})` : ''}, branch ${d.branch}.\n` +
        '  From its next call the service refuses it (403 device_revoked) and gives it no new content keys.\n' +
        '  Bundles it already installed keep working offline: if the device was lost or stolen, wipe it.\n',
    );
    return 0;
  });
}
