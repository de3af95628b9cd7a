export {
  HOP_LENGTH,
  LOG_ZERO_GUARD,
  LogMelStream,
  N_FFT,
  N_MELS,
  PREEMPHASIS,
  SAMPLE_RATE,
  STD_GUARD,
  WIN_LENGTH,
  analysisWindow,
  computeFeatures,
  frameCount,
  logMel,
  melCenterFrequencies,
  melFilterbank,
  normalizePerFeatureInPlace,
} from './mel.ts';
export type { MelFeatures, MelNormalize, MelOptions } from './mel.ts';
