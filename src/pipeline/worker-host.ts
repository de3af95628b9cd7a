import * as Comlink from 'comlink';

export class WorkerDiedError extends Error {
  override name = 'WorkerDiedError';
}

/**
 * Owns one comlink worker: starts it on first use, runs its init, and when it dies (an uncaught error or a
 * message it cannot read) rejects the calls in flight with a WorkerDiedError and starts a fresh one on the
 * next call, so one crashed turn does not take the conversation down.
 */
export class WorkerHost<T> {
  private worker?: Worker;
  private remote?: Promise<Comlink.Remote<T>>;
  private inFlight = new Set<(e: Error) => void>();
  restarts = 0;
  onRestart?: (name: string, restarts: number) => void;

  constructor(
    readonly name: string,
    private readonly spawn: () => Worker,
    private readonly init: (api: Comlink.Remote<T>) => Promise<void>,
  ) {}

  /** Starts the worker (and its init) if it is not running. */
  ready(): Promise<Comlink.Remote<T>> {
    if (!this.remote) {
      if (this.worker) this.restarts += 1;
      const worker = this.spawn();
      this.worker = worker;
      const died = (why: string) => this.died(worker, why);
      worker.addEventListener('error', (e) => died(e.message || 'uncaught error'));
      worker.addEventListener('messageerror', () => died('unreadable message'));
      const api = Comlink.wrap<T>(worker);
      const started = this.track(this.init(api).then(() => api));
      this.remote = started;
      started.catch(() => {
        if (this.worker === worker) this.reset();
      });
      if (this.restarts > 0) this.onRestart?.(this.name, this.restarts);
    }
    return this.remote;
  }

  /** Runs a call on the worker; rejects with WorkerDiedError if the worker dies before it answers. */
  call<R>(fn: (api: Comlink.Remote<T>) => Promise<R>): Promise<R> {
    // Tracked from the start, so a worker that dies before the call is even posted still rejects it.
    return this.track(this.ready().then(fn));
  }

  /**
   * Starts a fresh worker for the next call, quietly (a newer model was installed), once no call is in flight
   * and `idle()` says the conversation allows it, so a reply or an utterance is never cut off by an update.
   * Resolves true if a running worker was stopped (false if none was running: nothing to reload).
   */
  async reload(idle: () => boolean = () => true): Promise<boolean> {
    const old = this.worker;
    if (!old) return false;
    while ((this.inFlight.size > 0 || !idle()) && this.worker === old) await new Promise((r) => setTimeout(r, 100));
    if (this.worker !== old) return false;
    this.worker = undefined;
    this.remote = undefined;
    old.terminate();
    return true;
  }

  /** Ends the worker as if it had crashed (used when a call must be abandoned). */
  kill(reason = 'stopped'): void {
    if (this.worker) this.died(this.worker, reason);
  }

  private track<R>(p: Promise<R>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.inFlight.add(reject);
      p.then(resolve, reject).finally(() => this.inFlight.delete(reject));
    });
  }

  private died(worker: Worker, why: string): void {
    if (worker !== this.worker) return;
    const err = new WorkerDiedError(`The ${this.name} worker stopped (${why}); it will be restarted on the next turn.`);
    for (const reject of this.inFlight) reject(err);
    this.inFlight.clear();
    this.reset();
  }

  private reset(): void {
    this.worker?.terminate();
    this.remote = undefined;
  }
}
