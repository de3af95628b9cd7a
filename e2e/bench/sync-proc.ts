/**
 * Process facts from /proc (Linux) for the sync benchmark: the Chromium processes of one profile, their
 * resident memory, and CPU time per kind of process (renderer, network service, browser, the sync server),
 * to see whether an install is limited by the machine's cores rather than by the network. Elsewhere than
 * Linux every function returns nothing and the benchmark prints less.
 */
import { readdir, readFile } from 'node:fs/promises';

interface Proc { pid: number; ppid: number; cmdline: string; rssBytes: number; cpuTicks: number }

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on every common Linux build). */
const TICKS_PER_SECOND = 100;

async function procEntries(): Promise<Proc[]> {
  const out: Proc[] = [];
  let names: string[];
  try {
    names = await readdir('/proc');
  } catch {
    return out;
  }
  await Promise.all(
    names.filter((n) => /^\d+$/.test(n)).map(async (n) => {
      try {
        const [status, cmdline, stat] = await Promise.all([
          readFile(`/proc/${n}/status`, 'utf8'), readFile(`/proc/${n}/cmdline`, 'utf8'), readFile(`/proc/${n}/stat`, 'utf8'),
        ]);
        const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? -1);
        const rssKb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
        // Fields after the ")" that ends the command name: state is field 3, utime 14 and stime 15.
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const cpuTicks = Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
        out.push({ pid: Number(n), ppid, cmdline: cmdline.replace(/\0/g, ' '), rssBytes: rssKb * 1024, cpuTicks });
      } catch {
        // The process ended while we looked.
      }
    }),
  );
  return out;
}

/** The browser process of the Chromium started with this user-data-dir. */
export async function findBrowserPid(userDataDir: string): Promise<number | undefined> {
  const procs = await procEntries();
  return procs.find((p) => p.cmdline.includes(`--user-data-dir=${userDataDir}`) && !p.cmdline.includes('--type='))?.pid;
}

function family(procs: Proc[], rootPid: number): Proc[] {
  const children = new Map<number, Proc[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const out: Proc[] = [];
  const root = procs.find((p) => p.pid === rootPid);
  if (root) out.push(root);
  const stack = [rootPid];
  while (stack.length) {
    for (const c of children.get(stack.pop()!) ?? []) {
      out.push(c);
      stack.push(c.pid);
    }
  }
  return out;
}

/** Summed RSS of the renderer processes descending from the browser process. */
export async function rendererRss(browserPid: number): Promise<number | undefined> {
  const procs = await procEntries();
  if (procs.length === 0) return undefined;
  return family(procs, browserPid).filter((p) => p.cmdline.includes('--type=renderer')).reduce((s, p) => s + p.rssBytes, 0);
}

export type CpuGroup = 'renderer' | 'network' | 'browser' | 'other chromium' | 'sync server';
export type CpuSnapshot = Map<number, { group: CpuGroup; ticks: number }>;

function groupOf(p: Proc, browserPid: number): CpuGroup {
  if (p.pid === browserPid) return 'browser';
  if (p.cmdline.includes('--type=renderer')) return 'renderer';
  if (p.cmdline.includes('NetworkService')) return 'network';
  return 'other chromium';
}

/** CPU ticks so far of every process of the browser and of the server. */
export async function cpuSnapshot(browserPid: number | undefined, serverPid: number | undefined): Promise<CpuSnapshot> {
  const procs = await procEntries();
  const snap: CpuSnapshot = new Map();
  if (browserPid !== undefined) for (const p of family(procs, browserPid)) snap.set(p.pid, { group: groupOf(p, browserPid), ticks: p.cpuTicks });
  if (serverPid !== undefined) for (const p of family(procs, serverPid)) snap.set(p.pid, { group: 'sync server', ticks: p.cpuTicks });
  return snap;
}

/** CPU seconds per group between two snapshots (processes started in between count from zero). */
export function cpuSeconds(before: CpuSnapshot, after: CpuSnapshot): Partial<Record<CpuGroup, number>> {
  const out: Partial<Record<CpuGroup, number>> = {};
  for (const [pid, a] of after) {
    const d = (a.ticks - (before.get(pid)?.ticks ?? 0)) / TICKS_PER_SECOND;
    out[a.group] = (out[a.group] ?? 0) + d;
  }
  return out;
}
