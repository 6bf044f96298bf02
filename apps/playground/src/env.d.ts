/// <reference types="vite/client" />

/** The sklearn digits file's path in the built site (relative to the page), or null when not bundled. */
declare module 'virtual:playground-digits' {
  const path: string | null;
  export default path;
}
