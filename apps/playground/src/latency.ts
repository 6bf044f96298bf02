/**
 * Click latency, measured on the page itself: from the input event's timestamp to the moment its
 * handler runs, and to the next animation frame (when the response can be painted).
 */
export interface Latency {
  handler: number;
  frame: number;
  target: string;
}

export function recordClickLatency(into: Latency[], show: (l: Latency) => void): void {
  document.addEventListener(
    'click',
    (e) => {
      const handler = performance.now() - e.timeStamp;
      const target = (e.target as HTMLElement | null)?.id || (e.target as HTMLElement | null)?.tagName || '?';
      requestAnimationFrame(() => {
        const l = { handler, frame: performance.now() - e.timeStamp, target };
        into.push(l);
        show(l);
      });
    },
    { capture: true },
  );
}
