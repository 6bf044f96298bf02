/**
 * `noUncheckedIndexedAccess` for the packages above the kernels. The option applies to a whole
 * program, and every package's program includes @nn/tensor's sources (the `@nn/source`
 * condition), so a per-package tsconfig would report the kernels too. Instead: the repository's
 * program with the option on, reporting only the files of the strict packages.
 *
 *   node --import tsx tooling/ci/strict-index.ts        (part of `pnpm typecheck`)
 */
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** The packages whose src/ is checked with noUncheckedIndexedAccess (tests index fixtures freely). */
export const STRICT_PACKAGES = ['optim', 'train', 'autograd', 'layers', 'data'] as const;
/** Files of those packages not yet clean (remove an entry once its file is fixed). */
export const NOT_YET: readonly string[] = [];

const repo = join(dirname(fileURLToPath(import.meta.url)), '../..');
const configPath = join(repo, 'tsconfig.json');
const { config, error } = ts.readConfigFile(configPath, ts.sys.readFile);
if (error !== undefined) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
const parsed = ts.parseJsonConfigFileContent(config, ts.sys, repo, undefined, configPath);
const strictDirs = STRICT_PACKAGES.map((p) => join(repo, 'packages', p, 'src') + '/');
const rootNames = parsed.fileNames.filter((f) => strictDirs.some((d) => f.startsWith(d)));
const program = ts.createProgram({ rootNames, options: { ...parsed.options, noUncheckedIndexedAccess: true, noEmit: true } });

const inStrict = (d: ts.Diagnostic): boolean =>
  d.file !== undefined && strictDirs.some((dir) => d.file!.fileName.startsWith(dir)) && !NOT_YET.includes(relative(repo, d.file.fileName));
const diagnostics = [...program.getSemanticDiagnostics(), ...program.getSyntacticDiagnostics()].filter(inStrict);
const host: ts.FormatDiagnosticsHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => repo, getNewLine: () => '\n' };
if (diagnostics.length > 0) {
  process.stdout.write(ts.formatDiagnostics(diagnostics, host));
  const files = new Set(diagnostics.map((d) => relative(repo, d.file!.fileName)));
  console.log(`noUncheckedIndexedAccess: ${diagnostics.length} errors in ${files.size} files of ${STRICT_PACKAGES.join(', ')}`);
  process.exit(1);
}
console.log(
  `noUncheckedIndexedAccess: ${STRICT_PACKAGES.join(', ')} clean (${rootNames.length} files; not yet: ${NOT_YET.join(', ') || 'none'})`,
);
