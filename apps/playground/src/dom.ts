/** Small DOM helpers: elements with attributes and children, and labelled form fields. */

type Attrs = Record<string, string | number | boolean | undefined>;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'class') e.className = String(v);
    else if (k === 'text') e.textContent = String(v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  e.append(...children);
  return e;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`playground: no element #${id}`);
  return e as T;
}

/** Fills a select; an entry with a third element is disabled, with that text as its tooltip. */
export function options(select: HTMLSelectElement, entries: ([string, string] | [string, string, string])[], value: string): void {
  select.replaceChildren(
    ...entries.map(([v, label, off]) => el('option', { value: v, selected: v === value, disabled: off !== undefined, title: off }, label)),
  );
  select.value = value;
}

/** Formats a number compactly for labels (3 significant digits, exponent when tiny or huge). */
export function fmt(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5)) return v.toExponential(digits - 1);
  return Number(v.toPrecision(digits)).toString();
}
