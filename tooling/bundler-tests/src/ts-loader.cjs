// A minimal webpack loader: strips TypeScript with esbuild (the tests bundle the packages' sources).
const { transformSync } = require('esbuild');

module.exports = function tsLoader(source) {
  return transformSync(source, {
    loader: 'ts',
    format: 'esm',
    target: 'es2022',
    sourcefile: this.resourcePath,
    tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
  }).code;
};
