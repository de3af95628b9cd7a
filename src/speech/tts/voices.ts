import type { Lang } from '../../config/lang.ts';
import { TtsError } from './errors.ts';

/**
 * eSpeak NG voice per language (voices in the espeak-ng 1.52 build the package ships).
 * eSpeak NG has no Indian English voice; British English is the closest: Indian English is non-rhotic and
 * follows British spelling and pronunciation norms, unlike "en-us". It is named "en" here, which is the same
 * voice as "en-gb" (identical output), because this build silently drops a "+variant" after "en-gb".
 * Hinglish (Hindi in Latin script) goes to the Hindi voice, which reads Latin-script words with its English
 * rules anyway.
 */
const VOICES: Readonly<Record<string, string>> = {
  en: 'en',
  hi: 'hi',
  hinglish: 'hi',
  as: 'as',
  bn: 'bn',
  bpy: 'bpy',
  gu: 'gu',
  kn: 'kn',
  kok: 'kok',
  ml: 'ml',
  mr: 'mr',
  ne: 'ne',
  or: 'or',
  pa: 'pa',
  sd: 'sd',
  si: 'si',
  ta: 'ta',
  te: 'te',
  ur: 'ur',
};

/** The language part of a tag: "en-IN" → "en", "hi_IN" → "hi". */
export const baseLang = (lang: string): string => lang.trim().toLowerCase().split(/[-_]/)[0] ?? '';

/** Languages this engine can speak. */
export const SPOKEN_LANGS: readonly string[] = Object.keys(VOICES);

/** The eSpeak NG voice for a language tag, optionally with a variant such as "f3" (female). */
export function espeakVoiceFor(lang: Lang | string, variant?: string): string {
  const voice = VOICES[baseLang(lang)];
  if (!voice) {
    throw new TtsError(
      `No speech voice for language "${lang}". Supported: ${SPOKEN_LANGS.join(', ')}. Reply in one of these languages.`,
    );
  }
  return variant ? `${voice}+${variant}` : voice;
}
