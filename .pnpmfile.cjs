// pnpm runs beforePacking on the manifest that goes into a tarball (`pnpm pack`/`pnpm publish`,
// so also `changeset publish`), never on the package.json on disk.
//
// The workspace's `@nn/source` export condition points at src/*.ts so that tests, tsc and the demo
// run from sources without a build. Tarballs ship dist/ only, so the condition would point at
// files that are not there: it is removed here, in one place, instead of in a second copy of every
// `exports` map. apps/demo/test/packaging.test.ts checks every tarball for leftovers.
const SOURCE = '@nn/source';

/** Drops the source condition at every level of an `exports` value. */
function stripSource(value) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const out = {};
  for (const [key, inner] of Object.entries(value)) if (key !== SOURCE) out[key] = stripSource(inner);
  return out;
}

module.exports = {
  hooks: {
    beforePacking(pkg) {
      if (pkg.exports !== undefined) pkg.exports = stripSource(pkg.exports);
      // `sideEffects` lists src/ files for the source build; the tarball has only dist/.
      if (Array.isArray(pkg.sideEffects)) pkg.sideEffects = pkg.sideEffects.filter((f) => !f.startsWith('./src/'));
      return pkg;
    },
  },
};
