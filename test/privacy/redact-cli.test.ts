import { describe, expect, it } from 'vitest';
import { runRedact } from '../../server/commands/redact.ts';
import { aadhaarFrom, grouped, toDevanagari } from './reference-checksums.ts';

const AADHAAR = aadhaarFrom('23456789012');

/** Runs the command with `chunks` as stdin and collects what it writes. */
async function run(args: string[], chunks: (string | Buffer)[]) {
  let stdout = '';
  let stderr = '';
  async function* stdin() {
    for (const c of chunks) yield c;
  }
  const code = await runRedact(args, { stdin: stdin(), stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) });
  return { code, stdout, stderr };
}

describe('voice-agent redact', () => {
  it('writes the redacted text and nothing else', async () => {
    const input = `My Aadhaar is ${grouped(AADHAAR)}\nphone 98765 43210, loan 2,50,000 at 9.5%\n`;
    const r = await run([], [input]);
    expect(r).toEqual({ code: 0, stdout: 'My Aadhaar is [AADHAAR]\nphone [PHONE], loan 2,50,000 at 9.5%\n', stderr: '' });
  });

  it('decodes UTF-8 split across chunks (Devanagari digits are 3 bytes each)', async () => {
    const bytes = Buffer.from(`मेरा आधार ${toDevanagari(grouped(AADHAAR))} है`, 'utf8');
    const chunks = [bytes.subarray(0, 5), bytes.subarray(5, 31), bytes.subarray(31)];
    const r = await run([], chunks);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('मेरा आधार [AADHAAR] है');
  });

  it('with --json gives the redacted text and span offsets but never the original PII', async () => {
    const input = `Aadhaar ${AADHAAR}, PAN ABCPE1234F, mail ramesh@example.com`;
    const r = await run(['--json'], [input]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const parsed: unknown = JSON.parse(r.stdout);
    expect(parsed).toEqual({
      redacted: 'Aadhaar [AADHAAR], PAN [PAN], mail [EMAIL]',
      spans: [
        { type: 'aadhaar', start: 8, end: 20 },
        { type: 'pan', start: 26, end: 36 },
        { type: 'email', start: 43, end: 61 },
      ],
    });
    for (const secret of [AADHAAR, 'ABCPE1234F', 'ramesh', '1234']) expect(r.stdout).not.toContain(secret);
  });

  it('handles empty input', async () => {
    expect(await run([], [])).toEqual({ code: 0, stdout: '', stderr: '' });
    const r = await run(['--json'], []);
    expect(JSON.parse(r.stdout)).toEqual({ redacted: '', spans: [] });
  });

  it('rejects unknown flags and stray arguments with exit code 2 and a clear message', async () => {
    const flag = await run(['--jsno'], ['9876543210']);
    expect(flag.code).toBe(2);
    expect(flag.stdout).toBe('');
    expect(flag.stderr).toMatch(/voice-agent redact: .*--jsno.*voice-agent help/);
    const positional = await run(['file.txt'], ['9876543210']);
    expect(positional.code).toBe(2);
    expect(positional.stderr).toMatch(/voice-agent redact: .*file\.txt/);
  });

  it('prints usage for --help', async () => {
    const r = await run(['--help'], []);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: voice-agent redact \[--json\]/);
  });
});
