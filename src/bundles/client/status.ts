/**
 * The contract between the sync worker and the Models & Storage screen: everything the screen shows comes
 * from one SyncStatus snapshot, pushed to subscribers whenever it changes.
 */
import type { BundleKind } from '../metadata.ts';

export interface InstalledBundleView {
  id: string;
  kind: BundleKind;
  version: string;
  languages: string[];
  sizeBytes: number;
  source: 'embedded' | 'sync';
  state: 'active' | 'previous';
  installedAt: number;
}

export interface DownloadView {
  id: string;
  version: string;
  doneBytes: number;
  totalBytes: number;
  bytesPerSecond: number;
  secondsLeft: number | null;
  phase: 'checking' | 'downloading' | 'verifying' | 'activating';
}

export type EnrolmentView =
  | { state: 'not-enrolled' }
  | { state: 'enrolled'; deviceId: string; branch: string; server: string; enrolledAt: number }
  | { state: 'revoked'; deviceId: string; message: string };

export interface SyncStatus {
  enrolment: EnrolmentView;
  installed: InstalledBundleView[];
  downloads: DownloadView[];
  storage: { usedBytes: number; quotaBytes: number; persisted: boolean; backend: 'opfs' | 'indexeddb' };
  lastCheck?: { at: number; ok: boolean; message?: string };
  nextCheckAt?: number;
  /** Plain words: what happened and what to do. Newest last, capped. */
  errors: Array<{ at: number; message: string }>;
}

/** Where an engine finds a bundle: installed in the verified store, or (fallback) plain files over HTTP. */
export type BundleRef = { store: { id: string; version: string } } | { url: string };
