#!/usr/bin/env node
// Profiles an ONNX model saved by `ldam bench --save_onnx FILE` in ONNX Runtime's own profiler
// and prints where a step's time goes, by operator type.
//
//   npm install --prefix /tmp/ort --ignore-scripts onnxruntime-node@1.30.0
//   NODE_PATH=/tmp/ort/node_modules node scripts/ort-profile.js FILE [threads] [opt]
//
// threads: ONNX Runtime's intra-op threads (default 2; 0 is its own default); opt: graph
// optimization level (disabled, basic, extended, all; default all). Set NOARENA=1 to disable
// the CPU memory arena, INTEROP=N for the parallel executor with N inter-op threads; set TOP=N to list the N costliest nodes, NOPROF=1 to time only,
// NOSPIN=1 to keep the pool's threads from spinning. The inputs are random numbers of the shapes in FILE.json. It runs 3
// warm-up steps and 5 timed ones, then 3 warm-up and 5 profiled ones.
const ort = require('onnxruntime-node');
const fs = require('fs');
const path = require('path');

async function session(file, threads, opt, profile) {
  const opts = {executionProviders: ['cpu'], intraOpNumThreads: threads, graphOptimizationLevel: opt};
  if (process.env.NOARENA) opts.enableCpuMemArena = false;
  if (process.env.NOSPIN) opts.extra = {session: {intra_op: {allow_spinning: '0'}, inter_op: {allow_spinning: '0'}}};
  if (process.env.INTEROP) Object.assign(opts, {executionMode: 'parallel', interOpNumThreads: Number(process.env.INTEROP)});
  if (profile) Object.assign(opts, {enableProfiling: true, profileFilePrefix: file + '-profile'});
  return ort.InferenceSession.create(file, opts);
}

function feeds(sess, dims) {
  const f = {};
  sess.inputNames.forEach((name, i) => {
    const size = dims[i].reduce((a, b) => a * b, 1);
    const d = new Float32Array(size);
    for (let j = 0; j < size; j++) d[j] = (Math.random() - 0.5) * 0.1;
    f[name] = new ort.Tensor('float32', d, dims[i]);
  });
  return f;
}

async function main() {
  const [file, threadsArg, optArg] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node scripts/ort-profile.js FILE [threads] [opt]');
    process.exit(2);
  }
  const threads = threadsArg === undefined ? 2 : Number(threadsArg);
  const opt = optArg || 'all';
  const dims = JSON.parse(fs.readFileSync(file + '.json'));
  let sess = await session(file, threads, opt, false);
  const f = feeds(sess, dims);
  for (let i = 0; i < 3; i++) await sess.run(f);
  const t0 = Date.now();
  for (let i = 0; i < 5; i++) await sess.run(f);
  const ms = (Date.now() - t0) / 5;
  console.log(`${file}: ${ms.toFixed(1)} ms per step (threads ${threads}, optimization ${opt}${process.env.NOARENA ? ', no arena' : ''}), RSS ${(process.memoryUsage().rss / 1e9).toFixed(2)} GB`);

  if (process.env.NOPROF) return; // timing only
  // The profiled session warms up too: its first run allocates the arena, and the page faults
  // of that first touch would show as element-wise time (10x the warm cost of a Mul).
  sess = await session(file, threads, opt, true);
  for (let i = 0; i < 8; i++) await sess.run(f);
  sess.endProfiling(); // writes <FILE>-profile_<date>.json
  const prefix = path.basename(file) + '-profile';
  const out = fs.readdirSync(path.dirname(file)).filter(n => n.startsWith(prefix) && n.endsWith('.json'))
    .map(n => path.join(path.dirname(file), n)).sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
  const events = JSON.parse(fs.readFileSync(out));
  fs.unlinkSync(out);
  const runs = events.filter(e => e.cat === 'Session' && e.name === 'model_run').map(e => e.ts).sort((a, b) => a - b);
  const from = runs.length >= 8 ? runs[3] : 0; // the last 5 runs only
  const timed = events.filter(e => e.ts >= from);
  const byOp = new Map();
  let total = 0;
  for (const e of timed) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const op = e.args.op_name;
    const r = byOp.get(op) || {us: 0, n: 0};
    r.us += e.dur; r.n++; byOp.set(op, r);
    total += e.dur;
  }
  console.log('operator            ms/step   share  nodes');
  for (const [op, r] of [...byOp].sort((a, b) => b[1].us - a[1].us)) {
    if (r.us / total < 0.001) continue;
    console.log(`${op.padEnd(18)} ${(r.us / 5000).toFixed(1).padStart(8)}  ${(100 * r.us / total).toFixed(1).padStart(5)}%  ${r.n / 5}`);
  }
  // TOP=N: the N costliest nodes, with their input shapes.
  const top = Number(process.env.TOP || 0);
  if (top > 0) {
    const byNode = new Map();
    for (const e of timed) {
      if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
      const r = byNode.get(e.name) || {us: 0, op: e.args.op_name, shapes: JSON.stringify(e.args.input_type_shape)};
      r.us += e.dur; byNode.set(e.name, r);
    }
    console.log(`\nthe ${top} costliest nodes (ms/step, operator, input shapes):`);
    for (const [name, r] of [...byNode].sort((a, b) => b[1].us - a[1].us).slice(0, top)) {
      console.log(`${(r.us / 5000).toFixed(2).padStart(7)}  ${r.op.padEnd(12)} ${r.shapes}`);
    }
  }
}
main().catch(e => { console.error(e); process.exit(1); });
