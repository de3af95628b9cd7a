import { parseArgs, type ParseArgsConfig } from 'node:util';

/** node:util parseArgs with a message that names the command, so a typo gets a clear answer. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  args: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError(`voice-agent ${command}: ${(e as Error).message}. Run "voice-agent help".`);
  }
}

export class UsageError extends Error {
  override name = 'UsageError';
}
