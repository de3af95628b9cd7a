/**
 * Per-device freshness metadata (docs/bundle-format.md, "freshness"): which manifests the device should run,
 * signed with the timestamp key and short-lived.
 *
 * The version only grows when what it says changes, or when the previous one is past half its lifetime. So
 * repeated checks get the same bytes (cacheable, and the device's "equal version, same bytes" rule holds),
 * signing happens about twice a day per device, and a device is never more than half a lifetime from expiry.
 */
import { canonicalJson, hex, sha256, utf8 } from '../../src/bundles/encoding.ts';
import { compareVersions, type BundleMetadata, type FreshnessEntry, type FreshnessMetadata } from '../../src/bundles/metadata.ts';
import { signEnvelope, type Signed, type SigningKey } from '../../src/bundles/signing.ts';
import type { BundleRecord, DeviceRecord, FreshnessRecord, MetadataStore } from './metadata-store.ts';
import { chooseVersions, markDowngrades, type RolloutChoice } from './rollout.ts';

export const DEFAULT_FRESHNESS_LIFETIME_SECONDS = 24 * 3600;

/** What the issuer needs from a published manifest; published versions never change, so it is cached. */
interface ManifestSummary {
  manifestSha: string;
  minAppVersion: string;
  webgpu: boolean;
  memoryMB: number;
}

export interface FreshnessIssuerOptions {
  lifetimeSeconds?: number;
  now?: () => Date;
}

export class FreshnessIssuer {
  private readonly lifetimeMs: number;
  private readonly now: () => Date;
  private readonly summaries = new Map<string, ManifestSummary>();

  constructor(
    private readonly store: MetadataStore,
    private readonly timestampKey: SigningKey,
    opts: FreshnessIssuerOptions = {},
  ) {
    this.lifetimeMs = (opts.lifetimeSeconds ?? DEFAULT_FRESHNESS_LIFETIME_SECONDS) * 1000;
    this.now = opts.now ?? (() => new Date());
  }

  private async summary(bundleId: string, version: string): Promise<ManifestSummary | undefined> {
    const key = `${bundleId}@${version}`;
    const cached = this.summaries.get(key);
    if (cached) return cached;
    const b: BundleRecord | undefined = await this.store.getBundle(bundleId, version);
    if (!b) return undefined;
    // Published manifests were parsed and verified by `bundle publish`; only these fields are read here.
    const { signed } = JSON.parse(b.manifestJson) as Signed<Partial<Pick<BundleMetadata, 'minAppVersion' | 'requires'>>>;
    const s: ManifestSummary = {
      manifestSha: b.manifestSha,
      minAppVersion: signed.minAppVersion ?? '0',
      webgpu: signed.requires?.webgpu === true,
      memoryMB: signed.requires?.memoryMB ?? 0,
    };
    this.summaries.set(key, s);
    return s;
  }

  /**
   * The bundles this device should run now, without the ones it cannot run (too old an app, no WebGPU, too
   * little memory): listing those would only make the device refuse them on every check.
   */
  async entriesFor(device: DeviceRecord): Promise<FreshnessEntry[]> {
    const choices = chooseVersions(device, await this.store.listRollouts({ activeOnly: true }));
    const runnable: Array<RolloutChoice & { manifestSha: string }> = [];
    for (const c of choices) {
      const s = await this.summary(c.bundleId, c.version);
      if (!s || !runsOn(s, device)) continue;
      runnable.push({ ...c, manifestSha: s.manifestSha });
    }
    const marked = markDowngrades(runnable, await this.store.getOffered(device.id));
    if (marked.changed) await this.store.setOffered(device.id, marked.offered);
    return marked.choices.map((c, i) => ({ id: c.bundleId, version: c.version, manifest: runnable[i]!.manifestSha, downgrade: c.downgrade }));
  }

  /** The signed freshness for a device: the stored one when it still says the same and is young enough, else a new one. */
  async forDevice(device: DeviceRecord): Promise<FreshnessRecord> {
    const bundles = await this.entriesFor(device);
    const contentHash = hex(await sha256(utf8(canonicalJson({ deviceId: device.id, bundles }))));
    // Two app servers may answer the same device at once; the compare-and-set in saveFreshness picks one.
    for (let attempt = 0; attempt < 3; attempt++) {
      const prev = await this.store.getFreshness(device.id);
      const now = this.now();
      if (prev && prev.contentHash === contentHash && now.getTime() < halfLife(prev)) return prev;
      const signed: FreshnessMetadata = {
        type: 'freshness',
        spec: 1,
        version: (prev?.version ?? 0) + 1,
        deviceId: device.id,
        issued: now.toISOString(),
        expires: new Date(now.getTime() + this.lifetimeMs).toISOString(),
        bundles,
      };
      const env = await signEnvelope(signed, [this.timestampKey]);
      const rec: FreshnessRecord = {
        deviceId: device.id,
        version: signed.version,
        contentHash,
        issued: signed.issued,
        expires: signed.expires,
        body: JSON.stringify(env),
      };
      if (await this.store.saveFreshness(rec, prev?.version)) return rec;
    }
    const latest = await this.store.getFreshness(device.id);
    if (!latest) throw new Error(`Freshness for ${device.id} could not be stored. Try again.`);
    return latest;
  }
}

function halfLife(rec: FreshnessRecord): number {
  const issued = Date.parse(rec.issued);
  return issued + (Date.parse(rec.expires) - issued) / 2;
}

function runsOn(s: ManifestSummary, device: DeviceRecord): boolean {
  const caps = device.capabilities;
  if (compareVersions(device.appVersion, s.minAppVersion) < 0) return false;
  if (s.webgpu && caps.webgpu !== true) return false;
  if (s.memoryMB > 0 && typeof caps.memoryMB === 'number' && caps.memoryMB < s.memoryMB) return false;
  return true;
}
