/** `voice-agent ask "<question>" [--lang hi|en] [--json]`: one question to the embedded default agent. */
import { createAgent } from '../../src/agent/index.ts';
import { AgentInputError } from '../../src/agent/responder.ts';
import { openDefaultBundle } from '../../src/bundles/node-source.ts';
import type { Lang } from '../../src/config/lang.ts';
import { parseCommandArgs, UsageError } from '../args.ts';

const USAGE = 'Usage: voice-agent ask "<question>" [--lang hi|en] [--json]';

export async function runAsk(args: string[], io: { stdout: (s: string) => void; stderr: (s: string) => void }): Promise<number> {
  let question: string;
  let lang: Lang | undefined;
  let json: boolean;
  try {
    const { values, positionals } = parseCommandArgs(
      'ask',
      args,
      { lang: { type: 'string' }, json: { type: 'boolean', default: false } },
      true,
    );
    question = positionals.join(' ').trim();
    if (!question) throw new UsageError(`voice-agent ask: no question given. ${USAGE}`);
    if (values.lang !== undefined && values.lang !== 'hi' && values.lang !== 'en') {
      throw new UsageError(`voice-agent ask: --lang must be "hi" or "en", got "${values.lang}". ${USAGE}`);
    }
    lang = values.lang;
    json = values.json ?? false;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr(`${e.message}\n`);
    return 2;
  }

  const agent = await createAgent(await openDefaultBundle());
  let reply;
  try {
    reply = await agent.answer({ text: question, ...(lang ? { lang } : {}) });
  } catch (e) {
    if (!(e instanceof AgentInputError)) throw e;
    io.stderr(`voice-agent ask: ${e.message}\n`);
    return 2;
  }

  if (json) {
    io.stdout(`${JSON.stringify(reply, null, 2)}\n`);
    return 0;
  }
  io.stdout(`${reply.text}\n\n`);
  const sources = reply.citations.map((c) => `${c.id} (${c.title})`).join(', ');
  io.stdout(`Sources: ${sources || 'none'}\n`);
  const notes = [
    `reply ${reply.lang}, detected ${reply.detected}`,
    ...(reply.tool ? [`tool ${reply.tool}`] : []),
    ...(reply.handoff ? ['handoff offered'] : []),
    `${reply.retrievalMs.toFixed(2)} ms`,
  ];
  io.stdout(`(${notes.join('; ')})\n`);
  return 0;
}
