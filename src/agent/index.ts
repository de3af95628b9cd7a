/** The embedded default agent and the helpers the conversation pipeline needs. */
import type { BundleSource } from '../bundles/source.ts';
import { kbFromBytes } from '../knowledge/kb.ts';
import type { RetrieverOptions } from '../knowledge/retriever.ts';
import { GroundedResponder } from './responder.ts';

/**
 * Builds the grounded responder from the bundle's "kb" role (verified by the source before use). One
 * throw-away question per language warms the JIT, so the customer's first question is as fast as the rest.
 */
export async function createAgent(source: BundleSource, options?: RetrieverOptions): Promise<GroundedResponder> {
  const bytes = await source.readRole('kb');
  const kb = kbFromBytes(bytes, `knowledge base of bundle "${source.manifest.id}"`);
  const agent = new GroundedResponder(kb, options);
  agent.respond('gold loan interest rate, EMI for 1 lakh for 12 months', 'en');
  agent.respond('सोने पर लोन की ब्याज दर, 20 ग्राम 22 कैरेट', 'hi');
  return agent;
}

export type { Agent, AgentEvent, AgentReply, AgentRequest, Citation } from './types.ts';
export { AgentInputError, GroundedResponder, MAX_QUESTION_CHARS, speakable } from './responder.ts';
export { chunkSentences, SentenceStream } from './sentences.ts';
export { detectLanguage, replyLanguage } from './language.ts';
export { formatIndian, formatRupees, speakAmount, speakAmountsIn, speakNumber } from './numbers.ts';
export { extractSlots, type Slots } from './slots.ts';
export { calculateEmi, ToolInputError, type EmiResult } from './tools/emi.ts';
export { calculateEligibility, type EligibilityResult } from './tools/eligibility.ts';
