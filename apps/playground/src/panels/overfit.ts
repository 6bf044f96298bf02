/** The "overfit one small batch first" check (@nn/train's overfitBatch) and its verdict. */
import { el, fmt } from '../dom.js';
import type { Reply } from '../protocol.js';

type Report = Extract<Reply, { type: 'overfit' }>;

export class OverfitPanel {
  private readonly verdict: HTMLElement;
  readonly button: HTMLButtonElement;

  constructor(parent: HTMLElement, run: () => void) {
    this.button = el('button', { id: 'overfit', type: 'button' }, 'Overfit one small batch');
    this.verdict = el('div', { class: 'verdict', id: 'overfit-verdict' });
    this.button.addEventListener('click', () => {
      this.verdict.textContent = 'training a fresh copy on 16 examples…';
      this.verdict.dataset.ok = '';
      run();
    });
    parent.append(
      el('p', {
        class: 'hint',
        text: 'Before a long run: can this model and optimizer memorize 16 training examples? (a fresh copy, same seed, on cpu)',
      }),
      this.button,
      this.verdict,
    );
  }

  show(r: Report): void {
    this.verdict.dataset.ok = String(r.ok);
    const summary = `loss ${fmt(r.initialLoss)} → ${fmt(r.finalLoss)} in ${r.steps} steps${r.accuracy === null ? '' : `, accuracy ${(r.accuracy * 100).toFixed(0)}%`}`;
    this.verdict.replaceChildren(
      el('strong', {
        text: r.ok ? '✓ It can memorize a small batch: the model and the loop work.' : '✗ It cannot memorize a small batch:',
      }),
      el('div', { text: summary }),
      ...(r.problems.length > 0 ? [el('ul', {}, ...r.problems.map((p) => el('li', { text: p })))] : []),
    );
  }
}
