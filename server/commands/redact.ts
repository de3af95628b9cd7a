/** `voice-agent redact [--json]`: redact personal data in text read from stdin. */
import { redact } from '../../src/privacy/index.ts';
import { parseCommandArgs, UsageError } from '../args.ts';

export interface RedactIo {
  stdin: AsyncIterable<string | Buffer>;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const HELP = `Usage: voice-agent redact [--json]

Reads text from stdin and writes it with personal data (Aadhaar, PAN, mobile, IFSC, account, card, email)
replaced by labels such as [AADHAAR]. With --json, writes {"redacted": ..., "spans": [{type, start, end}]}
where start/end are UTF-16 offsets into the input; the original personal data is never printed.
`;

export async function runRedact(args: string[], io: RedactIo): Promise<number> {
  let json: boolean;
  try {
    const { values } = parseCommandArgs('redact', args, {
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    });
    if (values.help) {
      io.stdout(HELP);
      return 0;
    }
    json = values.json;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr(`${e.message}\n`);
    return 2;
  }

  const text = await readAll(io.stdin);
  const { redacted, spans } = redact(text);
  if (json) {
    const out = { redacted, spans: spans.map(({ type, start, end }) => ({ type, start, end })) };
    io.stdout(`${JSON.stringify(out)}\n`);
  } else {
    io.stdout(redacted);
  }
  return 0;
}

/** All of stdin as text; bytes are decoded as UTF-8 across chunk boundaries. */
async function readAll(stdin: AsyncIterable<string | Buffer>): Promise<string> {
  const decoder = new TextDecoder('utf-8');
  let text = '';
  for await (const chunk of stdin) {
    text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}
