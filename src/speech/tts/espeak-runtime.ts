import ESpeakNg, { type EspeakModule } from 'espeak-ng';
import { TtsError } from './errors.ts';

/** The wasm exports the glue keeps private but a re-entrant main() needs. */
interface EspeakExports {
  __main_argc_argv(argc: number, argv: number): number;
  stackSave(): number;
  stackRestore(sp: number): void;
  stackAlloc(size: number): number;
}

export interface RunResult {
  exitCode: number;
  /** What eSpeak wrote to stderr during this run. */
  stderr: string[];
}

const encoder = new TextEncoder();

/**
 * One warm eSpeak NG instance whose CLI main() can be run many times.
 *
 * The package only exports main(), and main() is not re-runnable as is: getopt's optind and eSpeak's own
 * globals keep state, so a second run parses no options and writes nothing. Instead, linear memory is
 * snapshotted right after start-up and restored before each run, which makes every run start from the
 * same state as a fresh instance (byte-identical output) at the cost of one 32 MB copy (~3 ms) instead of
 * a ~100 ms instantiation. The embedded voice data lives in that memory and the JS file system only points
 * into it, so restoring memory keeps the two consistent.
 */
export class EspeakRuntime {
  private dirty = false;

  private constructor(
    private readonly module: EspeakModule,
    private readonly exports: EspeakExports,
    private readonly snapshot: Uint8Array,
    private readonly stderr: string[],
  ) {}

  /** Instantiates the compiled module (compile once with WebAssembly.compile and reuse it). */
  static async create(compiled: WebAssembly.Module): Promise<EspeakRuntime> {
    const stderr: string[] = [];
    let exports: EspeakExports | undefined;
    // The glue never settles its promise when custom instantiation fails, so race it against that failure.
    let failInstantiate: (e: unknown) => void = () => {};
    const instantiateFailed = new Promise<never>((_, reject) => (failInstantiate = reject));
    const started = ESpeakNg({
      noInitialRun: true,
      print: () => {},
      printErr: (line) => stderr.push(line),
      quit: (_status, toThrow) => {
        throw toThrow;
      },
      instantiateWasm(imports, receiveInstance) {
        WebAssembly.instantiate(compiled, imports).then((instance) => {
          exports = instance.exports as unknown as EspeakExports;
          receiveInstance(instance, compiled);
        }, failInstantiate);
        return {};
      },
    });
    let module: EspeakModule;
    try {
      module = await Promise.race([started, instantiateFailed]);
    } catch (e) {
      throw new TtsError(`eSpeak NG could not start: ${(e as Error).message ?? String(e)}. Reload the app; if it persists, reinstall it.`);
    }
    if (!exports) throw new TtsError(`eSpeak NG did not start: ${stderr.join(' ') || 'no wasm exports'}.`);
    return new EspeakRuntime(module, exports, module.HEAPU8.slice(), stderr);
  }

  /** Puts memory back to the post-start-up state if a run has changed it; cheap to call when idle. */
  reset(): void {
    if (!this.dirty) return;
    this.module.HEAPU8.set(this.snapshot);
    this.dirty = false;
  }

  /** Runs the eSpeak NG command line with `args` (without the program name). */
  run(args: readonly string[]): RunResult {
    this.reset();
    this.dirty = true;
    this.stderr.length = 0;
    const { exports: ex } = this;
    const sp = ex.stackSave();
    try {
      const argv = ['espeak-ng', ...args].map((arg) => {
        const bytes = encoder.encode(`${arg}\0`);
        const ptr = ex.stackAlloc(bytes.length);
        this.module.HEAPU8.set(bytes, ptr);
        return ptr;
      });
      const argvPtr = ex.stackAlloc(4 * (argv.length + 1));
      this.module.HEAPU32.set([...argv, 0], argvPtr >> 2);
      let exitCode: number;
      try {
        exitCode = ex.__main_argc_argv(argv.length, argvPtr);
      } catch (e) {
        // exit(n) inside main() surfaces as the glue's ExitStatus; anything else is a crash.
        const status = (e as { name?: string; status?: number } | null)?.name === 'ExitStatus' ? (e as { status: number }).status : undefined;
        if (status === undefined) throw e;
        exitCode = status;
      }
      return { exitCode, stderr: this.stderr.filter((l) => !l.startsWith('program exited')) };
    } finally {
      ex.stackRestore(sp);
    }
  }

  readFile(path: string): Uint8Array {
    return this.module.FS.readFile(path);
  }

  removeFile(path: string): void {
    try {
      this.module.FS.unlink(path);
    } catch {
      // Not there: nothing to remove.
    }
  }
}
