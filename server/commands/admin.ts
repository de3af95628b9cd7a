/** What the admin commands (keys, bundle, device, rollout, audit) share: the data dir, stores, errors, output. */
import { resolve } from 'node:path';
import { BlobStoreError, DiskBlobStore } from '../sync/blob-store.ts';
import { DataDirError, dataDirPaths, defaultDataDir, hasServerKeys, type DataDirPaths } from '../sync/data-dir.ts';
import { MetadataStoreError, SqliteMetadataStore } from '../sync/metadata-store.ts';
import { BundleError } from '../../src/bundles/source.ts';
import { KeyFileError } from '../bundles/key-files.ts';
import { PackInputError } from '../bundles/pack-dir.ts';
import { VabFileError } from '../bundles/vab-file.ts';
import { UsageError } from '../args.ts';

export interface AdminIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Whether stderr is a terminal (progress is redrawn in place there). */
  stderrIsTTY?: boolean;
}

/** An error the user can act on: printed as is, exit 1. */
export class AdminError extends Error {
  override name = 'AdminError';
}

const EXPECTED = [AdminError, BundleError, DataDirError, KeyFileError, PackInputError, VabFileError, MetadataStoreError, BlobStoreError];

/**
 * Runs one admin sub-command: a usage error exits 2 with the usage line, an expected failure exits 1 with
 * its message (what happened and what to do); anything else is a bug and goes up to cli.ts.
 */
export async function runAdmin(name: string, usage: string, io: AdminIo, fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof UsageError || (e instanceof PackInputError && e.usage)) {
      io.stderr(`${e.message}\n${usage}\n`);
      return 2;
    }
    if (EXPECTED.some((cls) => e instanceof cls)) {
      io.stderr(`voice-agent ${name}: ${(e as Error).message}\n`);
      return 1;
    }
    throw e;
  }
}

export const dataDirOf = (value: string | undefined): string => resolve(value ?? defaultDataDir());

/** The data dir of an initialised service; a typo in --data gets an answer instead of a fresh empty database. */
export function requireDataDir(dir: string): DataDirPaths {
  if (!hasServerKeys(dir)) {
    throw new AdminError(`${dir} is not an initialised data dir (no keys/root.json). Run "voice-agent keys init --data ${dir}", or pass the right --data.`);
  }
  return dataDirPaths(dir);
}

export interface Stores {
  paths: DataDirPaths;
  meta: SqliteMetadataStore;
  blobs: DiskBlobStore;
}

export async function withStores<T>(dir: string, fn: (s: Stores) => Promise<T>): Promise<T> {
  const paths = requireDataDir(dir);
  const meta = new SqliteMetadataStore(paths.db);
  try {
    return await fn({ paths, meta, blobs: new DiskBlobStore(paths.blobs) });
  } finally {
    await meta.close();
  }
}

/** A whole number within bounds, or a usage error naming the option. */
export function intOption(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}; got "${value}".`);
  }
  return Number(value);
}

/** A plain-text table: columns padded to the widest cell, no colours (output is often piped or logged). */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return `${[line(head), ...rows.map(line)].join('\n')}\n`;
}

export const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** "2026-11-26 10:00 UTC": short and unambiguous in a table. */
export function shortTime(iso: string | undefined): string {
  if (!iso) return '-';
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}
