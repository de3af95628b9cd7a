import type { BundleSource } from '../../bundles/source.ts';
import type { InputLang } from '../../config/lang.ts';

export interface Transcript {
  text: string;
  lang: InputLang;
  /** True for a partial result while the customer is still speaking. */
  partial: boolean;
}

/** Speech-to-text behind one interface; engines are chosen from the installed bundles. */
export interface SttEngine {
  readonly name: string;
  /** 16 kHz mono audio of one utterance. */
  transcribe(audio: Float32Array, opts?: { lang?: 'hi' | 'en' }): Promise<Transcript>;
}

export class SttUnavailableError extends Error {
  override name = 'SttUnavailableError';
}

/** What runs when no installed bundle provides a recognition model: says so instead of guessing. */
export class NoSttEngine implements SttEngine {
  readonly name = 'none';
  async transcribe(): Promise<Transcript> {
    throw new SttUnavailableError(
      'No speech recognition model is installed on this device yet, so speech cannot be turned into text. ' +
        'Please type your question, or ask IT to install a speech model bundle.',
    );
  }
}

/** Picks the best engine the bundle supports; the chain grows as engine types are added. */
export async function selectSttEngine(source: BundleSource): Promise<SttEngine> {
  if (!source.manifest.roles.stt) return new NoSttEngine();
  throw new SttUnavailableError(
    `Bundle "${source.manifest.id}" has a speech model of a type this app version cannot run. Update the app.`,
  );
}
