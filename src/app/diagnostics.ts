/**
 * Diagnostics: per-turn waterfalls (one bar per stage on the turn's time axis) and a median/p95 table over
 * the stored turns. Rendered from TurnTraceJSON only, so it shows live turns and ones loaded from storage alike.
 */
import './diagnostics.css';
import {
  stageTimings,
  summarize,
  type Attrs,
  type SpanJSON,
  type StageName,
  type Stats,
  type TurnTraceJSON,
} from '../telemetry/spans.ts';
import { el } from './dom.ts';

export interface DiagnosticsOptions {
  /** How many of the newest turns get a waterfall; the table always covers every trace given. */
  maxTurns?: number;
}

const STAGE_LABELS: Record<StageName, string> = {
  endpointing: 'Deciding you had finished',
  stt: 'Speech to text',
  retrieval: 'Searching the knowledge',
  reply: 'Writing the reply',
  tts: 'Making the first audio',
  playback: 'Starting playback',
  'voice-to-voice': 'Customer waited',
  total: 'Whole turn',
};

/** How a failed stage reads in "This turn failed while …". */
const FAILURE_WORDS: Record<string, string> = {
  vad: 'listening',
  endpointing: 'listening',
  capture: 'listening',
  stt: 'turning speech into text',
  retrieval: 'searching the knowledge',
  agent: 'writing the reply',
  reply: 'writing the reply',
  tts: 'making the speech',
  playback: 'playing the answer',
};

const SPAN_LABELS: Record<string, string> = {
  'tts-sentence': 'Speech for sentence',
  'barge-in': 'Interrupted by the customer',
};

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (Math.abs(ms) >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (Math.abs(ms) < 10) return `${ms.toFixed(1)} ms`;
  return `${Math.round(ms)} ms`;
}

/** 1, 2 or 5 × 10^k at or above `x`, so axis ticks land on round numbers. */
function niceCeil(x: number): number {
  if (x <= 0) return 1;
  const pow = 10 ** Math.floor(Math.log10(x));
  const step = [1, 2, 5, 10].find((m) => m * pow >= x) ?? 10;
  return step * pow;
}

interface Row {
  label: string;
  start: number;
  end: number;
  kind: string;
  title?: string;
}

function spanRows(spans: readonly SpanJSON[]): Row[] {
  const seen = new Map<string, number>();
  return [...spans]
    .sort((a, b) => a.start - b.start)
    .map((s) => {
      const n = (seen.get(s.name) ?? 0) + 1;
      seen.set(s.name, n);
      const base = SPAN_LABELS[s.name] ?? s.name.replace(/[-_]/g, ' ');
      const label = s.name === 'tts-sentence' ? `${base} ${n}` : base;
      const row: Row = { label, start: s.start, end: s.end, kind: 'span' };
      if (s.attrs) row.title = describeAttrs(s.attrs);
      return row;
    });
}

function describeAttrs(attrs: Attrs): string {
  return Object.entries(attrs)
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(' · ');
}

function failureText(stage: string, message: string): string {
  const where = FAILURE_WORDS[stage] ?? `in the "${stage}" step`;
  const prefix = FAILURE_WORDS[stage] ? `while ${where}` : where;
  return `This turn failed ${prefix}: ${message}`;
}

function renderTurn(trace: TurnTraceJSON): HTMLElement {
  const stages = stageTimings(trace.marks);
  const byName = new Map(stages.map((s) => [s.stage, s]));
  const rows: Row[] = [
    ...stages
      .filter((s) => s.stage !== 'voice-to-voice' && s.stage !== 'total')
      .map((s) => ({ label: STAGE_LABELS[s.stage], start: s.start, end: s.end, kind: s.stage })),
    ...spanRows(trace.spans),
  ];
  const v2v = byName.get('voice-to-voice');
  if (v2v) rows.push({ label: STAGE_LABELS['voice-to-voice'], start: v2v.start, end: v2v.end, kind: 'voice-to-voice' });

  // One axis for every row of the turn, from the earliest event (spans may start before the origin) to the
  // last drawn one. 'reply-done' is left out: playing the whole reply would squash the stages that matter.
  const times = [
    0,
    ...rows.flatMap((r) => [r.start, r.end]),
    ...trace.fallbacks.map((f) => f.at),
    ...(trace.failure ? [trace.failure.at] : []),
  ];
  const min = Math.min(...times);
  const span = niceCeil(Math.max(...times) - min);
  const pct = (t: number) => `${(((t - min) / span) * 100).toFixed(2)}%`;

  const when = new Date(trace.startedAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const total = byName.get('total');
  const header = el(
    'header',
    { class: 'diag-turn-head' },
    el('h4', {}, `Turn at ${when}`),
    v2v ? el('span', { class: 'diag-pill diag-pill-key' }, `Answer after ${formatMs(v2v.ms)}`) : null,
    total ? el('span', { class: 'diag-pill' }, `Done at ${formatMs(total.ms)}`) : null,
    trace.failure ? el('span', { class: 'diag-pill diag-pill-bad' }, 'Failed') : null,
    trace.fallbacks.length ? el('span', { class: 'diag-pill diag-pill-warn' }, `${trace.fallbacks.length} fallback${trace.fallbacks.length > 1 ? 's' : ''}`) : null,
  );

  const attrs = Object.keys(trace.attrs).length ? el('p', { class: 'diag-attrs' }, describeAttrs(trace.attrs)) : null;
  const failure = trace.failure
    ? el('p', { class: 'diag-failure' }, `${failureText(trace.failure.stage, trace.failure.message)} (at ${formatMs(trace.failure.at)})`)
    : null;
  const fallbacks = trace.fallbacks.length
    ? el('ul', { class: 'diag-fallbacks' }, ...trace.fallbacks.map((f) => el('li', {}, `Fallback used: ${f.note} (at ${formatMs(f.at)})`)))
    : null;

  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => min + f * span);
  const inSeconds = span >= 10_000;
  const tickLabel = (t: number) => (inSeconds ? String(Math.round(t / 100) / 10) : String(Math.round(t)));
  const axis = el(
    'div',
    { class: 'diag-row diag-axis-row', 'aria-hidden': 'true' },
    el('span', { class: 'diag-label' }, inSeconds ? 's from turn start' : 'ms from turn start'),
    el(
      'div',
      { class: 'diag-track diag-axis' },
      ...ticks.map((t, i) =>
        el('span', { class: `diag-tick${i === 0 ? ' first' : i === ticks.length - 1 ? ' last' : ''}`, style: `left:${pct(t)}` }, tickLabel(t)),
      ),
    ),
  );

  const markers = [
    ...(trace.failure ? [el('span', { class: 'diag-marker diag-marker-bad', style: `left:${pct(trace.failure.at)}`, title: 'Failure' })] : []),
    ...trace.fallbacks.map((f) => el('span', { class: 'diag-marker diag-marker-warn', style: `left:${pct(f.at)}`, title: f.note })),
  ];

  const body = el(
    'div',
    { class: 'diag-waterfall', role: 'list' },
    axis,
    ...rows.map((r) =>
      el(
        'div',
        { class: `diag-row diag-${r.kind}`, role: 'listitem', title: r.title },
        el('span', { class: 'diag-label' }, el('span', { class: 'diag-name' }, r.label), el('span', { class: 'diag-dur' }, formatMs(r.end - r.start))),
        el(
          'div',
          { class: 'diag-track', 'aria-hidden': 'true' },
          el('span', { class: 'diag-bar', style: `left:${pct(r.start)};width:${(((r.end - r.start) / span) * 100).toFixed(2)}%` }),
          ...markers.map((m) => m.cloneNode(true)),
        ),
      ),
    ),
  );
  const empty = rows.length === 0 ? el('p', { class: 'diag-empty' }, 'No stage of this turn finished, so there is nothing to draw.') : null;

  return el('li', { class: `diag-turn${trace.failure ? ' is-failed' : ''}` }, header, attrs, failure, fallbacks, empty ?? body);
}

function statRow(label: string, s: Stats): HTMLTableRowElement {
  return el('tr', {}, el('th', { scope: 'row' }, label), el('td', {}, formatMs(s.median)), el('td', {}, formatMs(s.p95)), el('td', {}, String(s.count)));
}

function renderSummary(traces: readonly TurnTraceJSON[]): HTMLElement {
  const sum = summarize(traces);
  const stageRows = (Object.entries(sum.stages) as [StageName, Stats][])
    .filter(([, s]) => s.count > 0)
    .map(([name, s]) => statRow(STAGE_LABELS[name], s));
  const spanRowsEls = Object.entries(sum.spans).map(([name, s]) => statRow(SPAN_LABELS[name] ?? name.replace(/[-_]/g, ' '), s));
  const facts = [`${sum.turns} turn${sum.turns === 1 ? '' : 's'}`];
  if (sum.failed) facts.push(`${sum.failed} failed`);
  if (sum.withFallback) facts.push(`${sum.withFallback} used a fallback`);
  return el(
    'section',
    { class: 'diag-summary' },
    el('h3', {}, 'Timings over the stored turns'),
    el('p', { class: 'diag-facts' }, facts.join(' · ')),
    el(
      'div',
      { class: 'diag-table-wrap' },
      el(
        'table',
        { class: 'diag-table' },
        el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Stage'), el('th', { scope: 'col' }, 'Median'), el('th', { scope: 'col' }, 'p95'), el('th', { scope: 'col' }, 'Count'))),
        el('tbody', {}, ...stageRows, ...spanRowsEls),
      ),
    ),
  );
}

/** Replaces the container's content with the summary table and the newest turns' waterfalls (newest first). */
export function renderDiagnostics(container: HTMLElement, traces: TurnTraceJSON[], opts: DiagnosticsOptions = {}): void {
  container.classList.add('diag');
  if (traces.length === 0) {
    container.replaceChildren(el('p', { class: 'diag-empty' }, 'No turns yet. Ask a question and its timings appear here.'));
    return;
  }
  const newest = traces.slice(-(opts.maxTurns ?? 5)).reverse();
  container.replaceChildren(
    renderSummary(traces),
    el('h3', {}, newest.length === 1 ? 'Last turn' : `Last ${newest.length} turns`),
    el('ol', { class: 'diag-turns' }, ...newest.map(renderTurn)),
  );
}
