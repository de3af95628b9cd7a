/**
 * The conversation screen's DOM. Vanilla TypeScript: the screen is small, and a framework would add weight
 * to a kiosk that must start fast offline.
 */
import type { Citation } from '../agent/types.ts';
import type { AppMode } from '../config/config.ts';
import { el } from './dom.ts';

export type UiState = 'idle' | 'listening' | 'thinking' | 'speaking';

const STATE_LABEL: Record<UiState, { en: string; hi: string }> = {
  idle: { en: 'Ready', hi: 'तैयार' },
  listening: { en: 'Listening…', hi: 'सुन रहा हूँ…' },
  thinking: { en: 'Thinking…', hi: 'सोच रहा हूँ…' },
  speaking: { en: 'Speaking…', hi: 'बोल रहा हूँ…' },
};

export const SUGGESTIONS = [
  'What documents do I need for a gold loan?',
  'गोल्ड लोन पर ब्याज दर क्या है?',
  'How much loan can I get on 20 grams of 22 carat gold?',
  'EMI for 2 lakh at 10% for 12 months',
  'Gold loan ke liye kya documents chahiye?',
];

export interface ViewHandlers {
  onSubmit(text: string): void;
  onTalk(): void;
  onHandsFree(on: boolean): void;
  onLanguage(lang: 'auto' | 'hi' | 'en'): void;
  onClearAll(): void;
  onInteraction(): void;
  /** The kiosk's attract screen was touched: a customer is here. */
  onWake(): void;
}

export class ConversationView {
  readonly root: HTMLElement;
  private readonly messages: HTMLOListElement;
  private readonly stateEl: HTMLElement;
  private readonly talk: HTMLButtonElement;
  private readonly input: HTMLInputElement;
  private readonly banner: HTMLElement;
  private readonly offline: HTMLElement;
  private offlineLabel = { text: 'Preparing offline use…', ready: false };
  private installing = false;
  private readonly suggestions: HTMLElement;
  readonly diagnostics: HTMLElement;
  private readonly diagPanel: HTMLElement;
  /** Where the Models & Storage screen mounts (src/app/models-screen.ts). */
  readonly models: HTMLElement;
  private readonly modelsPanel: HTMLElement;
  private readonly attract: HTMLElement;
  private partialBubble?: HTMLLIElement;
  private readonly handsFree: HTMLInputElement;
  private readonly langSelect: HTMLSelectElement;

  constructor(mount: HTMLElement, mode: AppMode, h: ViewHandlers) {
    document.body.dataset.mode = mode;
    this.langSelect = el('select', { id: 'lang', 'aria-label': 'Reply language' },
      el('option', { value: 'auto' }, 'Auto language'), el('option', { value: 'hi' }, 'हिन्दी'), el('option', { value: 'en' }, 'English'));
    this.langSelect.addEventListener('change', () => h.onLanguage(this.langSelect.value as 'auto' | 'hi' | 'en'));
    this.offline = el('span', { class: 'badge', id: 'offline-status' }, 'Preparing offline use…');
    const diagBtn = el('button', { class: 'ghost', id: 'diagnostics-toggle', type: 'button', 'aria-expanded': 'false' }, 'Diagnostics');
    const modelsBtn = el('button', { class: 'ghost', id: 'models-toggle', type: 'button', 'aria-expanded': 'false' }, 'Models & storage');
    const clearBtn = el('button', { class: 'ghost', id: 'clear-all', type: 'button' }, 'Clear data');
    clearBtn.addEventListener('click', () => {
      if (confirm('Delete all saved conversations and settings from this device?')) h.onClearAll();
    });

    const header = el('header', { class: 'topbar' },
      el('div', { class: 'brand' },
        el('img', { src: '/icons/icon.svg', alt: '', width: '40', height: '40' }),
        el('div', {}, el('h1', {}, 'Gold Loan Assistant'), el('p', { class: 'sub' }, 'Sahyadri Gramin Bank · fictional demo'))),
      el('div', { class: 'tools' }, this.offline, this.langSelect, modelsBtn, diagBtn, clearBtn));

    this.banner = el('div', { class: 'banner', role: 'alert', hidden: '' });
    this.messages = el('ol', { class: 'messages', id: 'messages', 'aria-label': 'Conversation' });
    this.suggestions = el('div', { class: 'suggestions', id: 'suggestions' },
      ...SUGGESTIONS.map((s) => {
        const b = el('button', { type: 'button', class: 'chip' }, s);
        b.addEventListener('click', () => h.onSubmit(s));
        return b;
      }));
    const welcome = el('section', { class: 'welcome' },
      el('h2', {}, 'Namaste! Ask me about gold loans.'),
      el('p', {}, 'Speak in Hindi, English or Hinglish, or type below. Answers come from the bank’s own information and stay on this device.'),
      this.suggestions);

    this.stateEl = el('div', { class: 'state', id: 'state', 'data-state': 'idle' }, el('span', { class: 'dot' }), el('span', { class: 'label' }, 'Ready'));
    this.talk = el('button', { class: 'talk', id: 'talk', type: 'button', 'aria-label': 'Tap to talk' },
      el('span', { class: 'mic', 'aria-hidden': 'true' }), el('span', { class: 'talk-label' }, 'Tap to talk'));
    this.talk.addEventListener('click', () => h.onTalk());
    this.handsFree = el('input', { type: 'checkbox', id: 'hands-free' });
    this.handsFree.addEventListener('change', () => h.onHandsFree(this.handsFree.checked));
    const handsFreeLabel = el('label', { class: 'toggle', for: 'hands-free' }, this.handsFree, el('span', { class: 'track' }), 'Hands-free');

    this.input = el('input', { id: 'question', type: 'text', maxlength: '1000', autocomplete: 'off', placeholder: 'Type your question… / अपना सवाल लिखें…', 'aria-label': 'Your question' });
    const form = el('form', { class: 'composer', id: 'composer' }, this.input, el('button', { type: 'submit', class: 'send' }, 'Send'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const text = this.input.value;
      this.input.value = '';
      h.onSubmit(text);
    });

    const dock = el('section', { class: 'dock' },
      el('div', { class: 'controls' }, this.stateEl, this.talk, handsFreeLabel),
      form,
      el('p', { class: 'privacy' }, 'Your voice is processed on this device. Personal numbers are masked before anything is saved.'));

    this.diagnostics = el('div', { id: 'diagnostics' });
    this.diagPanel = this.sidePanel('diagnostics', 'Diagnostics', this.diagnostics, diagBtn);
    this.models = el('div', { id: 'models-mount' });
    this.modelsPanel = this.sidePanel('models', 'Models & storage', this.models, modelsBtn);

    this.attract = el('div', { class: 'attract', id: 'attract', hidden: '' },
      el('img', { src: '/icons/icon.svg', alt: '', width: '120', height: '120' }),
      el('h2', {}, 'Gold loan questions? Just ask.'),
      el('p', { class: 'hi' }, 'गोल्ड लोन के बारे में पूछिए — हिन्दी या English में।'),
      el('p', { class: 'touch' }, 'Touch anywhere to start'));
    this.attract.addEventListener('click', () => {
      this.showAttract(false);
      h.onWake();
    });

    this.root = el('div', { class: 'shell' }, header, this.banner,
      el('main', { class: 'conversation' }, welcome, this.messages), dock, this.diagPanel, this.modelsPanel, this.attract);
    mount.replaceChildren(this.root);
    for (const ev of ['pointerdown', 'keydown'] as const) this.root.addEventListener(ev, () => h.onInteraction(), { passive: true });
  }

  setState(state: UiState, lang: 'hi' | 'en' = 'en'): void {
    this.stateEl.dataset.state = state;
    this.stateEl.querySelector('.label')!.textContent = STATE_LABEL[state][lang];
    document.body.dataset.state = state;
    const label = state === 'listening' ? 'Stop' : state === 'speaking' ? 'Interrupt' : 'Tap to talk';
    this.talk.querySelector('.talk-label')!.textContent = label;
    this.talk.setAttribute('aria-label', label);
    this.talk.classList.toggle('active', state === 'listening');
  }

  /** A side panel (diagnostics, models) opened and closed by its toolbar button; one open at a time. */
  private sidePanel(id: string, title: string, body: HTMLElement, button: HTMLButtonElement): HTMLElement {
    const close = el('button', { type: 'button', class: 'close', id: `${id}-close` }, 'Close');
    const panel = el('aside', { class: 'panel', id: `${id}-panel`, hidden: '', 'aria-label': title },
      el('div', { class: 'panel-head' }, el('h2', {}, title), close), body);
    const toggle = (open: boolean) => {
      if (open) for (const other of this.root.querySelectorAll<HTMLElement>('.panel')) other.hidden = other !== panel;
      panel.hidden = !open;
      button.setAttribute('aria-expanded', String(open));
    };
    button.addEventListener('click', () => toggle(panel.hidden === true));
    close.addEventListener('click', () => toggle(false));
    return panel;
  }

  /** Kiosks hide staff tools (diagnostics, models & storage) from customers; staff open them with ?ui.showDiagnostics=1. */
  allowDiagnostics(on: boolean): void {
    this.root.querySelector<HTMLElement>('#diagnostics-toggle')!.hidden = !on;
    this.root.querySelector<HTMLElement>('#models-toggle')!.hidden = !on;
  }

  setHandsFree(on: boolean): void {
    this.handsFree.checked = on;
  }

  setLanguage(lang: 'auto' | 'hi' | 'en'): void {
    this.langSelect.value = lang;
  }

  setOffline(text: string, ready: boolean): void {
    this.offlineLabel = { text, ready };
    if (!this.installing) this.showBadge(text, ready);
  }

  /** Model download progress covers the offline label while it runs; null puts the label back. */
  setInstalling(text: string | null): void {
    this.installing = text !== null;
    if (text !== null) this.showBadge(text, false);
    else this.showBadge(this.offlineLabel.text, this.offlineLabel.ready);
  }

  private showBadge(text: string, ready: boolean): void {
    this.offline.textContent = text;
    this.offline.classList.toggle('ok', ready);
  }

  /** A plain-words problem for the customer or staff; null hides it. */
  showError(message: string | null, action?: { label: string; run: () => void }): void {
    this.banner.replaceChildren();
    this.banner.hidden = message === null;
    if (message === null) return;
    this.banner.append(el('span', {}, message));
    if (action) {
      const b = el('button', { type: 'button', class: 'ghost' }, action.label);
      b.addEventListener('click', action.run);
      this.banner.append(b);
    }
  }

  focusInput(): void {
    this.input.focus();
  }

  /** The customer's question; a spoken one replaces the partial bubble that showed it growing. */
  addCustomer(text: string, lang: string): HTMLElement {
    this.root.classList.add('started');
    const li = this.partialBubble ?? el('li', {});
    this.partialBubble = undefined;
    li.className = 'msg customer';
    li.lang = lang;
    li.replaceChildren(el('p', {}, text));
    if (!li.isConnected) this.messages.append(li);
    this.scroll();
    return li;
  }

  /** What the customer is saying, while they say it ('' = speech just started); null removes it. */
  showPartial(text: string | null): void {
    if (text === null) {
      this.partialBubble?.remove();
      this.partialBubble = undefined;
      return;
    }
    this.root.classList.add('started');
    if (!this.partialBubble) {
      this.partialBubble = el('li', { class: 'msg customer pending', 'aria-live': 'polite' });
      this.messages.append(this.partialBubble);
    }
    this.partialBubble.replaceChildren(el('p', {}, text || '🎤 …'));
    this.scroll();
  }

  /** An agent bubble that fills in sentence by sentence. */
  addAgent(lang: string): { append(sentence: string): void; finish(citations: Citation[], note?: string): void; fail(message: string): void } {
    const text = el('p', {});
    const li = el('li', { class: 'msg agent streaming', lang }, text);
    this.messages.append(li);
    this.scroll();
    return {
      append: (sentence) => {
        text.textContent = text.textContent ? `${text.textContent} ${sentence}` : sentence;
        this.scroll();
      },
      finish: (citations, note) => {
        li.classList.remove('streaming');
        if (note) li.append(el('p', { class: 'note' }, note));
        if (citations.length) {
          li.append(el('div', { class: 'sources' }, el('span', {}, lang === 'hi' ? 'स्रोत:' : 'Sources:'),
            ...citations.map((c) => el('span', { class: 'source', 'data-passage': c.id, title: c.id }, c.title))));
        }
        this.scroll();
      },
      fail: (message) => {
        li.classList.remove('streaming');
        li.classList.add('failed');
        text.textContent = message;
      },
    };
  }

  clearConversation(): void {
    this.partialBubble = undefined;
    this.messages.replaceChildren();
    this.root.classList.remove('started');
  }

  showAttract(on: boolean): void {
    this.attract.hidden = !on;
  }

  private scroll(): void {
    this.messages.lastElementChild?.scrollIntoView({ block: 'end', behavior: 'smooth' });
  }
}
