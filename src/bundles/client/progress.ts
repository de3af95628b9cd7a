/** Download progress as the screen shows it: bytes done, a rate over the last few seconds, time left. */
export interface ProgressSnapshot {
  doneBytes: number;
  totalBytes: number;
  bytesPerSecond: number;
  secondsLeft: number | null;
}

export class ProgressMeter {
  #done: number;
  /** (time, bytes done) samples inside the window; the rate is measured across them. */
  readonly #samples: Array<[number, number]> = [];

  constructor(
    readonly totalBytes: number,
    alreadyDone = 0,
    private readonly now: () => number = () => Date.now(),
    private readonly windowMs = 5000,
  ) {
    this.#done = alreadyDone;
    this.#samples.push([now(), alreadyDone]);
  }

  get doneBytes(): number {
    return this.#done;
  }

  add(bytes: number): void {
    this.#done = Math.min(this.totalBytes, this.#done + bytes);
    const t = this.now();
    this.#samples.push([t, this.#done]);
    // Keep one sample older than the window so the rate spans the whole window.
    while (this.#samples.length > 2 && t - this.#samples[1]![0] >= this.windowMs) this.#samples.shift();
  }

  /** Bytes that will be fetched again (a restart from 0): the total to go grows back. */
  rewind(toBytes: number): void {
    this.#done = toBytes;
    this.#samples.length = 0;
    this.#samples.push([this.now(), toBytes]);
  }

  snapshot(): ProgressSnapshot {
    const first = this.#samples[0]!;
    const last = this.#samples[this.#samples.length - 1]!;
    const seconds = (last[0] - first[0]) / 1000;
    const bytesPerSecond = seconds > 0 ? Math.max(0, (last[1] - first[1]) / seconds) : 0;
    const left = this.totalBytes - this.#done;
    const secondsLeft = left <= 0 ? 0 : bytesPerSecond > 0 ? Math.ceil(left / bytesPerSecond) : null;
    return { doneBytes: this.#done, totalBytes: this.totalBytes, bytesPerSecond: Math.round(bytesPerSecond), secondsLeft };
  }
}
