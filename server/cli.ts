/** `voice-agent <command>`: one entry point for the product's admin and diagnostic commands. */
const USAGE = `Usage: voice-agent <command> [options]

Commands:
  serve [--port N] [--host H]          run the sync service and the built app (what \`npm start\` runs)
  ask "<question>" [--lang hi|en] [--json]
                                       answer a question with the embedded default agent
  redact [--json]                      redact personal data in text read from stdin
  transcribe <file.wav> [--model <bundle-or-model-dir>] [--lang hi|en] [--json] [--hotwords "a,b"] [--beam N]
                                       speech to text with the default (or given) speech model
  help                                 show this help
`;

const io = {
  stdin: process.stdin,
  stdout: (s: string) => void process.stdout.write(s),
  stderr: (s: string) => void process.stderr.write(s),
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'serve': {
        const { runServe } = await import('./commands/serve.ts');
        return await runServe(args, io);
      }
      case 'ask': {
        const { runAsk } = await import('./commands/ask.ts');
        return await runAsk(args, io);
      }
      case 'redact': {
        const { runRedact } = await import('./commands/redact.ts');
        return await runRedact(args, io);
      }
      case 'transcribe': {
        const { runTranscribe } = await import('./commands/transcribe.ts');
        return await runTranscribe(args, io);
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout(USAGE);
        return command === undefined ? 2 : 0;
      default:
        io.stderr(`voice-agent: unknown command "${command}".\n\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    io.stderr(`voice-agent ${command}: ${(e as Error).message}\n`);
    return 1;
  }
}
