/**
 * `voice-agent transcribe <file.wav> [--model <bundle-dir-or-stt-dir>] [--lang hi|en] [--json] [--hotwords "a,b"] [--beam N]`:
 * speech to text for one WAV file with the same engines the app runs in its worker.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { resample } from '../../src/audio/resample.ts';
import { parseWav, WavError } from '../../src/audio/wav.ts';
import { DirSource, openDefaultBundle } from '../../src/bundles/node-source.ts';
import { BundleError, type BundleManifest, type BundleSource } from '../../src/bundles/source.ts';
import { VocabError } from '../../src/speech/ctc/vocab.ts';
import { OnnxMetadataError } from '../../src/speech/onnx-metadata.ts';
import { NoSttEngine, selectSttEngine, SttRequestError, SttUnavailableError } from '../../src/speech/stt/engine.ts';
import { parseCommandArgs, UsageError } from '../args.ts';

const USAGE =
  'Usage: voice-agent transcribe <file.wav> [--model <bundle-dir-or-stt-dir>] [--lang hi|en] [--json] [--hotwords "a,b"] [--beam N]';

type Io = { stdout: (s: string) => void; stderr: (s: string) => void };

/**
 * A folder of model files without a manifest (e.g. a model just exported or downloaded by hand), presented
 * as a bundle whose files sit under "stt/". UNVERIFIED: there is no manifest to check sizes and SHA-256
 * against, so this is for the CLI and trying models out; the app only installs verified bundles.
 */
export class UnverifiedFolderSource implements BundleSource {
  readonly manifest: BundleManifest;

  private constructor(
    private readonly dir: string,
    files: { path: string; size: number }[],
  ) {
    this.manifest = {
      id: `folder:${dir}`,
      kind: 'stt',
      version: 'unverified',
      languages: [],
      roles: { stt: 'stt/' },
      // sha256 is left empty: nothing to verify against (see the class comment).
      files: files.map((f) => ({ path: `stt/${f.path}`, size: f.size, sha256: '' })),
    };
  }

  static async open(dir: string): Promise<UnverifiedFolderSource> {
    const files: { path: string; size: number }[] = [];
    const walk = async (d: string): Promise<void> => {
      for (const entry of await readdir(d, { withFileTypes: true })) {
        const full = join(d, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (entry.isFile()) files.push({ path: relative(dir, full).split(sep).join('/'), size: (await stat(full)).size });
      }
    };
    await walk(dir);
    return new UnverifiedFolderSource(dir, files);
  }

  async read(path: string): Promise<Uint8Array> {
    if (!this.manifest.files.some((f) => f.path === path)) throw new BundleError(`The model folder ${this.dir} has no file "${path.slice(4)}".`);
    return new Uint8Array(await readFile(join(this.dir, path.slice('stt/'.length))));
  }

  readRole(role: string): Promise<Uint8Array> {
    const path = this.manifest.roles[role];
    if (!path) throw new BundleError(`The model folder ${this.dir} has no "${role}" model.`);
    return this.read(path);
  }
}

/** A bundle folder (with manifest.json, verified) or a bare folder of model files (its stt/ subfolder if it has one). */
export async function openModel(path: string): Promise<BundleSource> {
  const isDir = async (p: string) => (await stat(p).catch(() => undefined))?.isDirectory() ?? false;
  if (!(await isDir(path))) throw new UsageError(`voice-agent transcribe: --model ${path} is not a folder. ${USAGE}`);
  if ((await stat(join(path, 'manifest.json')).catch(() => undefined))?.isFile()) return DirSource.open(path);
  return UnverifiedFolderSource.open((await isDir(join(path, 'stt'))) ? join(path, 'stt') : path);
}

export async function runTranscribe(args: string[], io: Io): Promise<number> {
  let file: string;
  let values: { model?: string; lang?: string; json?: boolean; hotwords?: string; beam?: string };
  try {
    const parsed = parseCommandArgs(
      'transcribe',
      args,
      {
        model: { type: 'string' },
        lang: { type: 'string' },
        json: { type: 'boolean', default: false },
        hotwords: { type: 'string' },
        beam: { type: 'string' },
      },
      true,
    );
    values = parsed.values;
    if (parsed.positionals.length !== 1) {
      throw new UsageError(`voice-agent transcribe: give exactly one WAV file (got ${parsed.positionals.length}). ${USAGE}`);
    }
    file = parsed.positionals[0]!;
    if (values.lang !== undefined && values.lang !== 'hi' && values.lang !== 'en') {
      throw new UsageError(`voice-agent transcribe: --lang must be "hi" or "en", got "${values.lang}". ${USAGE}`);
    }
    if (values.beam !== undefined && !/^[1-9]\d{0,2}$/.test(values.beam)) {
      throw new UsageError(`voice-agent transcribe: --beam must be a whole number from 1 to 999, got "${values.beam}". ${USAGE}`);
    }
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr(`${e.message}\n`);
    return 2;
  }

  // The audio first: a bad file is reported without loading a model.
  let audio: Float32Array;
  let info: { sampleRate: number; channels: number };
  try {
    const bytes = await readFile(file).catch((e: NodeJS.ErrnoException) => {
      throw new WavError(e.code === 'ENOENT' ? `No such file: ${file}.` : `Cannot read ${file}: ${e.message}.`);
    });
    const wav = parseWav(bytes);
    info = wav;
    audio = resample(wav.samples, wav.sampleRate, 16000);
  } catch (e) {
    if (!(e instanceof WavError)) throw e;
    io.stderr(`voice-agent transcribe: ${file}: ${e.message}\n`);
    return 1;
  }

  let engine;
  try {
    const source = values.model ? await openModel(values.model) : await openDefaultBundle();
    engine = await selectSttEngine(source);
    if (engine instanceof NoSttEngine) {
      throw new SttUnavailableError(
        `Bundle "${source.manifest.id}" has no speech recognition model (no "stt" role). Pass --model with a bundle or model folder that has one.`,
      );
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`${e.message}\n`);
      return 2;
    }
    if (!(e instanceof SttUnavailableError || e instanceof BundleError || e instanceof VocabError || e instanceof OnnxMetadataError)) throw e;
    io.stderr(`voice-agent transcribe: ${e.message}\n`);
    return 1;
  }
  const hotwords = (values.hotwords ?? '').split(',').map((h) => h.trim()).filter(Boolean);
  let t;
  try {
    t = await engine.transcribe(audio, {
      ...(values.lang ? { lang: values.lang as 'hi' | 'en' } : {}),
      ...(hotwords.length ? { hotwords } : {}),
      ...(values.beam ? { beam: Number(values.beam) } : {}),
    });
  } catch (e) {
    if (!(e instanceof SttRequestError || e instanceof SttUnavailableError)) throw e;
    io.stderr(`voice-agent transcribe: ${e.message}\n`);
    return 1;
  }

  if (values.json) {
    const out = {
      text: t.text,
      language: t.lang,
      ...(t.modelLang ? { modelLanguage: t.modelLang } : {}),
      duration: Math.round(t.durationMs) / 1000,
      processingMs: Math.round(t.processingMs * 10) / 10,
      engine: engine.name,
      input: { sampleRate: info.sampleRate, channels: info.channels },
      ...(t.words ? { words: t.words } : {}),
    };
    io.stdout(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  }
  io.stdout(`${t.text}\n`);
  io.stderr(
    `(${engine.name}; ${t.lang}; ${(t.durationMs / 1000).toFixed(2)} s of audio in ${t.processingMs.toFixed(0)} ms, ` +
      `real-time factor ${(t.processingMs / Math.max(1, t.durationMs)).toFixed(3)})\n`,
  );
  return 0;
}
