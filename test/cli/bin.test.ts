/** The `voice-agent` bin as a user runs it: a real Node process through bin/voice-agent.mjs. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/voice-agent.mjs', import.meta.url));
const run = (args: string[], input = '') => spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', timeout: 30_000 });

describe('voice-agent bin', () => {
  it('ask answers in Hindi with the cited passage id', () => {
    const r = run(['ask', 'गोल्ड लोन के लिए कौन से दस्तावेज़ चाहिए?', '--json']);
    expect(r.status).toBe(0);
    const reply = JSON.parse(r.stdout) as { lang: string; citations: Array<{ id: string }> };
    expect(reply.lang).toBe('hi');
    expect(reply.citations.map((c) => c.id)).toContain('gl-documents-hi');
  });

  it('redact reads stdin and masks personal numbers', () => {
    const r = run(['redact'], 'Call me on 98765 43210 about my loan.\n');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('Call me on [PHONE] about my loan.\n');
  });

  it('an unknown command or flag exits 2 with a message', () => {
    const unknown = run(['frobnicate']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"/);
    const badFlag = run(['serve', '--port', 'abc']);
    expect(badFlag.status).toBe(2);
    expect(badFlag.stderr).toMatch(/--port must be a number/);
  });
});
