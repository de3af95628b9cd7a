/** Thin worker: hosts the agent (retrieval + tools + responder) and streams its events to the page. */
import * as Comlink from 'comlink';
import { createAgent } from '../src/agent/index.ts';
import type { Agent, AgentEvent, AgentRequest } from '../src/agent/types.ts';
import type { BundleRef } from '../src/bundles/client/status.ts';
import { openBundleSource } from '../src/bundles/store-source.ts';

let agent: Agent | undefined;
const running = new Map<string, AbortController>();

const api = {
  async init(bundle: BundleRef): Promise<void> {
    agent = await createAgent(await openBundleSource(bundle));
  },
  /** Streams one reply; `cancel(turnId)` stops it between sentences (barge-in). */
  async ask(turnId: string, req: AgentRequest, onEvent: (e: AgentEvent) => void): Promise<void> {
    if (!agent) throw new Error('The agent worker was used before init.');
    const controller = new AbortController();
    running.set(turnId, controller);
    try {
      for await (const event of agent.stream(req, controller.signal)) {
        if (controller.signal.aborted) break;
        onEvent(event);
      }
    } finally {
      running.delete(turnId);
    }
  },
  cancel(turnId: string): void {
    running.get(turnId)?.abort();
  },
};

export type AgentWorkerApi = typeof api;
Comlink.expose(api);
