import type { InputLang, Lang } from '../config/lang.ts';

/** One knowledge passage an answer rests on. */
export interface Citation {
  /** Stable passage id, e.g. "gl-eligibility-en". */
  id: string;
  title: string;
  score: number;
}

export interface AgentRequest {
  text: string;
  /** Overrides detection when the customer picked a language in the selector. */
  lang?: Lang;
}

/** Streamed pieces of one reply, in order: the sentences are what TTS speaks. */
export type AgentEvent =
  | { type: 'meta'; lang: Lang; detected: InputLang; citations: Citation[]; tool?: string; handoff: boolean; retrievalMs: number }
  /** `text` is shown (amounts as ₹2,50,000); `speech` is what the voice says ("2 lakh 50 thousand rupees"). */
  | { type: 'sentence'; text: string; speech: string; index: number }
  | { type: 'done'; text: string };

export interface AgentReply {
  text: string;
  sentences: string[];
  /** The sentences as the voice reads them. */
  spoken: string[];
  lang: Lang;
  detected: InputLang;
  citations: Citation[];
  /** The tool that produced the answer, if any ("emi", "eligibility"). */
  tool?: string;
  /** True when nothing relevant was found and the reply offers a person. */
  handoff: boolean;
  retrievalMs: number;
}

export interface Agent {
  /** Streams the reply: meta first, then sentences as they are ready, then done. */
  stream(req: AgentRequest, signal?: AbortSignal): AsyncGenerator<AgentEvent>;
  answer(req: AgentRequest): Promise<AgentReply>;
}
