/** Reply languages the embedded default supports end to end (retrieval, templates, TTS voice). */
export type Lang = 'hi' | 'en';
/** What the customer wrote or said, as detected: Hinglish is Hindi in Latin script. */
export type InputLang = 'hi' | 'en' | 'hinglish';
export const LANGS: readonly Lang[] = ['hi', 'en'];
