/** Thin worker: SHA-256 of download chunks for the sync worker (src/bundles/client/chunk-hasher.ts). */
import type { HashReply, HashRequest } from '../src/bundles/client/chunk-hasher.ts';
import { hex } from '../src/bundles/encoding.ts';

self.onmessage = async (e: MessageEvent<HashRequest>) => {
  const { id, buf } = e.data;
  let reply: HashReply;
  try {
    reply = { id, hex: hex(await crypto.subtle.digest('SHA-256', buf)), buf };
  } catch (err) {
    reply = { id, error: (err as Error).message, buf };
  }
  (self as unknown as Worker).postMessage(reply, [buf]);
};
