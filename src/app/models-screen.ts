/**
 * The Models & Storage screen: what is installed (versions, sizes, built-in or from the bank), downloads in
 * progress (bytes, rate, time left), storage used and available, enrolment, and problems in plain words.
 * It only renders SyncStatus snapshots pushed by the sync worker and forwards three actions.
 */
import type { InstalledBundleView, SyncStatus } from '../bundles/client/status.ts';
import type { BundleKind } from '../bundles/metadata.ts';
import { el } from './dom.ts';

export interface ModelsScreenActions {
  enrol(server: string, code: string, label: string): Promise<void>;
  checkNow(): Promise<void>;
  rollback(id: string): Promise<void>;
}

export const KIND_LABEL: Record<BundleKind, string> = {
  vad: 'Speech detection',
  stt: 'Speech recognition',
  tts: 'Voice',
  llm: 'Language model',
  embeddings: 'Search vectors',
  kb: 'Bank knowledge',
};

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

type Use = 'in-use' | 'standby' | 'previous';
const USE_LABEL: Record<Use, string> = { 'in-use': 'in use', standby: 'standby', previous: 'previous' };

const when = (ms: number) => new Date(ms).toLocaleString('en-IN', { dateStyle: 'medium', timeStyle: 'short' });

export class ModelsScreen {
  readonly body: HTMLElement;
  private busy = false;
  private last?: SyncStatus;
  private formError = '';

  constructor(private readonly actions: ModelsScreenActions) {
    this.body = el('div', { class: 'models', id: 'models' }, el('p', { class: 'models-empty' }, 'Loading…'));
  }

  /** The model store could not start at all: say why here, where staff look. */
  showFailure(message: string): void {
    this.body.replaceChildren(el('p', { class: 'models-bad', role: 'alert', id: 'models-failure' }, message));
  }

  render(s: SyncStatus): void {
    this.last = s;
    // Keep what the user is typing in the enrolment form across status updates.
    const typed = {
      server: this.body.querySelector<HTMLInputElement>('#enrol-server')?.value,
      code: this.body.querySelector<HTMLInputElement>('#enrol-code')?.value,
      label: this.body.querySelector<HTMLInputElement>('#enrol-label')?.value,
    };
    const focused = this.body.contains(document.activeElement) ? document.activeElement?.id : undefined;
    this.body.replaceChildren(this.enrolment(s), ...this.downloads(s), this.installed(s), this.storage(s), ...this.problems(s));
    // The form is gone once the device is enrolled: restore only into inputs that are still there (a throw
    // here would reach the sync worker through comlink, which then stops sending this page any status).
    for (const [id, value] of Object.entries(typed)) {
      const input = this.body.querySelector<HTMLInputElement>(`#enrol-${id}`);
      if (input && value !== undefined) input.value = value;
    }
    // A status update must not take the cursor away from someone typing a code.
    if (focused) this.body.querySelector<HTMLElement>(`#${focused}`)?.focus();
  }

  private async run(action: () => Promise<void>): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.formError = '';
    if (this.last) this.render(this.last);
    try {
      await action();
    } catch (e) {
      this.formError = (e as Error).message;
    } finally {
      this.busy = false;
      if (this.last) this.render(this.last);
    }
  }

  private enrolment(s: SyncStatus): HTMLElement {
    const section = el('section', { class: 'models-card', id: 'models-enrolment' }, el('h3', {}, 'This device'));
    const e = s.enrolment;
    if (e.state === 'enrolled') {
      section.append(
        el('dl', { class: 'models-facts' },
          el('dt', {}, 'Enrolled'), el('dd', { 'data-state': 'enrolled' }, `Yes, branch ${e.branch}`),
          el('dt', {}, 'Device'), el('dd', { class: 'mono' }, e.deviceId),
          el('dt', {}, 'Sync server'), el('dd', { class: 'mono' }, e.server),
          el('dt', {}, 'Since'), el('dd', {}, when(e.enrolledAt)),
          el('dt', {}, 'Last check'), el('dd', { id: 'models-last-check' }, s.lastCheck ? `${when(s.lastCheck.at)} · ${s.lastCheck.ok ? 'up to date' : s.lastCheck.message ?? 'failed'}` : 'not yet'),
          ...(s.nextCheckAt ? [el('dt', {}, 'Next check'), el('dd', {}, when(s.nextCheckAt))] : [])),
      );
      const check = el('button', { type: 'button', class: 'models-btn', id: 'models-check' }, this.busy ? 'Checking…' : 'Check for updates');
      if (this.busy) check.setAttribute('disabled', '');
      check.addEventListener('click', () => void this.run(() => this.actions.checkNow()));
      section.append(check);
    } else if (e.state === 'revoked') {
      section.append(el('p', { class: 'models-bad', 'data-state': 'revoked' }, e.message),
        this.enrolForm(el('p', { class: 'models-note' }, 'The models already on this device keep working offline. New models and knowledge will not arrive until IT enrols it again with a new one-time code.'), 'Enrol again'));
    } else {
      section.append(this.enrolForm(el('p', { class: 'models-note', 'data-state': 'not-enrolled' },
        'Not enrolled: this device runs the built-in demo models. Ask IT for a one-time code to receive the bank’s models and knowledge.'), 'Enrol this device'));
    }
    // A failed check on a revoked device says what the revoked notice above already says.
    if (this.formError && !(e.state === 'revoked' && this.formError === e.message)) {
      section.append(el('p', { class: 'models-bad', role: 'alert', id: 'models-action-error' }, this.formError));
    }
    return section;
  }

  /** The enrolment form: for a new device, and for a revoked one that IT enrols again with a new code. */
  private enrolForm(note: HTMLElement, action: string): HTMLFormElement {
    const server = el('input', { id: 'enrol-server', type: 'url', required: '', value: location.origin, 'aria-label': 'Sync server address' });
    const code = el('input', { id: 'enrol-code', type: 'text', required: '', autocomplete: 'off', placeholder: 'XXXX-XXXX-XXXX', 'aria-label': 'One-time enrolment code' });
    const label = el('input', { id: 'enrol-label', type: 'text', placeholder: 'e.g. Kiosk 2, Pune Camp branch', 'aria-label': 'Device name' });
    const submit = el('button', { type: 'submit', class: 'models-btn', id: 'enrol-submit' }, this.busy ? 'Enrolling…' : action);
    if (this.busy) submit.setAttribute('disabled', '');
    const form = el('form', { class: 'models-form', id: 'enrol-form' }, note,
      el('label', {}, 'Sync server', server), el('label', {}, 'One-time code', code), el('label', {}, 'Device name (optional)', label), submit);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void this.run(() => this.actions.enrol(server.value.trim(), code.value.trim(), label.value.trim()));
    });
    return form;
  }

  private downloads(s: SyncStatus): HTMLElement[] {
    if (!s.downloads.length) return [];
    return [el('section', { class: 'models-card', id: 'models-downloads' }, el('h3', {}, 'Downloading'),
      ...s.downloads.map((d) => {
        const pct = d.totalBytes ? Math.min(100, (100 * d.doneBytes) / d.totalBytes) : 0;
        const phase = d.phase === 'downloading'
          ? [`${formatBytes(d.doneBytes)} of ${formatBytes(d.totalBytes)}`,
            // No rate or time left until the first bytes have arrived ("0 B/s" reads like a stalled download).
            ...(d.bytesPerSecond > 0 ? [`${formatBytes(d.bytesPerSecond)}/s`] : []),
            ...(d.bytesPerSecond > 0 && d.secondsLeft !== null ? [`${formatDuration(d.secondsLeft)} left`] : [])].join(' · ')
          : { checking: 'Checking…', verifying: 'Verifying signatures…', activating: 'Switching over…' }[d.phase];
        return el('div', { class: 'models-download', 'data-bundle': d.id },
          el('div', { class: 'models-row' }, el('strong', {}, `${d.id} ${d.version}`), el('span', { class: 'models-pct' }, `${pct.toFixed(0)}%`)),
          el('progress', { max: '100', value: pct.toFixed(1), 'aria-label': `Download of ${d.id}` }),
          el('p', { class: 'models-note' }, phase));
      }))];
  }

  private installed(s: SyncStatus): HTMLElement {
    // Engines load the bank's bundle of a kind when there is one (SyncClient.activeSources): the built-in one
    // of that kind is then only kept in reserve, and must not look as if it were in use.
    const bankKinds = new Set(s.installed.filter((b) => b.source === 'sync' && b.state === 'active').map((b) => b.kind));
    const use = (b: InstalledBundleView): Use => (b.state === 'previous' ? 'previous' : b.source === 'embedded' && bankKinds.has(b.kind) ? 'standby' : 'in-use');
    const order: Record<Use, number> = { 'in-use': 0, previous: 1, standby: 2 };
    const rows = [...s.installed].sort((a, b) => a.kind.localeCompare(b.kind) || order[use(a)] - order[use(b)] || a.id.localeCompare(b.id));
    const hasPrevious = (b: InstalledBundleView) => rows.some((r) => r.id === b.id && r.state === 'previous');
    const table = el('table', { class: 'models-table' },
      el('thead', {}, el('tr', {}, ...['What', 'Version', 'Size', 'From'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, ...rows.map((b) => {
        const u = use(b);
        const version = el('td', { class: 'models-version' }, b.version, ' ', el('span', { class: `models-tag ${u}`, ...(u === 'standby' ? { title: 'Kept in reserve: the bank’s bundle of this kind is used.' } : {}) }, USE_LABEL[u]));
        if (b.state === 'active' && b.source === 'sync' && hasPrevious(b)) {
          const btn = el('button', { type: 'button', class: 'models-link', 'data-rollback': b.id }, 'Roll back');
          btn.addEventListener('click', () => {
            if (confirm(`Go back to the previous version of ${b.id}?`)) void this.run(() => this.actions.rollback(b.id));
          });
          version.append(btn);
        }
        return el('tr', { 'data-bundle': b.id, 'data-version': b.version, 'data-state': b.state, 'data-use': u, class: u },
          el('th', { scope: 'row' }, KIND_LABEL[b.kind] ?? b.kind,
            el('span', { class: 'models-sub' }, el('span', { class: 'mono models-id' }, b.id), b.languages.length ? ` · ${b.languages.join(' · ')}` : '')),
          version,
          el('td', { class: 'num' }, formatBytes(b.sizeBytes)),
          el('td', { class: 'models-from' }, b.source === 'embedded' ? 'Built in' : 'Bank'));
      })));
    return el('section', { class: 'models-card', id: 'models-installed' }, el('h3', {}, 'Installed'),
      rows.length ? el('div', { class: 'models-table-wrap' }, table) : el('p', { class: 'models-empty' }, 'Nothing installed yet.'));
  }

  private storage(s: SyncStatus): HTMLElement {
    const { usedBytes, quotaBytes, persisted, backend } = s.storage;
    const pct = quotaBytes ? Math.min(100, (100 * usedBytes) / quotaBytes) : 0;
    return el('section', { class: 'models-card', id: 'models-storage' }, el('h3', {}, 'Storage'),
      el('div', { class: 'models-row' }, el('span', {}, `${formatBytes(usedBytes)} used`), el('span', {}, `${formatBytes(Math.max(0, quotaBytes - usedBytes))} available`)),
      el('progress', { max: '100', value: pct.toFixed(1), 'aria-label': 'Storage used' }),
      el('p', { class: 'models-note' },
        `Models are kept encrypted in ${backend === 'opfs' ? 'the browser’s private file system' : 'IndexedDB'}. `,
        persisted ? 'The browser will not clear them to save space.' : 'The browser may clear them when the device runs out of space; they would be downloaded again.'));
  }

  private problems(s: SyncStatus): HTMLElement[] {
    if (!s.errors.length) return [];
    return [el('section', { class: 'models-card problems', id: 'models-errors' }, el('h3', {}, 'Problems'),
      el('ul', {}, ...s.errors.slice(-5).reverse().map((e) => el('li', {}, el('time', {}, when(e.at)), ' ', e.message))))];
  }
}
