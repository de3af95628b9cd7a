/**
 * Sync benchmark: prints figures, no pass/fail (only sanity checks that the figures mean something).
 *   npm run bench:sync  [-- --size-mb 256 --heap-mb 1024 --repeats 3 --devices 200 --duration 10 --dl-devices 50 --dl-mb 64]
 *   (--help lists every flag; --only heap runs one part; --profile adds a CPU profile of the sync worker)
 *
 * A real sync service (its own process, e2e/bench/sync-server.ts) on a temp data dir, bundles packed and
 * published with the real admin CLI (bin/voice-agent.mjs) from random, incompressible bytes, and:
 *  1. install throughput in headless Chromium: checkNow() of the real sync worker (download + verify every
 *     chunk's signed SHA-256 + decrypt one chunk per file to prove the key + store in OPFS, as devices do;
 *     then with every chunk GCM-decrypted too; then the IndexedDB fallback) against a plain fetch of the same
 *     blob bytes from the same server with a device token, from the page and from a worker (goal:
 *     install/plain ≥ 0.7), with
 *     the per-chunk cost of SHA-256, AES-GCM and storage writes, and CPU time per process from /proc;
 *  2. peak JS heap of the page and every worker while installing a 1 GB bundle (goal ≤ 150 MB);
 *  3. update checks (GET /api/v1/updates) under autocannon, 200 connections, from its own process, rotating
 *     over many enrolled devices' tokens;
 *  4. 50 devices downloading one blob at once (aggregate throughput, per-download times, errors).
 * Everything it starts (server, browsers, temp dirs) is stopped and removed at the end, also on Ctrl+C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { cpus, freemem, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import { readVabHeader } from '../../src/bundles/container.ts';
import { exportWrapPublicKey, generateWrapKeyPair } from '../../src/bundles/keywrap.ts';
import type { BundleMetadata } from '../../src/bundles/metadata.ts';
import { CHROMIUM } from '../harness.ts';
import type { CannonFigures } from './sync-cannon.ts';
import { startHeapSampler, startWorkerProfile, type HeapReport, type ProfileSummary } from './sync-cdp.ts';
import { cpuSeconds, cpuSnapshot, findBrowserPid, type CpuGroup } from './sync-proc.ts';
import type { SyncBenchPage } from './sync-page/page.ts';

declare const bench: SyncBenchPage;

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HERE = fileURLToPath(new URL('.', import.meta.url));

const { values: flags } = parseArgs({
  options: {
    'size-mb': { type: 'string', default: '256' },
    files: { type: 'string', default: '4' },
    repeats: { type: 'string', default: '3' },
    'idb-repeats': { type: 'string', default: '1' },
    'heap-mb': { type: 'string', default: '1024' },
    devices: { type: 'string', default: '200' },
    connections: { type: 'string', default: '200' },
    duration: { type: 'string', default: '10' },
    'dl-devices': { type: 'string', default: '50' },
    'dl-mb': { type: 'string', default: '64' },
    sha: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    only: { type: 'string', default: 'install,heap,updates,downloads' },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  console.log(`npm run bench:sync -- [--size-mb 256] [--files 4] [--repeats 3] [--idb-repeats 1] [--heap-mb 1024]
  [--devices 200] [--connections 200] [--duration 10] [--dl-devices 50] [--dl-mb 64] [--sha]
  [--only install,heap,updates,downloads] [--profile]
  --profile takes a V8 CPU profile of the sync worker during the first OPFS install and prints where its thread spends time.
  --sha also checks the SHA-256 of every concurrent download (costs client CPU, so it lowers the aggregate figure).`);
  process.exit(0);
}
const num = (name: keyof typeof flags, min: number): number => {
  const v = Number(flags[name]);
  if (!Number.isFinite(v) || v < min) throw new Error(`--${name} must be a number ≥ ${min}, got "${String(flags[name])}".`);
  return v;
};
const cfg = {
  sizeMB: num('size-mb', 1), files: num('files', 1), repeats: num('repeats', 1), idbRepeats: num('idb-repeats', 0),
  heapMB: num('heap-mb', 1), devices: num('devices', 1), connections: num('connections', 1), duration: num('duration', 1),
  dlDevices: num('dl-devices', 1), dlMB: num('dl-mb', 1), sha: flags.sha, profile: flags.profile,
  only: new Set(flags.only!.split(',').map((s) => s.trim())),
};

const PARTS = ['install', 'heap', 'updates', 'downloads'];
for (const part of cfg.only) if (!PARTS.includes(part)) throw new Error(`--only takes a comma-separated list of ${PARTS.join(', ')}; "${part}" is none of them.`);

const MiB = 1 << 20;
const mb = (bytes: number) => bytes / 1e6;
const f1 = (n: number) => n.toFixed(1);
const mbps = (bytes: number, ms: number) => mb(bytes) / (ms / 1000);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
/** Nearest-rank percentile. */
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
};
const log = (s: string) => console.log(s);
const loadLine = () => loadavg().map((l) => l.toFixed(2)).join(' / ') + ` (1 / 5 / 15 min, ${cpus().length} cores)`;
const step = (s: string) => process.stderr.write(`  … ${s}\n`);

/* --------------------------------------------------------------------------------------- cleanup */

const cleanups: Array<() => Promise<unknown>> = [];
const running = new Set<ChildProcess>();
const tempDirs: string[] = [];
let cleaning: Promise<void> | undefined;
/** Runs once; a second caller (a signal during the finally block, or the other way round) waits for the same run. */
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    // CLI commands still running (Ctrl+C during packing) would go on writing into the temp dir.
    await Promise.all([...running].map((c) => new Promise((r) => {
      c.once('exit', r);
      c.kill('SIGTERM');
    })));
    for (const c of cleanups.reverse()) await c().catch((e: Error) => process.stderr.write(`cleanup: ${e.message}\n`));
  })();
  return cleaning;
}
// `on`, not `once`: with Ctrl+C the signal comes twice (from the terminal and relayed by tsx), and tsx exits
// the process at a signal nobody else listens to, before the cleanup is done.
let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${sig}: stopping and removing temp files…\n`);
    void cleanup().then(() => {
      // The main flow may have written more (e.g. a random file being generated) while cleanup ran: sweep again, synchronously, then go.
      for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
      process.exit(130);
    });
  });
}

/* ------------------------------------------------------------------------------ processes and CLI */

function run(args: string[], what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    if (cleaning) return reject(new Error(`not starting ${what}: the benchmark is stopping`));
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    child.once('exit', () => running.delete(child));
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${what} exited ${code}: ${err.trim() || out.trim()}`))));
  });
}

/** The real admin CLI, as an operator runs it. */
const cli = (dataDir: string, ...args: string[]) => run([join(ROOT, 'bin/voice-agent.mjs'), ...args, '--data', dataDir], `voice-agent ${args.slice(0, 2).join(' ')}`);

async function startServer(appDir: string, dataDir: string): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  if (cleaning) throw new Error('not starting the sync server: the benchmark is stopping');
  const child = spawn(process.execPath, ['--import', 'tsx', join(HERE, 'sync-server.ts'), appDir, dataDir], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (b: Buffer) => {
      buf += b.toString();
      const line = buf.split('\n')[0];
      if (buf.includes('\n')) resolve((JSON.parse(line!) as { port: number }).port);
    });
    child.on('exit', (code) => reject(new Error(`The sync server exited ${code} before listening (see the error above).`)));
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timeout = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timeout);
    },
  };
}

/* ----------------------------------------------------------------------------------------- bundles */

async function writeRandomFile(path: string, bytes: number): Promise<void> {
  const out = createWriteStream(path);
  const piece = Buffer.alloc(8 * MiB);
  for (let left = bytes; left > 0; left -= piece.length) {
    const n = Math.min(left, piece.length);
    randomFillSync(piece, 0, n);
    // A fresh copy per write: the stream may still hold the previous buffer.
    if (!out.write(Buffer.from(piece.subarray(0, n)))) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

async function vabManifest(vab: string): Promise<BundleMetadata> {
  const fh = await open(vab, 'r');
  try {
    let size = 64 * 1024;
    for (;;) {
      const buf = new Uint8Array(size);
      const { bytesRead } = await fh.read(buf, 0, size, 0);
      const r = readVabHeader(buf.subarray(0, bytesRead));
      if (!('need' in r)) return r.header.manifest.signed;
      if (bytesRead < size) throw new Error(`${vab} is shorter than its header says.`);
      size = r.need;
    }
  } finally {
    await fh.close();
  }
}

/** Random files → `bundle pack` → `bundle publish` → `rollout set --branch`; returns the signed manifest's content. */
async function publishBundle(work: string, dataDir: string, o: { id: string; kind: string; totalBytes: number; files: number; branch: string }): Promise<BundleMetadata> {
  const src = join(work, 'src', o.id);
  await mkdir(src, { recursive: true });
  const each = Math.ceil(o.totalBytes / o.files);
  for (let i = 0; i < o.files; i++) await writeRandomFile(join(src, `part-${i}.bin`), Math.min(each, o.totalBytes - i * each));
  const vab = join(work, `${o.id}.vab`);
  const t0 = Date.now();
  const role = `${o.kind}=${o.files === 1 ? 'part-0.bin' : '.'}`;
  await cli(dataDir, 'bundle', 'pack', src, '--kind', o.kind, '--version', '1.0.0', '--id', o.id, '--role', role, '--out', vab);
  const t1 = Date.now();
  await cli(dataDir, 'bundle', 'publish', vab);
  const t2 = Date.now();
  await cli(dataDir, 'rollout', 'set', o.id, '1.0.0', '--branch', o.branch, '--percent', '100');
  const m = await vabManifest(vab);
  step(`${o.id}: ${f1(mb(o.totalBytes))} MB in ${o.files} file(s); pack ${f1((t1 - t0) / 1000)} s, publish ${f1((t2 - t1) / 1000)} s; rolled out to branch ${o.branch}`);
  await rm(src, { recursive: true, force: true });
  await rm(vab, { force: true });
  return m;
}

/* ------------------------------------------------------------------------------------------ devices */

interface NodeDevice { deviceId: string; token: string }

async function enrolCodes(dataDir: string, branch: string, n: number): Promise<string[]> {
  // In-process (one tsx start per code would take minutes); the same command `voice-agent device enroll-code` runs.
  const { runDevice } = await import('../../server/commands/device.ts');
  const codes: string[] = [];
  for (let i = 0; i < n; i++) {
    let out = '';
    let err = '';
    const code = await runDevice(['enroll-code', '--branch', branch, '--json', '--data', dataDir], { stdout: (s) => void (out += s), stderr: (s) => void (err += s) });
    if (code !== 0) throw new Error(`voice-agent device enroll-code exited ${code}: ${err}`);
    codes.push((JSON.parse(out) as { code: string }).code);
  }
  return codes;
}

/** Enrols as the PWA does: a non-extractable P-256 key pair and POST /api/v1/enroll with a one-time code. */
async function enrolNodeDevice(url: string, code: string, label: string): Promise<NodeDevice> {
  const pair = await generateWrapKeyPair(false);
  const publicKey = (await exportWrapPublicKey(pair.publicKey)).public;
  const res = await fetch(`${url}/api/v1/enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, publicKey, appVersion: '0.1.0', label, capabilities: { webgpu: false } }),
  });
  if (res.status !== 200) throw new Error(`enrolment failed: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as NodeDevice;
}

/* ------------------------------------------------------------------------------------------ browser */

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'];

async function openBrowser(origin: string): Promise<{ context: BrowserContext; page: Page; dir: string; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'va-sync-bench-chromium-'));
  tempDirs.push(dir);
  // Our own signal handler closes browsers and removes their profiles; playwright's would exit first.
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false,
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await context.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  cleanups.push(close);
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => process.stderr.write(`[page error] ${e.message}\n`));
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => document.title === 'sync bench ready');
  return { context, page, dir, close };
}

async function buildPage(outDir: string): Promise<void> {
  await build({
    configFile: false, logLevel: 'warn', root: join(HERE, 'sync-page'), base: '/',
    build: { outDir, emptyOutDir: true, target: 'es2022', minify: false }, // readable names in --profile
    worker: { format: 'es' },
  });
}

const START = { appVersion: '0.1.0', autoCheck: false } as const;

type Cpu = Partial<Record<CpuGroup, number>>;
interface InstallRun { installMs: number; installerSeconds: number; pageFetchMs: number; workerFetchMs: number; installCpu: Cpu; workerFetchCpu: Cpu; profile?: ProfileSummary }

/** "renderer 5.1 s, network 2.0 s, … = 1.7 of 2 cores busy" */
function describeCpu(cpu: Cpu, wallMs: number): string {
  const parts = (Object.entries(cpu) as Array<[CpuGroup, number]>).filter(([, v]) => v >= 0.05).sort((a, b) => b[1] - a[1]);
  if (parts.length === 0) return 'no /proc figures';
  const total = parts.reduce((t, [, v]) => t + v, 0);
  return `${parts.map(([k, v]) => `${k} ${f1(v)} s`).join(', ')} = ${(total / (wallMs / 1000)).toFixed(2)} of ${cpus().length} cores busy`;
}

async function installRun(origin: string, code: string, backend: 'opfs' | 'indexeddb', tagCheck: 'first' | 'every', blobUrls: string[], auth: Record<string, string>, expectBytes: number, id: string, serverPid: number | undefined, profile: boolean): Promise<InstallRun> {
  const b = await openBrowser(origin);
  const browserPid = await findBrowserPid(b.dir);
  try {
    const st = await b.page.evaluate((o) => bench.start(o), { ...START, backend, tagCheck });
    if (st.storage.backend !== backend) throw new Error(`asked for the ${backend} store, the sync worker opened ${st.storage.backend}`);
    await b.page.evaluate(([u, c]) => bench.enrol(u!, c!, 'bench'), [origin, code]);
    const pageFetch = await b.page.evaluate(([u, h]) => bench.fetchInPage(u as string[], h as Record<string, string>), [blobUrls, auth] as const);
    const c0 = await cpuSnapshot(browserPid, serverPid);
    const workerFetch = await b.page.evaluate(([u, h]) => bench.fetchInWorker(u as string[], h as Record<string, string>), [blobUrls, auth] as const);
    const c1 = await cpuSnapshot(browserPid, serverPid);
    if (pageFetch.bytes !== expectBytes || workerFetch.bytes !== expectBytes) {
      throw new Error(`plain fetch read ${pageFetch.bytes} / ${workerFetch.bytes} bytes, expected ${expectBytes}`);
    }
    const browser = b.context.browser();
    const profiler = profile && browser ? await startWorkerProfile(browser, 'sync.worker') : undefined;
    const c2 = await cpuSnapshot(browserPid, serverPid);
    const { ms, result } = await b.page.evaluate(() => bench.timedCheck());
    const c3 = await cpuSnapshot(browserPid, serverPid);
    const summary = await profiler?.stop();
    const report = result.reports.find((r) => r.id === id);
    if (!result.ok || !report) throw new Error(`the install failed: ${JSON.stringify(result).slice(0, 600)}`);
    const status = await b.page.evaluate(() => bench.status());
    const v = status.installed.find((i) => i.id === id && i.state === 'active');
    if (!v || v.sizeBytes !== expectBytes) throw new Error(`after checkNow ${id} is not active with ${expectBytes} bytes: ${JSON.stringify(status.installed)}`);
    return {
      installMs: ms, installerSeconds: report.seconds, pageFetchMs: pageFetch.ms, workerFetchMs: workerFetch.ms,
      installCpu: cpuSeconds(c2, c3), workerFetchCpu: cpuSeconds(c0, c1), ...(summary ? { profile: summary } : {}),
    };
  } finally {
    await b.close();
  }
}

/* --------------------------------------------------------------------------------------------- main */

const t0 = Date.now();
const work = await mkdtemp(join(tmpdir(), 'va-sync-bench-'));
tempDirs.push(work);
cleanups.push(() => rm(work, { recursive: true, force: true }));
const dataDir = join(work, 'data');
const appDir = join(work, 'app');
const summary: Array<[string, string, string]> = [];
let chromiumVersion = '?';

try {
  log(`\nSync benchmark (${new Date().toISOString()})`);
  const cpu = cpus();
  log(`machine: ${cpu.length} cores (${cpu[0]?.model.trim() ?? '?'}), ${f1(totalmem() / 2 ** 30)} GiB RAM (${f1(freemem() / 2 ** 30)} free), Linux ${release()}`);
  log(`node ${process.version}; temp dir ${work}`);
  log(`load average at the start: ${loadLine()}`);
  if ((loadavg()[0] ?? 0) > cpus().length / 2) log('   (the machine is busy with other work: figures will be lower and noisier than on an idle machine)');

  step('building the bench page (vite) and initialising keys');
  await buildPage(appDir);
  await cli(dataDir, 'keys', 'init');

  const needInstall = cfg.only.has('install');
  const needHeap = cfg.only.has('heap');
  const needLoad = cfg.only.has('updates') || cfg.only.has('downloads');
  step('packing and publishing bundles with the admin CLI');
  const tp = needInstall ? await publishBundle(work, dataDir, { id: 'bench-tp', kind: 'llm', totalBytes: cfg.sizeMB * MiB, files: cfg.files, branch: 'bench-tp' }) : undefined;
  const heap = needHeap ? await publishBundle(work, dataDir, { id: 'bench-heap', kind: 'llm', totalBytes: cfg.heapMB * MiB, files: cfg.files, branch: 'bench-heap' }) : undefined;
  const dl = needLoad ? await publishBundle(work, dataDir, { id: 'bench-dl', kind: 'stt', totalBytes: cfg.dlMB * MiB, files: 1, branch: 'bench-load' }) : undefined;
  if (needLoad) {
    // Update checks of the load devices list two bundles, like a branch with a model and a knowledge index.
    await publishBundle(work, dataDir, { id: 'bench-kb', kind: 'kb', totalBytes: 2 * MiB, files: 1, branch: 'bench-load' });
  }

  const server = await startServer(appDir, dataDir);
  cleanups.push(() => server.stop());
  const origin = server.url;
  log(`sync service: ${origin} (own process, pid ${server.child.pid}; rate limits off)`);

  /* ----------------------------------------------------------------------------- 1. install throughput */
  if (tp) {
    const totalEnc = tp.files.reduce((s, f) => s + f.encSize, 0);
    const blobUrls = tp.files.map((f) => `${origin}/api/v1/blobs/${f.blob}`);
    const [fetchCode] = await enrolCodes(dataDir, 'bench-tp', 1);
    const fetchDevice = await enrolNodeDevice(origin, fetchCode!, 'bench plain fetch');
    const auth = { authorization: `Bearer ${fetchDevice.token}` };
    // Warm the server (JIT, page cache) so the first measured run is not the odd one out.
    for (const u of blobUrls) await (await fetch(u, { headers: auth })).arrayBuffer();

    log(`\n1. Install throughput in headless Chromium: bundle ${tp.id} (${tp.kind}), ${tp.files.length} files, ${f1(mb(totalEnc))} MB encrypted, chunks of ${tp.chunkSize / MiB} MiB`);
    const probe = await openBrowser(origin);
    chromiumVersion = probe.context.browser()?.version() ?? '?';
    const est = await probe.page.evaluate(() => bench.estimate());
    log(`   chromium ${chromiumVersion}; fresh profile: storage.estimate() quota ${f1(est.quota / 1e9)} GB, usage ${f1(mb(est.usage))} MB, persisted ${est.persisted}`);
    const p = await probe.page.evaluate(([n, size]) => bench.primitives(n!, size!), [128, tp.chunkSize]);
    log(`   per-chunk steps in a worker (${p.chunks} chunks of ${f1(mb(p.chunkBytes))} MB, one at a time): SHA-256 ${f1(p.sha256)} MB/s, AES-GCM decrypt ${f1(p.decrypt)} MB/s, ` +
      `OPFS write ${f1(p.opfsWrite)} MB/s, IndexedDB put ${f1(p.idbWrite)} MB/s; SHA-256 → decrypt → OPFS write in a row ${f1(p.pipeline)} MB/s; ` +
      `a small IndexedDB readwrite commit ${p.idbSmallCommitMs.toFixed(1)} ms`);
    await probe.close();

    // "opfs" is what devices do: every chunk's signed SHA-256 checked, one GCM tag per file (the rest are checked
    // on every read); "opfs, all tags" also GCM-decrypts every chunk while installing.
    type Mode = 'opfs' | 'opfs, all tags' | 'indexeddb';
    const MODES: Record<Mode, { backend: 'opfs' | 'indexeddb'; tagCheck: 'first' | 'every' }> = {
      opfs: { backend: 'opfs', tagCheck: 'first' },
      'opfs, all tags': { backend: 'opfs', tagCheck: 'every' },
      indexeddb: { backend: 'indexeddb', tagCheck: 'first' },
    };
    const runs: Record<Mode, InstallRun[]> = { opfs: [], 'opfs, all tags': [], indexeddb: [] };
    const plan: Mode[] = [
      ...Array<Mode>(cfg.repeats).fill('opfs'),
      ...Array<Mode>(Math.min(cfg.repeats, 1)).fill('opfs, all tags'),
      ...Array<Mode>(cfg.idbRepeats).fill('indexeddb'),
    ];
    const codes = await enrolCodes(dataDir, 'bench-tp', plan.length);
    const cpuLines: string[] = [];
    log('   run  store           plain fetch (page)   plain fetch (worker)   install (checkNow)   install/plain');
    for (const [i, mode] of plan.entries()) {
      const { backend, tagCheck } = MODES[mode];
      const r = await installRun(origin, codes[i]!, backend, tagCheck, blobUrls, auth, totalEnc, tp.id, server.child.pid, cfg.profile && i === 0);
      runs[mode].push(r);
      cpuLines.push(`   run ${i + 1} CPU, install: ${describeCpu(r.installCpu, r.installMs)}`, `   run ${i + 1} CPU, worker fetch: ${describeCpu(r.workerFetchCpu, r.workerFetchMs)}`);
      log(`   ${String(i + 1).padStart(3)}  ${mode.padEnd(14)}  ${f1(mbps(totalEnc, r.pageFetchMs)).padStart(8)} MB/s        ${f1(mbps(totalEnc, r.workerFetchMs)).padStart(8)} MB/s          ${f1(mbps(totalEnc, r.installMs)).padStart(8)} MB/s        ${(r.pageFetchMs / r.installMs).toFixed(2)} (page)  ${(r.workerFetchMs / r.installMs).toFixed(2)} (worker)`);
    }
    for (const line of cpuLines) log(line);
    const prof = runs.opfs[0]?.profile;
    if (prof) {
      log(`   sync worker thread during run 1 (V8 CPU profile, ${f1(prof.totalMs / 1000)} s; self time, "(idle)" = waiting for crypto, network or storage):`);
      for (const t of prof.top) log(`     ${(t.share * 100).toFixed(1).padStart(5)} %  ${f1(t.ms).padStart(8)} ms  ${t.name}`);
    }
    for (const backend of Object.keys(MODES) as Mode[]) {
      const rs = runs[backend];
      if (rs.length === 0) continue;
      const install = median(rs.map((r) => mbps(totalEnc, r.installMs)));
      const page = median(rs.map((r) => mbps(totalEnc, r.pageFetchMs)));
      const wrk = median(rs.map((r) => mbps(totalEnc, r.workerFetchMs)));
      const ratioPage = median(rs.map((r) => r.pageFetchMs / r.installMs));
      const ratioWorker = median(rs.map((r) => r.workerFetchMs / r.installMs));
      log(`   median of ${rs.length} (${backend}): install ${f1(install)} MB/s (installer alone ${f1(median(rs.map((r) => mb(totalEnc) / r.installerSeconds)))} MB/s), plain fetch page ${f1(page)} MB/s, worker ${f1(wrk)} MB/s; install/plain = ${ratioPage.toFixed(2)} vs page fetch, ${ratioWorker.toFixed(2)} vs worker fetch`);
      summary.push([`install/plain fetch, ${backend} (${f1(mb(totalEnc))} MB, median of ${rs.length})`, '≥ 0.7', `${ratioWorker.toFixed(2)} vs worker fetch, ${ratioPage.toFixed(2)} vs page fetch (install ${f1(install)} MB/s, fetch ${f1(wrk)} / ${f1(page)} MB/s)`]);
    }
  }

  /* ------------------------------------------------------------------------------------ 2. peak heap */
  if (heap) {
    const totalEnc = heap.files.reduce((s, f) => s + f.encSize, 0);
    log(`\n2. Peak JS heap while installing bundle ${heap.id}: ${heap.files.length} files, ${f1(mb(totalEnc))} MB encrypted (OPFS)`);
    const [code] = await enrolCodes(dataDir, 'bench-heap', 1);
    const b = await openBrowser(origin);
    try {
      if (chromiumVersion === '?') chromiumVersion = b.context.browser()?.version() ?? '?';
      const est = await b.page.evaluate(() => bench.estimate());
      log(`   storage.estimate() before: quota ${f1(est.quota / 1e9)} GB, usage ${f1(mb(est.usage))} MB (needs ${f1(mb(totalEnc))} MB)`);
      if (est.quota - est.usage < totalEnc * 1.1) throw new Error(`Chromium's storage quota (${f1(est.quota / 1e9)} GB) is too small for a ${f1(mb(totalEnc))} MB install; free disk space or pass a smaller --heap-mb.`);
      await b.page.evaluate((o) => bench.start(o), START);
      await b.page.evaluate(([u, c]) => bench.enrol(u!, c!, 'bench heap'), [origin, code]);
      const browser = b.context.browser();
      if (!browser) throw new Error('playwright gave no Browser for the persistent context; cannot open a browser CDP session.');
      const sampler = await startHeapSampler(browser, { origin, userDataDir: b.dir, intervalMs: 100 });
      const { ms, result } = await b.page.evaluate(() => bench.timedCheck());
      const rep: HeapReport = await sampler.stop();
      if (!result.ok || !result.reports.some((r) => r.id === heap.id)) throw new Error(`the ${f1(mb(totalEnc))} MB install failed: ${JSON.stringify(result).slice(0, 600)}`);
      const after = await b.page.evaluate(() => bench.estimate());
      log(`   installed in ${f1(ms / 1000)} s (${f1(mbps(totalEnc, ms))} MB/s, with sampling); storage.estimate() after: usage ${f1(mb(after.usage))} MB`);
      log(`   sampled ${rep.rounds} rounds every ${rep.intervalMs} ms (Runtime.getHeapUsage per target):`);
      log('   target                                                              peak JS heap   peak ArrayBuffer backing');
      for (const t of rep.targets) {
        const name = `${t.type} ${t.url.replace(origin, '')}`.slice(0, 66).padEnd(66);
        log(`   ${name}  ${f1(mb(t.peakUsed)).padStart(8)} MB   ${f1(mb(t.peakBacking)).padStart(8)} MB   (${t.samples} samples)`);
      }
      log(`   peak of the sum over targets: JS heap ${f1(mb(rep.peakSumUsed))} MB; JS heap + ArrayBuffer backing ${f1(mb(rep.peakSumUsedAndBacking))} MB`);
      if (rep.peakRendererRss !== undefined) {
        log(`   renderer processes' RSS (/proc): ${f1(mb(rep.startRendererRss ?? 0))} MB at the start, peak ${f1(mb(rep.peakRendererRss))} MB`);
      }
      summary.push([`peak JS heap installing ${f1(mb(totalEnc))} MB (page + workers)`, '≤ 150 MB', `${f1(mb(rep.peakSumUsed))} MB (with ArrayBuffer backing ${f1(mb(rep.peakSumUsedAndBacking))} MB${rep.peakRendererRss !== undefined ? `; renderer RSS peak ${f1(mb(rep.peakRendererRss))} MB` : ''})`]);
    } finally {
      await b.close();
    }
  }

  /* ---------------------------------------------------------------------------- 3. update-check load */
  let loadDevices: NodeDevice[] = [];
  if (needLoad) {
    const n = Math.max(cfg.only.has('updates') ? cfg.devices : 0, cfg.only.has('downloads') ? cfg.dlDevices : 0);
    step(`enrolling ${n} devices (branch bench-load)`);
    const codes = await enrolCodes(dataDir, 'bench-load', n);
    loadDevices = [];
    for (const [i, c] of codes.entries()) loadDevices.push(await enrolNodeDevice(origin, c, `bench load ${i}`));
    // Each device's first check signs its freshness; the load test measures the steady state of repeated checks.
    for (const d of loadDevices) {
      const res = await fetch(`${origin}/api/v1/updates`, { headers: { authorization: `Bearer ${d.token}` } });
      const body = (await res.json()) as { freshness?: { signed: { bundles: unknown[] } } };
      if (res.status !== 200 || body.freshness?.signed.bundles.length !== 2) throw new Error(`first update check of ${d.deviceId}: HTTP ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
    }
  }
  if (cfg.only.has('updates')) {
    const devices = loadDevices.slice(0, cfg.devices);
    log(`\n3. Update checks: autocannon (own process), ${cfg.connections} connections, ${cfg.duration} s, GET /api/v1/updates rotating over ${devices.length} devices' tokens`);
    const cfgFile = join(work, 'cannon.json');
    await writeFile(cfgFile, JSON.stringify({ url: `${origin}/api/v1/updates`, tokens: devices.map((d) => d.token), connections: cfg.connections, durationSeconds: cfg.duration }));
    const out = await run(['--import', 'tsx', join(HERE, 'sync-cannon.ts'), cfgFile], 'autocannon');
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as CannonFigures;
    log(`   ${r.requests} requests in ${r.durationSeconds} s: ${r.requestsPerSecond.toFixed(0)} req/s; latency p50 ${r.latencyMs.p50} ms, p90 ${r.latencyMs.p90} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms`);
    log(`   errors ${r.errors} (timeouts ${r.timeouts}), non-2xx ${r.non2xx}; status codes ${JSON.stringify(r.statusCodes)}; ${r.devicesUsed} distinct devices`);
    summary.push([`update checks, ${cfg.connections} connections, ${devices.length} devices`, 'req/s, p99; 0 errors', `${r.requestsPerSecond.toFixed(0)} req/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, errors ${r.errors}, non-2xx ${r.non2xx}`]);
  }

  /* ------------------------------------------------------------------------ 4. concurrent downloads */
  if (cfg.only.has('downloads') && dl) {
    const blob = dl.files[0]!;
    const devices = loadDevices.slice(0, cfg.dlDevices);
    log(`\n4. ${devices.length} devices downloading blob ${blob.blob.slice(0, 12)}… (${f1(mb(blob.encSize))} MB) at once with Node fetch${cfg.sha ? ', SHA-256 checked' : ', byte counts checked (--sha to hash too)'}`);
    const url = `${origin}/api/v1/blobs/${blob.blob}`;
    const errors: string[] = [];
    const started = performance.now();
    const times = await Promise.all(
      devices.map(async (d) => {
        const s = performance.now();
        try {
          const res = await fetch(url, { headers: { authorization: `Bearer ${d.token}` } });
          if (res.status !== 200 || !res.body) throw new Error(`HTTP ${res.status}`);
          const hash = cfg.sha ? createHash('sha256') : undefined;
          let n = 0;
          for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) {
            n += part.byteLength;
            hash?.update(part);
          }
          if (n !== blob.encSize) throw new Error(`got ${n} bytes, expected ${blob.encSize}`);
          if (hash && hash.digest('hex') !== blob.blob) throw new Error('SHA-256 mismatch');
        } catch (e) {
          errors.push(`${d.deviceId}: ${(e as Error).message}`);
        }
        return performance.now() - s;
      }),
    );
    const wall = performance.now() - started;
    const good = devices.length - errors.length;
    const agg = mbps(good * blob.encSize, wall);
    log(`   all done in ${f1(wall / 1000)} s: aggregate ${f1(agg)} MB/s (${f1(mb(good * blob.encSize))} MB); per download p50 ${f1(pct(times, 50) / 1000)} s, p99 ${f1(pct(times, 99) / 1000)} s, max ${f1(Math.max(...times) / 1000)} s`);
    log(`   errors ${errors.length}${errors.length ? `: ${errors.slice(0, 5).join('; ')}` : ''}`);
    summary.push([`${devices.length} devices downloading ${f1(mb(blob.encSize))} MB at once`, 'aggregate MB/s; 0 errors', `${f1(agg)} MB/s, per download p50 ${f1(pct(times, 50) / 1000)} s / p99 ${f1(pct(times, 99) / 1000)} s, errors ${errors.length}`]);
  }

  /* ----------------------------------------------------------------------------------------- summary */
  log(`\nSummary (${cpus().length} cores, node ${process.version}, chromium ${chromiumVersion}; server in its own process on 127.0.0.1)`);
  const w0 = Math.max(...summary.map((r) => r[0].length), 6);
  const w1 = Math.max(...summary.map((r) => r[1].length), 4);
  log(`  ${'figure'.padEnd(w0)}  ${'goal'.padEnd(w1)}  measured`);
  for (const [a, b, c] of summary) log(`  ${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`);
  log(`load average at the end: ${loadLine()}`);
  log(`\nbench:sync took ${f1((Date.now() - t0) / 1000)} s`);
} finally {
  await cleanup();
}
