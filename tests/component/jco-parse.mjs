// Converts component text to binary for the component-model test runner
// (tests/unit/component/cm_spec_test.cc): every NAME.wat in DIR becomes NAME.wasm, or NAME.err
// holding the parser's message, with `parse` of npm @bytecodealliance/jco (wasm-tools' text
// parser, the same as `jco parse in.wat -o out.wasm`). One node process per .wast file
// instead of one per component.
//   node jco-parse.mjs NPM_DIR DIR
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [npm, dir] = process.argv.slice(2);
const api = join(npm, 'node_modules/@bytecodealliance/jco/dist/api.js');
const { parse } = await import(pathToFileURL(api).href);
for (const f of readdirSync(dir).filter((f) => f.endsWith('.wat')).sort()) {
  const base = join(dir, f.slice(0, -4));
  if (existsSync(base + '.wasm') || existsSync(base + '.err')) continue;
  try {
    writeFileSync(base + '.wasm', await parse(readFileSync(join(dir, f), 'utf8')));
  } catch (e) {
    writeFileSync(base + '.err', String(e && e.message ? e.message : e));
  }
}
