/** `voice-agent keys init|show`: the sync service's keys and signed root (server/sync/data-dir.ts). */
import { existsSync } from 'node:fs';
import { keyIdOf } from '../../src/bundles/signing.ts';
import { parseCommandArgs, UsageError } from '../args.ts';
import { readRootFile } from '../bundles/key-files.ts';
import { dataDirPaths, initDataDir } from '../sync/data-dir.ts';
import { dataDirOf, json, runAdmin, shortTime, table, type AdminIo } from './admin.ts';

const USAGE = `Usage: voice-agent keys init [--force] [--publisher-key <file>] [--data <dir>]
       voice-agent keys show [--json] [--data <dir>]`;

export async function runKeys(args: string[], io: AdminIo): Promise<number> {
  const [sub, ...rest] = args;
  return runAdmin(`keys ${sub ?? ''}`.trim(), USAGE, io, async () => {
    if (sub === 'init') return keysInit(rest, io);
    if (sub === 'show') return keysShow(rest, io);
    throw new UsageError(sub ? `voice-agent keys: unknown sub-command "${sub}".` : 'voice-agent keys: say what to do (init or show).');
  });
}

async function keysInit(args: string[], io: AdminIo): Promise<number> {
  const { values } = parseCommandArgs('keys init', args, {
    data: { type: 'string' },
    force: { type: 'boolean', default: false },
    'publisher-key': { type: 'string' },
  });
  const dir = dataDirOf(values.data);
  const hadKeys = existsSync(dataDirPaths(dir).root);
  const result = await initDataDir(dir, { force: values.force, ...(values['publisher-key'] ? { publisherKeyPath: values['publisher-key'] } : {}) });
  const r = result.root.signed;
  const wrapId = await keyIdOf(r.wrapKey);
  io.stdout(`${hadKeys ? 'Replaced the keys of' : 'Initialised'} the sync service's data dir ${result.paths.dir}\n\n`);
  io.stdout(
    table(
      ['key', 'key id (SHA-256 of the public key)', 'file'],
      [
        ['publisher', result.keyids.publisher, result.paths.publisherKey],
        ['timestamp', result.keyids.timestamp, result.paths.timestampKey],
        ['wrap', wrapId, result.paths.wrapKey],
      ],
    ),
  );
  io.stdout(`\nroot.json: version ${r.version}, expires ${shortTime(r.expires)} (${result.paths.root})\n`);
  io.stderr(
    `\nWarning: the publisher key signs every bundle and the root devices trust. It belongs offline, on the publishing\n` +
      `machine, with a backup: move ${result.paths.publisherKey} there and pass it to "voice-agent bundle pack --publisher-key <file>"\n` +
      '(or run "keys init --publisher-key <file>" to write it there directly). Anyone holding it can sign bundles devices accept.\n',
  );
  if (hadKeys) {
    io.stderr(
      'Warning: the old keys are gone. Every enrolled device must enrol again, and bundles published with the old keys must be packed and published again.\n',
    );
  }
  if (result.movedAside.length > 0) {
    io.stdout(
      '\nMoved the old database and blobs aside (their bundles and devices belong to the old keys and cannot work with the new ones):\n' +
        result.movedAside.map(([from, to]) => `  ${from} -> ${to}\n`).join('') +
        'Delete them once you no longer need them; a new empty database is created when the service starts.\n',
    );
  }
  io.stdout(`\nNext: voice-agent device enroll-code --branch <branch>   (and voice-agent serve to run the service)\n`);
  return 0;
}

async function keysShow(args: string[], io: AdminIo): Promise<number> {
  const { values } = parseCommandArgs('keys show', args, { data: { type: 'string' }, json: { type: 'boolean', default: false } });
  const dir = dataDirOf(values.data);
  const paths = dataDirPaths(dir);
  const root = (await readRootFile(paths.root, `Run "voice-agent keys init --data ${dir}".`)).signed;
  const roleOf = (id: string) =>
    (['root', 'targets', 'timestamp'] as const).filter((role) => root.roles[role].keyids.includes(id)).join(', ');
  const keys = Object.entries(root.keys).map(([keyid, k]) => ({ keyid, keytype: k.keytype, roles: roleOf(keyid) }));
  const wrap = { keyid: await keyIdOf(root.wrapKey), keytype: root.wrapKey.keytype, roles: 'wrap (service)' };
  const publisherOnServer = existsSync(paths.publisherKey);
  if (values.json) {
    io.stdout(json({ dataDir: paths.dir, root: { version: root.version, expires: root.expires }, keys: [...keys, wrap], publisherKeyInDataDir: publisherOnServer }));
    return 0;
  }
  io.stdout(`Data dir ${paths.dir}: root version ${root.version}, expires ${shortTime(root.expires)}\n\n`);
  io.stdout(table(['key id (SHA-256 of the public key)', 'type', 'roles'], [...keys, wrap].map((k) => [k.keyid, k.keytype, k.roles])));
  if (publisherOnServer) {
    io.stderr(`\nNote: the publisher's private key is in ${paths.publisherKey}. In production keep it offline and pass --publisher-key when packing.\n`);
  }
  return 0;
}
