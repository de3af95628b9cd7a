/**
 * Microphone capture for the voice loop: getUserMedia (echo cancellation, noise suppression and AGC
 * requested) → AudioWorklet → 16 kHz, 512-sample Float32 frames with exact sample indices.
 * Browser only. Failures become a CaptureError whose message says what to do instead.
 */
import workletUrl from './capture.worklet.ts?worker&url';
import type { CaptureProcessorOptions, CaptureWorkletMessage } from './capture.worklet.ts';

/** Must match CAPTURE_PROCESSOR in capture.worklet.ts (not imported: that module only runs in the worklet). */
const PROCESSOR_NAME = 'capture-16k';
export const CAPTURE_SAMPLE_RATE = 16000;

export type CaptureErrorCode = 'insecure-context' | 'no-audio-worklet' | 'permission-denied' | 'no-microphone' | 'microphone-busy' | 'failed';

export class CaptureError extends Error {
  override name = 'CaptureError';
  constructor(readonly code: CaptureErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface CaptureOptions {
  /** Called for every 16 kHz frame; `sampleIndex` is the frame's first sample since capture started. */
  onFrame: (frame: Float32Array, sampleIndex: number) => void;
  /** 512 (32 ms) by default: the Silero VAD frame. */
  frameSamples?: number;
  deviceId?: string;
}

/** What the browser actually granted (a request is only a request). */
export interface CaptureSettings {
  echoCancellation: boolean | undefined;
  noiseSuppression: boolean | undefined;
  autoGainControl: boolean | undefined;
  /** The track's own rate and the AudioContext's rate (which the worklet resamples from). */
  trackSampleRate: number | undefined;
  contextSampleRate: number;
  channelCount: number | undefined;
  deviceLabel: string;
}

export interface Capture {
  readonly settings: CaptureSettings;
  readonly sampleRate: typeof CAPTURE_SAMPLE_RATE;
  readonly frameSamples: number;
  /** Seconds of AudioContext time, for relating frames to playback (`context.currentTime`). */
  readonly context: AudioContext;
  /** Stops the microphone (the browser's recording indicator goes off) and closes the audio graph. */
  stop(): Promise<void>;
}

const TYPE_INSTEAD = 'You can type your question in the text box instead.';

function toCaptureError(e: unknown): CaptureError {
  const name = (e as { name?: string } | null)?.name;
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return new CaptureError(
        'permission-denied',
        `Microphone access was denied. Allow the microphone for this site in the browser's address bar (site settings) and try again. ${TYPE_INSTEAD}`,
        { cause: e },
      );
    case 'NotFoundError':
    case 'OverconstrainedError':
      return new CaptureError('no-microphone', `No microphone was found. Connect one (or choose another input) and try again. ${TYPE_INSTEAD}`, {
        cause: e,
      });
    case 'NotReadableError':
    case 'AbortError':
      return new CaptureError(
        'microphone-busy',
        `The microphone could not be started; another app may be using it. Close that app and try again. ${TYPE_INSTEAD}`,
        { cause: e },
      );
    default:
      return new CaptureError('failed', `The microphone could not be started (${(e as Error)?.message ?? String(e)}). ${TYPE_INSTEAD}`, {
        cause: e,
      });
  }
}

/**
 * Starts capturing. Call from a user gesture (a tap on the mic button) so the AudioContext may run.
 * Checks what cannot work before asking for permission, so the user is never prompted in vain.
 */
export async function startCapture(opts: CaptureOptions): Promise<Capture> {
  const frameSamples = opts.frameSamples ?? 512;
  if (!globalThis.isSecureContext || !navigator.mediaDevices?.getUserMedia) {
    throw new CaptureError(
      'insecure-context',
      `The microphone is only available on a secure (https:// or localhost) page. Open the app over https. ${TYPE_INSTEAD}`,
    );
  }
  if (typeof AudioWorkletNode !== 'function' || typeof AudioContext !== 'function') {
    throw new CaptureError(
      'no-audio-worklet',
      `This browser cannot process live audio (no AudioWorklet). Update the browser or use a recent Chrome, Edge, Safari or Firefox. ${TYPE_INSTEAD}`,
    );
  }

  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: {
        echoCancellation: true,
        noiseSuppression: true,
        autoGainControl: true,
        channelCount: { ideal: 1 },
        ...(opts.deviceId ? { deviceId: { exact: opts.deviceId } } : {}),
      },
    });
  } catch (e) {
    throw toCaptureError(e);
  }

  const track = stream.getAudioTracks()[0];
  const context = new AudioContext();
  const stopTracks = () => stream.getTracks().forEach((t) => t.stop());
  try {
    if (!track) throw new DOMException('The stream has no audio track', 'NotFoundError');
    if (context.state === 'suspended') await context.resume();
    await context.audioWorklet.addModule(workletUrl);
    const processorOptions: CaptureProcessorOptions = { frameSamples };
    // No outputs: a node without outputs is still processed, and nothing reaches the speakers.
    const node = new AudioWorkletNode(context, PROCESSOR_NAME, { numberOfInputs: 1, numberOfOutputs: 0, processorOptions });
    node.port.onmessage = (e: MessageEvent<CaptureWorkletMessage>) => {
      if (e.data.type === 'frame') opts.onFrame(e.data.samples, e.data.sampleIndex);
    };
    const source = context.createMediaStreamSource(stream);
    source.connect(node);

    const s = track.getSettings();
    const settings: CaptureSettings = {
      echoCancellation: typeof s.echoCancellation === 'boolean' ? s.echoCancellation : undefined,
      noiseSuppression: s.noiseSuppression,
      autoGainControl: s.autoGainControl,
      trackSampleRate: s.sampleRate,
      contextSampleRate: context.sampleRate,
      channelCount: s.channelCount,
      deviceLabel: track.label,
    };

    let stopped = false;
    return {
      settings,
      sampleRate: CAPTURE_SAMPLE_RATE,
      frameSamples,
      context,
      async stop() {
        if (stopped) return;
        stopped = true;
        node.port.postMessage('stop');
        node.port.onmessage = null;
        source.disconnect();
        stopTracks();
        await context.close();
      },
    };
  } catch (e) {
    stopTracks();
    await context.close().catch(() => undefined);
    if (e instanceof CaptureError) throw e;
    if ((e as { name?: string }).name === 'NotFoundError') throw toCaptureError(e);
    throw new CaptureError(
      'failed',
      `The audio pipeline could not be started (${(e as Error).message}). Reload the page and try again. ${TYPE_INSTEAD}`,
      { cause: e },
    );
  }
}
