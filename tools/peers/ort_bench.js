// ONNX Runtime (onnxruntime-node, CPU execution provider) timing for
// tools/peers/run.sh.
//
//   node tools/peers/ort_bench.js --model M.onnx --input X.f32 [--shape 3,224,224] [--threads 1,2]
//        [--batches 1,8] [--warmup 2] [--iters 5] [--mintime 1] [--maxtime 3] [--logits OUT.f32]
//
// Session: executionProviders ['cpu'], graphOptimizationLevel 'all',
// intraOpNumThreads T, interOpNumThreads 1, executionMode 'sequential'; one
// session per thread count. The input tensor is built once per batch (the
// first b images of the file, each of --shape C,H,W); each timing is one session.run() (ms per
// batch): after --warmup calls, at least --iters calls and --mintime seconds,
// but no more than 3 calls once --maxtime seconds have passed. Other session
// options are ORT's defaults (e.g. thread spinning on).
// Prints one JSON object per line and configuration (cpu_median_ms: the
// median of the process's CPU time per call, all its threads; with one
// thread, the time the inference ran); with --logits writes the
// largest batch's logits (first thread count) as float32.
'use strict';
const fs = require('fs');
const path = require('path');

function arg(name, def) {
  const i = process.argv.indexOf('--' + name);
  return i >= 0 ? process.argv[i + 1] : def;
}

function loadOrt() {
  try {
    return require(path.join(__dirname, 'node_modules', 'onnxruntime-node'));
  } catch (e) {
    const want = require('./package.json').dependencies['onnxruntime-node'];
    console.error(`onnxruntime-node not installed (${e.code || e.message}); install with: ` +
      `(cd tools/peers && npm install --ignore-scripts onnxruntime-node@${want})`);
    process.exit(3);
  }
}

function readF32(file) {
  const b = fs.readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

const r3 = (v) => Math.round(v * 1000) / 1000;

async function main() {
  const model = arg('model');
  const input = arg('input');
  if (!model || !input) throw new Error('need --model and --input');
  const threads = arg('threads', '1,2').split(',').map(Number);
  const batches = arg('batches', '1,8').split(',').map(Number);
  const warmup = Number(arg('warmup', '2'));
  const iters = Number(arg('iters', '5'));
  const mintime = Number(arg('mintime', '1')) * 1e3;
  const maxtime = Number(arg('maxtime', '3')) * 1e3;
  const logits = arg('logits');
  const ort = loadOrt();
  const version = require(path.join(__dirname, 'node_modules', 'onnxruntime-node', 'package.json')).version;
  const x = readF32(input);
  const shape = arg('shape', '3,224,224').split(',').map(Number);
  const img = shape.reduce((p, q) => p * q, 1);
  const maxB = Math.max(...batches);
  if (x.length < maxB * img) throw new Error(`${input} holds ${x.length / img} images, need ${maxB}`);
  for (const [ti, th] of threads.entries()) {
    const t0 = process.hrtime.bigint();
    const sess = await ort.InferenceSession.create(model, {
      executionProviders: ['cpu'], graphOptimizationLevel: 'all',
      intraOpNumThreads: th, interOpNumThreads: 1, executionMode: 'sequential',
    });
    const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
    for (const b of batches) {
      const feeds = { input: new ort.Tensor('float32', x.subarray(0, b * img), [b, ...shape]) };
      let out;
      for (let i = 0; i < warmup; i++) out = await sess.run(feeds);
      const ts = [];
      const cpu = [];
      const start = Date.now();
      while (ts.length < iters || Date.now() - start < mintime) {
        if (ts.length >= 3 && Date.now() - start > maxtime) break;
        const t = process.hrtime.bigint();
        const c = process.cpuUsage();
        out = await sess.run(feeds);
        ts.push(Number(process.hrtime.bigint() - t) / 1e6);
        const dc = process.cpuUsage(c);
        cpu.push((dc.user + dc.system) / 1e3);
      }
      ts.sort((p, q) => p - q);
      cpu.sort((p, q) => p - q);
      const cpuMed = cpu.length % 2 ? cpu[(cpu.length - 1) / 2] : (cpu[cpu.length / 2 - 1] + cpu[cpu.length / 2]) / 2;
      const n = ts.length;
      const med = n % 2 ? ts[(n - 1) / 2] : (ts[n / 2 - 1] + ts[n / 2]) / 2;
      const p90 = ts[Math.min(n - 1, Math.max(0, Math.ceil(0.9 * n) - 1))];
      if (ti === 0 && b === maxB && logits) {
        const d = out.logits.data;
        fs.writeFileSync(logits, Buffer.from(d.buffer, d.byteOffset, d.byteLength));
      }
      console.log(JSON.stringify({ engine: 'ort', build: `onnxruntime-node ${version}`, threads: th,
        batch: b, median_ms: r3(med), p90_ms: r3(p90), min_ms: r3(ts[0]), n, load_ms: r3(loadMs),
        cpu_median_ms: r3(cpuMed) }));
    }
    if (sess.release) await sess.release();
  }
}
main().catch((e) => { console.error(e && e.stack || e); process.exit(1); });
