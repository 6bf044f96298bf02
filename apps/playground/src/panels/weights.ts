/** Download the trained weights as safetensors, and load such a file back into the model. */
import { el } from '../dom.js';

export class WeightsPanel {
  private readonly note: HTMLElement;

  constructor(parent: HTMLElement, actions: { download(): void; load(bytes: Uint8Array): void }) {
    const download = el('button', { id: 'download-weights', type: 'button' }, 'Download weights (.safetensors)');
    const file = el('input', { id: 'load-weights', type: 'file', accept: '.safetensors' });
    this.note = el('div', { class: 'verdict', id: 'weights-note' });
    download.addEventListener('click', () => actions.download());
    file.addEventListener('change', async () => {
      const f = file.files?.[0];
      if (f !== undefined) actions.load(new Uint8Array(await f.arrayBuffer()));
      file.value = '';
    });
    parent.append(
      el('p', {
        class: 'hint',
        text: 'Tensor names as torch.nn.Sequential gives them (0.0.weight, 0.0.bias, …); a file must match the current architecture.',
      }),
      download,
      el('label', { class: 'file' }, 'Load weights: ', file),
      this.note,
    );
  }

  save(bytes: Uint8Array): void {
    const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
    const a = el('a', { href: url, download: 'playground.safetensors' });
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    this.note.textContent = `saved ${bytes.length} bytes`;
  }

  loaded(tensors: number): void {
    this.note.textContent = `loaded ${tensors} tensors into the model`;
  }

  failed(message: string): void {
    this.note.textContent = `could not load: ${message}`;
  }
}
