/** Entry for bundlers that resolve `new URL('….wasm', import.meta.url)` themselves (Vite, webpack 5). */
import { start } from './train-app.js';

start();
