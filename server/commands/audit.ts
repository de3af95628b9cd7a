/** `voice-agent audit [--limit N] [--action A] [--json]`: who published, enrolled, revoked, rolled out and downloaded what. */
import { parseCommandArgs } from '../args.ts';
import { dataDirOf, intOption, json, runAdmin, table, withStores, type AdminIo } from './admin.ts';

const USAGE = 'Usage: voice-agent audit [--limit N] [--action <action>] [--json] [--data <dir>]';

export async function runAudit(args: string[], io: AdminIo): Promise<number> {
  return runAdmin('audit', USAGE, io, async () => {
    const { values } = parseCommandArgs('audit', args, {
      data: { type: 'string' },
      limit: { type: 'string' },
      action: { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    const limit = intOption('limit', values.limit, 1, 100_000) ?? 50;
    return withStores(dataDirOf(values.data), async ({ meta }) => {
      const rows = await meta.listAudit({ limit, ...(values.action ? { action: values.action } : {}) });
      if (values.json) {
        io.stdout(json(rows));
        return 0;
      }
      if (rows.length === 0) {
        io.stdout('The audit log is empty.\n');
        return 0;
      }
      // Oldest first, as a log reads.
      io.stdout(
        table(
          ['time (UTC)', 'actor', 'action', 'subject', 'details'],
          [...rows].reverse().map((r) => [r.at.replace('T', ' ').replace(/\.\d+Z$/, ''), r.actor, r.action, r.subject, JSON.stringify(r.details)]),
        ),
      );
      return 0;
    });
  });
}
