// An Open Inference Protocol (KServe v2) gRPC client on Node's gRPC stack
// (@grpc/grpc-js, @grpc/proto-loader), loading incc's committed
// runtime/serve/inference/inference.proto at run time. It asks a server
// for its metadata and classifies image files, and prints one JSON
// document: an independent check of a model binary's serve command.
//
//   node client.js ADDR MODEL [--raw] [--top K] IMAGE...
//
// Each image is sent as the BYTES input "image" (bytes_contents, or with
// --raw as raw_input_contents: a 4-byte little-endian length and the
// bytes). The output "output" comes back whole (FP32) and as the top K
// classes (the classification extension).
"use strict";
const path = require("path");
const fs = require("fs");
const grpc = require("@grpc/grpc-js");
const protoLoader = require("@grpc/proto-loader");

const PROTO = path.join(__dirname, "..", "..", "runtime", "serve", "inference", "inference.proto");

function usage(msg) {
  process.stderr.write(`client.js: ${msg}\nusage: node client.js ADDR MODEL [--raw] [--top K] IMAGE...\n`);
  process.exit(2);
}

function call(client, method, req) {
  return new Promise((resolve, reject) => {
    client[method](req, {deadline: Date.now() + 30000}, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

function rawFloats(buf) {
  const out = [];
  for (let i = 0; i + 4 <= buf.length; i += 4) out.push(buf.readFloatLE(i));
  return out;
}

function rawStrings(buf) {
  const out = [];
  for (let i = 0; i < buf.length; ) {
    const n = buf.readUInt32LE(i);
    out.push(buf.subarray(i + 4, i + 4 + n).toString("utf8"));
    i += 4 + n;
  }
  return out;
}

async function main() {
  const args = process.argv.slice(2);
  let raw = false, top = 3;
  const pos = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--raw") raw = true;
    else if (args[i] === "--top") top = Number(args[++i]);
    else pos.push(args[i]);
  }
  if (pos.length < 3 || !(top >= 1)) usage("want ADDR MODEL IMAGE...");
  const [addr, model, ...files] = pos;

  const def = protoLoader.loadSync(PROTO, {keepCase: true, longs: Number, defaults: true});
  const inference = grpc.loadPackageDefinition(def).inference;
  const client = new inference.GRPCInferenceService(addr, grpc.credentials.createInsecure());

  const live = await call(client, "ServerLive", {});
  const ready = await call(client, "ServerReady", {});
  const server = await call(client, "ServerMetadata", {});
  const meta = await call(client, "ModelMetadata", {name: model});
  const results = [];
  for (const file of files) {
    const img = fs.readFileSync(file);
    const input = {name: "image", datatype: "BYTES", shape: [1]};
    const req = {
      model_name: model,
      id: path.basename(file),
      inputs: [input],
      outputs: [{name: "output"}],
    };
    if (raw) {
      const len = Buffer.alloc(4);
      len.writeUInt32LE(img.length, 0);
      req.raw_input_contents = [Buffer.concat([len, img])];
    } else {
      input.contents = {bytes_contents: [img]};
    }
    const scores = await call(client, "ModelInfer", req);
    req.outputs = [{name: "output", parameters: {classification: {int64_param: top}}}];
    const classes = await call(client, "ModelInfer", req);
    const out = scores.outputs[0];
    const cls = classes.outputs[0];
    results.push({
      file,
      id: scores.id,
      datatype: out.datatype,
      shape: out.shape,
      scores: raw ? rawFloats(scores.raw_output_contents[0]) : out.contents.fp32_contents,
      classes: raw ? rawStrings(classes.raw_output_contents[0]) : cls.contents.bytes_contents.map(b => b.toString("utf8")),
    });
  }
  // An unknown model is NOT_FOUND.
  let unknown = "";
  try {
    await call(client, "ModelMetadata", {name: model + "-nope"});
  } catch (err) {
    unknown = grpc.status[err.code];
  }
  client.close();
  process.stdout.write(JSON.stringify({live: live.live, ready: ready.ready, server, model: meta, unknown_model: unknown, results}, null, 2) + "\n");
}

main().catch(err => {
  process.stderr.write(`client.js: ${err.message}\n`);
  process.exit(1);
});
