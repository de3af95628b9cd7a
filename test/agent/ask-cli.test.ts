import { describe, expect, it } from 'vitest';
import type { AgentReply } from '../../src/agent/types.ts';
import { runAsk } from '../../server/commands/ask.ts';

async function ask(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runAsk(args, { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) });
  return { code, stdout, stderr };
}

describe('voice-agent ask', () => {
  it('prints the answer and the cited passage ids', async () => {
    const { code, stdout, stderr } = await ask('gold loan pe byaj kitna hai?');
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toContain('ब्याज दर');
    expect(stdout).toContain('Sources: gl-interest-fees-hi');
  });

  it('prints the AgentReply as JSON with --json, honouring --lang', async () => {
    const { code, stdout } = await ask('gold loan pe byaj kitna hai?', '--lang', 'en', '--json');
    expect(code).toBe(0);
    const reply = JSON.parse(stdout) as AgentReply;
    expect(reply.lang).toBe('en');
    expect(reply.detected).toBe('hinglish');
    expect(reply.citations[0]?.id).toBe('gl-interest-fees-en');
    expect(reply.sentences.length).toBeGreaterThan(0);
    expect(typeof reply.retrievalMs).toBe('number');
  });

  it.each([
    [['--bogus', 'question'], /Unknown option '--bogus'/],
    [['question', '--lang', 'fr'], /--lang must be "hi" or "en", got "fr"/],
    [[], /no question given/],
    [['   '], /no question given/],
  ])('exits 2 with a clear message for %j', async (args, message) => {
    const { code, stderr, stdout } = await ask(...args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stdout).toBe('');
  });

  it('exits 2 for a question over the length limit', async () => {
    const { code, stderr } = await ask('x'.repeat(1001));
    expect(code).toBe(2);
    expect(stderr).toMatch(/limit is 1000/);
  });
});
