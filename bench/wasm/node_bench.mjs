// V8 (node) side of bench/wasm: runs one export of a wasm module and prints
// "ms=<best CPU ms per call> result=<checksum>" on stdout.
// Usage: node node_bench.mjs FILE.wasm EXPORT ARG RUNS [wasi]
// Before timing, the export is called WARM times with a small argument and the event loop is
// given time, so V8's dynamic tier-up (Liftoff -> TurboFan) has finished: the numbers are the
// steady state (node 20 has no on-stack replacement for wasm, so a first long call would stay
// in Liftoff).
import { readFileSync } from 'node:fs';

const [file, name, argText, runsText, wasiFlag] = process.argv.slice(2);
const arg = Number(argText), runs = Number(runsText || 3);
const bytes = readFileSync(file);

let imports = {};
let wasi = null;
if (wasiFlag === 'wasi') {
  const { WASI } = await import('node:wasi');
  wasi = new WASI({ version: 'preview1', args: [], env: {} });
  imports = wasi.getImportObject();
}
const { instance } = await WebAssembly.instantiate(bytes, imports);
if (wasi) {
  if (instance.exports._initialize) wasi.initialize(instance);
}
const fn = instance.exports[name];
const warmArg = 1;
for (let i = 0; i < 3; i++) {
  fn(warmArg);
  await new Promise((r) => setTimeout(r, 50));
}
let best = Infinity, result = 0;
for (let i = 0; i < runs; i++) {
  // CPU time (user + system) of the process, like the harness's thread CPU time: a busy
  // machine does not inflate it. After warm-up V8 has no background work left.
  const c0 = process.cpuUsage();
  result = fn(arg) >>> 0;
  const c = process.cpuUsage(c0);
  best = Math.min(best, (c.user + c.system) / 1000);
}
console.log(`ms=${best} result=${result}`);
