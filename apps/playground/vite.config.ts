/**
 * The Playground's Vite config. The @nn packages are bundled from their TypeScript sources (the
 * `@nn/source` export condition), so no build of the library is needed first. The dev and preview
 * servers send COOP/COEP, which makes the page cross-origin isolated: SharedArrayBuffer, so the
 * wasm backend runs on two threads. The sklearn digits are copied into the build from
 * ../shared/datasets when that folder is there (they are not in the repository; see the README).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Plugin, defineConfig } from 'vite';

export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

const DIGITS_NAME = 'digits.csv.gz';
const digitsPath = process.env.NN_DIGITS_CSV ?? fileURLToPath(new URL('../../../shared/datasets/small/digits.csv.gz', import.meta.url));

/** Emits the digits file next to index.html (build) or serves it (dev), and tells the page whether it is there. */
function digits(): Plugin {
  const id = 'virtual:playground-digits';
  const available = existsSync(digitsPath);
  return {
    name: 'playground-digits',
    resolveId: (source) => (source === id ? `\0${id}` : null),
    load(source) {
      if (source !== `\0${id}`) return null;
      return `export default ${available ? JSON.stringify(DIGITS_NAME) : 'null'};`;
    },
    generateBundle() {
      if (available) this.emitFile({ type: 'asset', fileName: DIGITS_NAME, source: readFileSync(digitsPath) });
    },
    configureServer(server) {
      server.middlewares.use(`/${DIGITS_NAME}`, (_req, res) => {
        if (!available) return void res.writeHead(404).end();
        res.writeHead(200, { 'content-type': 'application/octet-stream', ...ISOLATION_HEADERS }).end(readFileSync(digitsPath));
      });
    },
  };
}

const conditions = ['@nn/source', 'module', 'browser', 'development|production'];

export default defineConfig({
  base: './',
  plugins: [digits()],
  resolve: { conditions },
  // keepNames in the worker: the library names things after their classes (model.toString()
  // prints Linear(...); fit recognizes ReduceLROnPlateau by its constructor's name).
  worker: { format: 'es', rolldownOptions: { output: { keepNames: true } } },
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
  build: { target: 'es2022', chunkSizeWarningLimit: 1000 },
});
