/**
 * Progress of long admin operations (pack, verify, publish) on stderr, so stdout stays the result a script
 * reads. On a terminal one line is redrawn about ten times a second; elsewhere (CI logs, pipes) a plain line
 * is written at most every few seconds, so short runs print nothing and long ones still show they are alive.
 */
export interface ProgressSink {
  write(s: string): void;
  isTTY: boolean;
}

export interface Progress {
  update(doneBytes: number, totalBytes: number): void;
  /** Clears the redrawn line (on a terminal); call before printing the result. */
  done(): void;
}

const TTY_INTERVAL_MS = 100;
const LOG_INTERVAL_MS = 5_000;

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

export function formatBytes(bytes: number): string {
  if (bytes < 1e3) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  if (bytes < 1e9) return `${mb(bytes)} MB`;
  return `${(bytes / 1e9).toFixed(2)} GB`;
}

export function createProgress(label: string, sink: ProgressSink, now: () => number = Date.now): Progress {
  const started = now();
  let last = started;
  let drawn = false;
  return {
    update(done, total) {
      const t = now();
      const interval = sink.isTTY ? TTY_INTERVAL_MS : LOG_INTERVAL_MS;
      if (t - last < interval && done < total) return;
      if (!sink.isTTY && done >= total && !drawn) return; // finished before the first log line was due
      last = t;
      const pct = total > 0 ? Math.floor((done / total) * 100) : 100;
      const rate = done / Math.max(0.001, (t - started) / 1000);
      const line = `${label} ${String(pct).padStart(3)}%  ${mb(done)} / ${mb(total)} MB  (${mb(rate)} MB/s)`;
      if (sink.isTTY) {
        sink.write(`\r${line}\x1b[K`);
      } else {
        sink.write(`${line}\n`);
      }
      drawn = true;
    },
    done() {
      if (sink.isTTY && drawn) sink.write('\r\x1b[K');
      drawn = false;
    },
  };
}
