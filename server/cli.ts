/** `voice-agent <command>`: one entry point for the product's admin and diagnostic commands. */
const USAGE = `Usage: voice-agent <command> [options]

Commands:
  serve [--port N] [--host H] [--data DIR]
                                       run the sync service and the built app (what \`npm start\` runs)
  ask "<question>" [--lang hi|en] [--json]
                                       answer a question with the embedded default agent
  redact [--json]                      redact personal data in text read from stdin
  transcribe <file.wav> [--model <bundle-or-model-dir>] [--lang hi|en] [--json] [--hotwords "a,b"] [--beam N]
                                       speech to text with the default (or given) speech model
  keys init [--force] [--publisher-key <file>]
                                       create the sync service's keys and signed root in the data dir
  keys show [--json]                   key ids of the root, publisher, timestamp and wrap keys
  bundle pack <dir> --kind <k> --version <v> [--id <id>] [--lang hi,en] [--role name=path ...] [--out <file.vab>]
              [--min-app <v>] [--requires-webgpu] [--memory-mb N] [--publisher-key <jwk>] [--wrap-key <root.json>] [--chunk-size N]
                                       encrypt and sign a folder into one .vab file
  bundle verify <file.vab> [--root <root.json>] [--json]
                                       check signature, every chunk hash and (with the service key) every GCM tag
  bundle publish <file.vab> [--rollout <percent>]
                                       verify and store a bundle in the sync service (not rolled out by default)
  bundle list [--json]                 published bundles, versions, sizes and rollouts
  device enroll-code [--branch B] [--expires-hours N] [--json]
                                       a one-time code that enrols one device
  device list [--branch B] [--status active|revoked] [--json]
                                       enrolled devices
  device revoke <device-id> [--reason text]
                                       refuse a device from now on
  rollout set <bundle-id> <version> [--percent N] [--branch B | --device ID]
  rollout pin <device-id> <bundle-id> <version>  |  rollout unpin <device-id> <bundle-id>
  rollout rollback <bundle-id> [--to <version>] [--branch B | --device ID]
  rollout list [--bundle <id>] [--all] [--json]
                                       which devices run which version of each bundle
  audit [--limit N] [--action A] [--json]
                                       the audit log (publishes, enrolments, revocations, rollouts, downloads)
  help                                 show this help

The sync commands (keys, bundle, device, rollout, audit) take --data <dir>: the sync service's data dir
(default $VOICE_AGENT_DATA, else .data in the project).
`;

// `voice-agent bundle list | head -1`: a reader that stops early is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  process.exit(process.exitCode ?? 0);
});

const io = {
  stdin: process.stdin,
  stdout: (s: string) => void process.stdout.write(s),
  stderr: (s: string) => void process.stderr.write(s),
  stderrIsTTY: process.stderr.isTTY === true,
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
      case 'keys': {
        const { runKeys } = await import('./commands/keys.ts');
        return await runKeys(args, io);
      }
      case 'bundle': {
        const { runBundle } = await import('./commands/bundle.ts');
        return await runBundle(args, io);
      }
      case 'device': {
        const { runDevice } = await import('./commands/device.ts');
        return await runDevice(args, io);
      }
      case 'rollout': {
        const { runRollout } = await import('./commands/rollout.ts');
        return await runRollout(args, io);
      }
      case 'audit': {
        const { runAudit } = await import('./commands/audit.ts');
        return await runAudit(args, io);
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
