export class TtsError extends Error {
  override name = 'TtsError';
}
