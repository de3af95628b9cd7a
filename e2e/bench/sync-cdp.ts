/**
 * Chromium DevTools Protocol probes for the sync benchmark, through one browser-level CDP session:
 * Target.getTargets lists the page and its dedicated workers (the sync worker among them); each is attached
 * non-flattened, so playwright's plain CDPSession.send reaches it through Target.sendMessageToTarget.
 *  - startHeapSampler: Runtime.getHeapUsage of every page and worker every interval → peaks per target and
 *    of the sum; plus the renderer processes' RSS from /proc, which counts what the JS heap does not.
 *  - startWorkerProfile: a V8 CPU profile of one worker → where its main thread spends time (self time per
 *    function, idle included), to tell "waiting for crypto/network" from "busy in JS".
 */
import type { Browser, CDPSession } from 'playwright-core';
import { findBrowserPid, rendererRss } from './sync-proc.ts';

interface TargetInfo { targetId: string; type: string; url: string }

/** Commands to attached targets over one browser CDP session. */
class TargetChannel {
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #nextId = 1;

  private constructor(readonly cdp: CDPSession) {
    cdp.on('Target.receivedMessageFromTarget', (e: { message: string }) => {
      const m = JSON.parse(e.message) as { id?: number; result?: unknown; error?: { message: string } };
      const p = m.id !== undefined ? this.#pending.get(m.id) : undefined;
      if (!p) return;
      if (m.error) p.reject(new Error(m.error.message));
      else p.resolve(m.result);
    });
  }

  static async open(browser: Browser): Promise<TargetChannel> {
    return new TargetChannel(await browser.newBrowserCDPSession());
  }

  async targets(): Promise<TargetInfo[]> {
    return ((await this.cdp.send('Target.getTargets')) as { targetInfos: TargetInfo[] }).targetInfos;
  }

  async attach(targetId: string): Promise<string> {
    return ((await this.cdp.send('Target.attachToTarget', { targetId, flatten: false })) as { sessionId: string }).sessionId;
  }

  send<T>(sessionId: string, method: string, params: Record<string, unknown> = {}, timeoutMs = 5000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const id = this.#nextId++;
      const timer = setTimeout(() => done(() => reject(new Error(`${method} timed out after ${timeoutMs} ms`))), timeoutMs);
      const done = (fn: () => void) => {
        clearTimeout(timer);
        if (this.#pending.delete(id)) fn();
      };
      this.#pending.set(id, { resolve: (v) => done(() => resolve(v as T)), reject: (e) => done(() => reject(e)) });
      this.cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch((e: Error) => done(() => reject(e)));
    });
  }

  async close(): Promise<void> {
    await this.cdp.detach().catch(() => undefined);
  }
}

/* ------------------------------------------------------------------------------------------- heap */

interface HeapUsage { usedSize: number; totalSize: number; backingStorageSize?: number }

export interface TargetPeak {
  type: string;
  url: string;
  /** Largest V8 heap in use (Runtime.getHeapUsage usedSize). */
  peakUsed: number;
  /** Largest ArrayBuffer backing storage outside the V8 heap (backingStorageSize; 0 if Chromium does not report it). */
  peakBacking: number;
  samples: number;
}

export interface HeapReport {
  targets: TargetPeak[];
  /** Largest sum of usedSize over all sampled targets at one moment. */
  peakSumUsed: number;
  /** Largest sum of usedSize + backingStorageSize over all targets at one moment. */
  peakSumUsedAndBacking: number;
  /** Largest summed RSS of the renderer processes (bytes); undefined when /proc is not readable. */
  peakRendererRss?: number;
  /** Renderer RSS in the first sample (before the install starts), for comparison. */
  startRendererRss?: number;
  rounds: number;
  intervalMs: number;
}

export interface HeapSamplerOptions {
  intervalMs?: number;
  /** Which targets count: pages and workers whose URL starts with this origin (or blob:<origin>). */
  origin: string;
  /** The browser's user-data-dir, to find its processes in /proc for the RSS figure. */
  userDataDir?: string;
}

export async function startHeapSampler(browser: Browser, opts: HeapSamplerOptions): Promise<{ stop(): Promise<HeapReport> }> {
  const intervalMs = opts.intervalMs ?? 100;
  const ch = await TargetChannel.open(browser);
  const sessions = new Map<string, { sessionId: string; peak: TargetPeak }>();
  const report: HeapReport = { targets: [], peakSumUsed: 0, peakSumUsedAndBacking: 0, rounds: 0, intervalMs };
  ch.cdp.on('Target.detachedFromTarget', (e: { targetId?: string; sessionId: string }) => {
    for (const [targetId, s] of sessions) if (s.sessionId === e.sessionId || targetId === e.targetId) sessions.delete(targetId);
  });
  const counts = (t: TargetInfo) =>
    ['page', 'worker', 'service_worker', 'shared_worker'].includes(t.type) && (t.url.startsWith(opts.origin) || t.url.startsWith(`blob:${opts.origin}`));
  const browserPid = opts.userDataDir ? await findBrowserPid(opts.userDataDir) : undefined;

  async function round(): Promise<void> {
    for (const t of await ch.targets()) {
      if (sessions.has(t.targetId) || !counts(t)) continue;
      try {
        const peak: TargetPeak = { type: t.type, url: t.url, peakUsed: 0, peakBacking: 0, samples: 0 };
        sessions.set(t.targetId, { sessionId: await ch.attach(t.targetId), peak });
        report.targets.push(peak);
      } catch {
        // The target went away between listing and attaching.
      }
    }
    let sumUsed = 0;
    let sumAll = 0;
    await Promise.all(
      [...sessions.values()].map(async ({ sessionId, peak }) => {
        try {
          const h = await ch.send<HeapUsage>(sessionId, 'Runtime.getHeapUsage', {}, 2000);
          peak.samples += 1;
          peak.peakUsed = Math.max(peak.peakUsed, h.usedSize);
          peak.peakBacking = Math.max(peak.peakBacking, h.backingStorageSize ?? 0);
          sumUsed += h.usedSize;
          sumAll += h.usedSize + (h.backingStorageSize ?? 0);
        } catch {
          // A worker that ended mid-sample: its earlier samples stand.
        }
      }),
    );
    report.peakSumUsed = Math.max(report.peakSumUsed, sumUsed);
    report.peakSumUsedAndBacking = Math.max(report.peakSumUsedAndBacking, sumAll);
    if (browserPid !== undefined) {
      const rss = await rendererRss(browserPid);
      if (rss !== undefined) {
        report.startRendererRss ??= rss;
        report.peakRendererRss = Math.max(report.peakRendererRss ?? 0, rss);
      }
    }
    report.rounds += 1;
  }

  let running = true;
  await round();
  const loop = (async () => {
    while (running) {
      const started = Date.now();
      await round().catch(() => undefined);
      await new Promise((r) => setTimeout(r, Math.max(0, intervalMs - (Date.now() - started))));
    }
  })();

  return {
    async stop() {
      running = false;
      await loop;
      await round().catch(() => undefined);
      await ch.close();
      return report;
    },
  };
}

/* ---------------------------------------------------------------------------------------- profile */

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; startTime: number; endTime: number; samples?: number[]; timeDeltas?: number[] }

export interface ProfileSummary {
  /** Wall time the profile covers (ms). */
  totalMs: number;
  /** Self time per function, largest first: "(idle)" is the thread waiting (for crypto, network, storage). */
  top: Array<{ name: string; ms: number; share: number }>;
}

/** Starts a V8 CPU profile of the first worker whose URL contains `urlPart`. */
export async function startWorkerProfile(browser: Browser, urlPart: string): Promise<{ stop(): Promise<ProfileSummary> }> {
  const ch = await TargetChannel.open(browser);
  const target = (await ch.targets()).find((t) => t.type === 'worker' && t.url.includes(urlPart));
  if (!target) {
    await ch.close();
    throw new Error(`No worker whose URL contains "${urlPart}" is running; start it before profiling.`);
  }
  const sessionId = await ch.attach(target.targetId);
  await ch.send(sessionId, 'Profiler.enable');
  await ch.send(sessionId, 'Profiler.setSamplingInterval', { interval: 200 });
  await ch.send(sessionId, 'Profiler.start');
  return {
    async stop() {
      const { profile } = await ch.send<{ profile: CpuProfile }>(sessionId, 'Profiler.stop', {}, 30_000);
      await ch.close();
      return summarizeProfile(profile);
    },
  };
}

function summarizeProfile(p: CpuProfile): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const node = byId.get(samples[i]!);
    if (!node) continue;
    const f = node.callFrame;
    const file = f.url.split('/').pop()?.replace(/-[A-Za-z0-9_]{8}\.js$/, '.js') ?? '';
    const name = f.url ? `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}` : f.functionName;
    // A sample's time is the gap to the next one.
    self.set(name, (self.get(name) ?? 0) + (deltas[i + 1] ?? 0) / 1000);
  }
  const totalMs = (p.endTime - p.startTime) / 1000;
  const top = [...self.entries()]
    .map(([name, ms]) => ({ name, ms, share: ms / totalMs }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 12);
  return { totalMs, top };
}
