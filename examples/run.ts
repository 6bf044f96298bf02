// `pnpm example <name> [--quick]`: runs examples/<name>.ts; with no name, lists the examples.
import { readdirSync } from 'node:fs';

const here = new URL('./', import.meta.url);
const names = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.slice(0, -3))
  .sort();
const name = process.argv.slice(2).find((a) => !a.startsWith('-'));

if (name === undefined || !names.includes(name)) {
  if (name !== undefined) console.error(`no example named "${name}"`);
  console.log(`usage: pnpm example <name> [--quick]\n\nexamples:\n${names.map((n) => `  ${n}`).join('\n')}`);
  process.exit(name === undefined ? 0 : 1);
}
await import(new URL(`${name}.ts`, here).href);
