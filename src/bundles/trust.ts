/**
 * What a device accepts (docs/bundle-format.md, "freshness" and "Clocks"): TUF-style checks against
 * arbitrary installs, rollback, replay, freeze and mix-and-match. Pure functions over a TrustState the
 * client keeps in IndexedDB.
 */
import {
  compareVersions,
  parseBundleMetadata,
  parseFreshness,
  parseRoot,
  type BundleMetadata,
  type FreshnessEntry,
  type FreshnessMetadata,
  type RootMetadata,
} from './metadata.ts';
import { signedHash, verifyEnvelope, type Signed } from './signing.ts';
import { BundleError } from './source.ts';

export interface TrustState {
  root: Signed<RootMetadata>;
  /** The highest freshness version accepted, and the hash of its content. */
  freshnessVersion: number;
  freshnessHash?: string;
  /** The latest `issued` time accepted: trusted time never goes back before it. */
  lastIssued?: string;
}

export interface DeviceCapabilities {
  webgpu: boolean;
  memoryMB?: number;
  appVersion: string;
}

export type TrustErrorCode = 'signature' | 'replay' | 'expired' | 'device' | 'rollback' | 'mismatch' | 'incompatible' | 'malformed';

export class TrustError extends BundleError {
  override name = 'TrustError';
  constructor(readonly code: TrustErrorCode, message: string) {
    super(message);
  }
}

/** max(device clock, latest accepted "issued"): a clock set back cannot make old metadata look fresh. */
export function trustedNow(state: TrustState, deviceNow: Date): Date {
  const issued = state.lastIssued ? Date.parse(state.lastIssued) : 0;
  return new Date(Math.max(deviceNow.getTime(), issued));
}

async function guard<T>(code: TrustErrorCode, run: () => Promise<T> | T): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof TrustError) throw e;
    throw new TrustError(code, (e as Error).message);
  }
}

export async function acceptFreshness(
  json: unknown,
  state: TrustState,
  deviceId: string,
  now: Date,
): Promise<{ freshness: FreshnessMetadata; state: TrustState }> {
  const env = await guard('malformed', () => parseFreshness(json));
  const root = state.root.signed;
  await guard('signature', () => verifyEnvelope(env, root.keys, root.roles.timestamp, 'update information from the sync service'));
  const f = env.signed;
  if (f.deviceId !== deviceId) {
    throw new TrustError('device', `The update information is for another device (${f.deviceId}), not this one (${deviceId}). It was ignored; check the sync server address.`);
  }
  const hash = await signedHash(env);
  if (f.version < state.freshnessVersion || (f.version === state.freshnessVersion && hash !== state.freshnessHash)) {
    throw new TrustError(
      'replay',
      `The sync service sent old update information (number ${f.version}; this device has already seen ${state.freshnessVersion}). ` +
        'It may be a replay by someone on the network. It was rejected; the installed bundles keep working.',
    );
  }
  const trusted = trustedNow(state, now);
  if (Date.parse(f.expires) <= trusted.getTime()) {
    throw new TrustError(
      'expired',
      `The update information has expired (valid until ${f.expires}; this device's time is ${trusted.toISOString()}). ` +
        "Check this device's date and time; if they are right, the sync service is out of date — tell IT. The installed bundles keep working.",
    );
  }
  const lastIssued = state.lastIssued && Date.parse(state.lastIssued) > Date.parse(f.issued) ? state.lastIssued : f.issued;
  return { freshness: f, state: { ...state, freshnessVersion: f.version, freshnessHash: hash, lastIssued } };
}

export async function acceptManifest(
  json: unknown,
  root: RootMetadata,
  entry: FreshnessEntry,
  installedVersion: string | undefined,
  caps: DeviceCapabilities,
): Promise<BundleMetadata> {
  const env = await guard('malformed', () => parseBundleMetadata(json));
  const m = env.signed;
  const what = `bundle "${m.id}" ${m.version}`;
  await guard('signature', () => verifyEnvelope(env, root.keys, root.roles.targets, what));
  if (m.id !== entry.id || m.version !== entry.version || (await signedHash(env)) !== entry.manifest) {
    throw new TrustError(
      'mismatch',
      `The ${what} is not the one the sync service listed for this device (${entry.id} ${entry.version}). ` +
        'Manifests from different releases cannot be mixed; it was rejected. Check for updates again.',
    );
  }
  if (installedVersion !== undefined && compareVersions(m.version, installedVersion) < 0 && !entry.downgrade) {
    throw new TrustError(
      'rollback',
      `The ${what} is older than the installed ${installedVersion} and was offered as an update. It was rejected ` +
        '(an older version may have known problems); the installed version keeps working.',
    );
  }
  if (compareVersions(caps.appVersion, m.minAppVersion) < 0) {
    throw new TrustError('incompatible', `The ${what} needs app version ${m.minAppVersion} or later (this is ${caps.appVersion}). Update the app; the installed bundles keep working.`);
  }
  if (m.requires.webgpu && !caps.webgpu) {
    throw new TrustError('incompatible', `The ${what} needs WebGPU, which this device or browser does not offer. It was not installed.`);
  }
  // navigator.deviceMemory is capped at 8 (GB) for privacy, so 8192 MB means "8 GB or more": a larger
  // requirement cannot be judged from it and is not held against such a device.
  if (m.requires.memoryMB && caps.memoryMB !== undefined && caps.memoryMB < 8192 && caps.memoryMB < m.requires.memoryMB) {
    throw new TrustError('incompatible', `The ${what} needs ${m.requires.memoryMB} MB of memory; this device reports ${caps.memoryMB} MB. It was not installed.`);
  }
  return m;
}

/** TUF chained rotation: root N+1 must be signed by root N's root keys and by its own, and not have expired. */
export async function acceptRootUpdate(current: Signed<RootMetadata>, next: unknown, now: Date = new Date()): Promise<Signed<RootMetadata>> {
  const env = await guard('malformed', () => parseRoot(next));
  if (env.signed.version !== current.signed.version + 1) {
    throw new TrustError('rollback', `Trusted root version ${env.signed.version} cannot follow version ${current.signed.version}; roots are accepted one version at a time.`);
  }
  await guard('signature', () => verifyEnvelope(env, current.signed.keys, current.signed.roles.root, `trusted root version ${env.signed.version} (old keys)`));
  await guard('signature', () => verifyEnvelope(env, env.signed.keys, env.signed.roles.root, `trusted root version ${env.signed.version} (new keys)`));
  if (!(Date.parse(env.signed.expires) > now.getTime())) {
    throw new TrustError(
      'expired',
      `Trusted root version ${env.signed.version} has expired (valid until ${env.signed.expires}; this device's time is ${now.toISOString()}). ` +
        "It was rejected. Check this device's date and time; if they are right, tell IT to publish a new root.",
    );
  }
  return env;
}
