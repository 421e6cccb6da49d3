// `hearth serve` without --model serves the model store: models load on demand, keep_alive and
// HEARTH_MAX_LOADED_MODELS unload them, HEARTH_MEMORY_LIMIT refuses what does not fit, and the
// store endpoints (list, show, copy, delete, create, pull from a fake Hugging Face Hub) act on
// $HEARTH_MODELS. Driven by the npm `ollama` client.
//   node store_serve.mjs HEARTH WORKDIR
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { assert, assertEq, createHarness, freePort, loadClients } from './harness.mjs';

const [hearth, workDir] = process.argv.slice(2);
const { Ollama } = loadClients();

const { test, run, makeTinyModel, startServe, stopServer, finish } = createHarness(hearth);
const models = path.join(workDir, 'models');
// The store and an empty HF cache for every `hearth` this test starts (run() and the servers
// inherit process.env); no keep_alive from the caller's environment.
const env = { HEARTH_MODELS: models, HF_HOME: path.join(workDir, 'hf-home'), HEARTH_KEEP_ALIVE: '', OLLAMA_KEEP_ALIVE: '' };
Object.assign(process.env, env);

// A fake Hub: the model-info API and resolve/ with X-Linked-Etag and X-Linked-Size.
function startHub(repo, fileName, bytes) {
  const sha = createHash('sha256').update(bytes).digest('hex');
  const server = http.createServer((req, res) => {
    const url = req.url.split('?')[0];
    if (url === `/api/models/${repo}`) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify({ id: repo, sha: 'a'.repeat(40), siblings: [
        { rfilename: fileName, size: bytes.length, lfs: { sha256: sha, size: bytes.length, pointerSize: 134 } },
        { rfilename: 'README.md' }] }));
    }
    if (url.startsWith(`/${repo}/resolve/`) && url.endsWith('/' + fileName)) {
      res.writeHead(200, { 'Content-Length': bytes.length, 'X-Linked-Etag': `"${sha}"`, 'X-Linked-Size': bytes.length });
      return res.end(req.method === 'HEAD' ? undefined : bytes);
    }
    res.writeHead(404);
    res.end('no route');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, sha, port: server.address().port })));
}

async function ps(base) {
  return (await (await fetch(base + '/api/ps')).json()).models;
}

async function main() {
  rmSync(workDir, { recursive: true, force: true });
  const fileA = makeTinyModel(workDir, { seed: 1, file: 'a.gguf' });
  const fileB = makeTinyModel(workDir, { seed: 2, file: 'b.gguf' });
  run(['create', 'alpha', '--from', fileA]);
  run(['create', 'beta', '--from', fileB]);
  const modelfile = path.join(workDir, 'Modelfile');
  writeFileSync(modelfile, `FROM ${fileA}\nSYSTEM """You are a pirate who always answers in rhymes about the sea."""\nPARAMETER temperature 0\nPARAMETER num_predict 5\n`);
  run(['create', 'pirate', '-f', modelfile]);
  const greedy = { temperature: 0, num_predict: 8 };
  const chatMsg = [{ role: 'user', content: 'Hello there' }];

  const server = await startServe([], env);
  const ollama = new Ollama({ host: server.base });

  await test('list shows the store models with digests and sizes', async () => {
    const { models: list } = await ollama.list();
    const names = list.map((m) => m.name).sort();
    assertEq(JSON.stringify(names), JSON.stringify(['alpha:latest', 'beta:latest', 'pirate:latest']), 'names');
    const a = list.find((m) => m.name === 'alpha:latest');
    assert(/^[0-9a-f]{64}$/.test(a.digest), `digest ${a.digest}`);
    assertEq(a.size > readFileSync(fileA).length, true, 'size counts the GGUF layer');
    assertEq(a.details.format, 'gguf', 'format');
    const v1 = await (await fetch(server.base + '/v1/models')).json();
    assertEq(JSON.stringify(v1.data.map((m) => m.id).sort()), JSON.stringify(names), '/v1/models == /api/tags');
  });

  await test('nothing is loaded before a request', async () => {
    assertEq((await ps(server.base)).length, 0, 'ps');
  });

  let alphaAnswer;
  await test('chat with alpha loads it; ps shows it with expires_at about 5m ahead', async () => {
    const r = await ollama.chat({ model: 'Alpha', messages: chatMsg, options: greedy });
    assert(r.eval_count > 0, 'generated');
    alphaAnswer = r.message.content;
    const loaded = await ps(server.base);
    assertEq(loaded.length, 1, 'one loaded');
    assertEq(loaded[0].name, 'alpha:latest', 'name');
    assert(loaded[0].size > 0, 'size');
    assertEq(loaded[0].size_vram, 0, 'size_vram');
    assert(loaded[0].context_length > 0, 'context_length');
    const left = Date.parse(loaded[0].expires_at) - Date.now();
    assert(left > 4 * 60e3 && left <= 5 * 60e3 + 2000, `expires in ${left} ms`);
  });

  await test('the same request answers the same (loaded engine reused)', async () => {
    const r = await ollama.chat({ model: 'alpha:latest', messages: chatMsg, options: greedy });
    assertEq(r.message.content, alphaAnswer, 'greedy answer');
  });

  await test('`hearth ps` lists the loaded model from the running server; no server: a clear error', async () => {
    const hostPort = server.base.replace('http://', '');
    const { stdout } = await promisify(execFile)(hearth, ['ps'], { env: { ...process.env, HEARTH_HOST: hostPort } });
    const lines = stdout.trim().split('\n');
    assert(/^NAME\s+ID\s+SIZE\s+PROCESSOR\s+CONTEXT\s+UNTIL$/.test(lines[0]), `header: ${lines[0]}`);
    assertEq(lines.length, 2, 'one loaded model');
    const loaded = (await ps(server.base))[0];
    assert(lines[1].startsWith(loaded.name), `row: ${lines[1]}`);
    assert(lines[1].includes(loaded.digest.slice(0, 12)), `row has the ID: ${lines[1]}`);
    assert(/100% CPU\s+\d+\s+[45] minutes from now$/.test(lines[1]), `row: ${lines[1]}`);
    const unused = await freePort();
    const err = await promisify(execFile)(hearth, ['ps'], { env: { ...process.env, HEARTH_HOST: `127.0.0.1:${unused}` } })
      .then(() => null, (e) => e);
    assert(err !== null && err.code === 1, 'exit code 1 without a server');
    assert(/could not connect to hearth serve at 127\.0\.0\.1:/.test(err.stderr), `message: ${err.stderr}`);
  });

  await test('keep_alive -1 shows a far-future expiry; keep_alive 0 with no messages unloads', async () => {
    await ollama.chat({ model: 'alpha', messages: chatMsg, options: greedy, keep_alive: -1 });
    assert((await ps(server.base))[0].expires_at.startsWith('2318'), 'forever');
    const r = await ollama.chat({ model: 'alpha', messages: [], keep_alive: 0 });
    assertEq(r.done_reason, 'unload', 'done_reason');
    assertEq((await ps(server.base)).length, 0, 'ps empty');
  });

  await test('keep_alive "1s" unloads after a second', async () => {
    await ollama.generate({ model: 'beta', prompt: 'hi', options: greedy, keep_alive: '1s' });
    assertEq((await ps(server.base)).length, 1, 'loaded');
    const deadline = Date.now() + 5000;
    while ((await ps(server.base)).length > 0) {
      if (Date.now() > deadline) throw new Error('still loaded after 5 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  await test('bad keep_alive: 400', async () => {
    for (const keep_alive of ['5 minutes', 'abc', true, { x: 1 }]) {
      const r = await fetch(server.base + '/api/generate', { method: 'POST',
        body: JSON.stringify({ model: 'alpha', prompt: 'x', keep_alive }) });
      assertEq(r.status, 400, `status for ${JSON.stringify(keep_alive)}`);
      assert((await r.json()).error.includes('keep_alive'), 'message names keep_alive');
    }
  });

  await test('unknown model: 404 in Ollama\'s words', async () => {
    const r = await fetch(server.base + '/api/chat', { method: 'POST',
      body: JSON.stringify({ model: 'nosuch', messages: chatMsg }) });
    assertEq(r.status, 404, 'status');
    assertEq((await r.json()).error, "model 'nosuch' not found, try pulling it first", 'message');
  });

  await test('show returns SYSTEM and PARAMETER of a Modelfile model', async () => {
    const s = await ollama.show({ model: 'pirate' });
    assertEq(s.system, 'You are a pirate who always answers in rhymes about the sea.', 'system');
    assert(s.parameters.includes('temperature 0'), `parameters ${s.parameters}`);
    assert(s.parameters.includes('num_predict 5'), `parameters ${s.parameters}`);
    assert(s.modelfile.includes('SYSTEM'), 'modelfile');
    assert(s.template.length > 0, 'template');
  });

  await test('the SYSTEM prompt and PARAMETERs apply, and the request overrides them', async () => {
    const plain = await ollama.chat({ model: 'alpha', messages: chatMsg, options: { temperature: 0 } });
    const pirate = await ollama.chat({ model: 'pirate', messages: chatMsg });
    assert(pirate.prompt_eval_count > plain.prompt_eval_count + 10,
           `system prompt adds tokens: ${pirate.prompt_eval_count} vs ${plain.prompt_eval_count}`);
    assertEq(pirate.eval_count, 5, 'PARAMETER num_predict 5');
    const own = await ollama.chat({ model: 'pirate', messages: [{ role: 'system', content: 'x' }, ...chatMsg],
                                    options: { num_predict: 3 } });
    assert(own.prompt_eval_count < pirate.prompt_eval_count, 'own system message replaces SYSTEM');
    assertEq(own.eval_count, 3, 'request option wins');
    const gen = await ollama.generate({ model: 'pirate', prompt: 'Hello there', stream: false });
    assertEq(gen.prompt_eval_count, pirate.prompt_eval_count, 'generate gets the same system prompt');
  });

  await test('copy and delete act on the store and show in the list', async () => {
    await ollama.copy({ source: 'alpha', destination: 'gamma:v1' });
    let names = (await ollama.list()).models.map((m) => m.name);
    assert(names.includes('gamma:v1'), `after copy ${names}`);
    const r = await ollama.chat({ model: 'gamma:v1', messages: chatMsg, options: greedy });
    assertEq(r.message.content, alphaAnswer, 'a copy answers like its source');
    await ollama.delete({ model: 'gamma:v1' });
    names = (await ollama.list()).models.map((m) => m.name);
    assert(!names.includes('gamma:v1'), `after delete ${names}`);
    const gone = await fetch(server.base + '/api/chat', { method: 'POST',
      body: JSON.stringify({ model: 'gamma:v1', messages: chatMsg }) });
    assertEq(gone.status, 404, 'deleted model');
    const del = await fetch(server.base + '/api/delete', { method: 'DELETE', body: JSON.stringify({ model: 'nosuch' }) });
    assertEq(del.status, 404, 'delete unknown');
    const cp = await fetch(server.base + '/api/copy', { method: 'POST', body: JSON.stringify({ source: 'nosuch', destination: 'x' }) });
    assertEq(cp.status, 404, 'copy unknown');
    const bad = await fetch(server.base + '/api/copy', { method: 'POST', body: JSON.stringify({ source: 'alpha', destination: '../etc' }) });
    assertEq(bad.status, 400, 'copy to a bad name');
  });

  await test('create via the API (from + system + parameters), streamed', async () => {
    // ollama-js refuses local paths in `from` itself, so this one goes through fetch.
    const resp = await fetch(server.base + '/api/create', { method: 'POST', body: JSON.stringify({
      model: 'parrot', from: fileB, system: 'Repeat after me.', parameters: { num_predict: 4, stop: ['END'] } }) });
    assertEq(resp.status, 200, 'status');
    const parts = (await resp.text()).trim().split('\n').map((l) => JSON.parse(l).status);
    assertEq(parts[parts.length - 1], 'success', `statuses ${parts}`);
    assert(parts.includes('writing manifest'), `statuses ${parts}`);
    const s = await ollama.show({ model: 'parrot' });
    assertEq(s.system, 'Repeat after me.', 'system');
    assert(s.parameters.includes('stop END'), s.parameters);
    const r = await ollama.chat({ model: 'parrot', messages: chatMsg });
    assertEq(r.eval_count, 4, 'num_predict from the API');
    const bad = await fetch(server.base + '/api/create', { method: 'POST',
      body: JSON.stringify({ model: 'broken', from: path.join(workDir, 'Modelfile'), stream: false }) });
    assert(bad.status >= 400, `a non-GGUF file is refused (${bad.status})`);
    const names = (await ollama.list()).models.map((m) => m.name);
    assert(!names.includes('broken:latest'), 'nothing written');
    const viaClient = [];
    for await (const p of await ollama.create({ model: 'parrot2', from: 'parrot', system: 'Be brief.', stream: true })) {
      viaClient.push(p.status);
    }
    assertEq(viaClient[viaClient.length - 1], 'success', 'ollama.create from a store model');
    assertEq((await ollama.show({ model: 'parrot2' })).system, 'Be brief.', 'system of the new model');
  });

  const hubBytes = readFileSync(fileB);
  const hub = await startHub('test/tiny-GGUF', 'tiny-Q8_0.gguf', hubBytes);
  await stopServer(server);

  const pullServer = await startServe([], { ...env, HF_ENDPOINT: `http://127.0.0.1:${hub.port}` });
  await test('pull from a fake Hub streams progress and ends with success', async () => {
    const ol = new Ollama({ host: pullServer.base });
    const statuses = [];
    let lastProgress;
    for await (const p of await ol.pull({ model: 'hf.co/test/tiny-GGUF', stream: true })) {
      statuses.push(p.status);
      if (p.digest) lastProgress = p;
    }
    assertEq(statuses[0], 'pulling manifest', 'first');
    assertEq(statuses[statuses.length - 1], 'success', 'last');
    assert(statuses.includes('pulling ' + hub.sha.slice(0, 12)), `statuses ${statuses}`);
    assert(statuses.includes('verifying sha256 digest') && statuses.includes('writing manifest'), `${statuses}`);
    assertEq(lastProgress.digest, 'sha256:' + hub.sha, 'digest');
    assertEq(lastProgress.total, hubBytes.length, 'total');
    assertEq(lastProgress.completed, hubBytes.length, 'completed');
    const names = (await ol.list()).models.map((m) => m.name);
    assert(names.includes('hf.co/test/tiny-gguf:latest'), `listed ${names}`);  // the store lower-cases names
    const r = await ol.chat({ model: 'hf.co/test/tiny-GGUF', messages: chatMsg, options: greedy });
    assert(r.eval_count > 0, 'the pulled model answers');
    const again = await (await fetch(pullServer.base + '/api/pull', { method: 'POST',
      body: JSON.stringify({ model: 'hf.co/test/tiny-GGUF', stream: false }) })).json();
    assertEq(JSON.stringify(again), '{"status":"success"}', 'stream:false');
    const missing = await fetch(pullServer.base + '/api/pull', { method: 'POST',
      body: JSON.stringify({ model: 'hf.co/test/absent', stream: false }) });
    assertEq(missing.status, 404, 'unknown repo');
  });
  await stopServer(pullServer);
  hub.server.close();

  const one = await startServe([], { ...env, HEARTH_MAX_LOADED_MODELS: '1' });
  await test('HEARTH_MAX_LOADED_MODELS=1: loading beta unloads alpha', async () => {
    const ol = new Ollama({ host: one.base });
    await ol.chat({ model: 'alpha', messages: chatMsg, options: greedy });
    assertEq(JSON.stringify((await ps(one.base)).map((m) => m.name)), '["alpha:latest"]', 'alpha');
    await ol.chat({ model: 'beta', messages: chatMsg, options: greedy });
    assertEq(JSON.stringify((await ps(one.base)).map((m) => m.name)), '["beta:latest"]', 'beta replaced alpha');
  });
  await stopServer(one);

  const small = await startServe([], { ...env, HEARTH_MEMORY_LIMIT: '1MiB' });
  await test('HEARTH_MEMORY_LIMIT too small: a clear error naming required vs available', async () => {
    const r = await fetch(small.base + '/api/chat', { method: 'POST',
      body: JSON.stringify({ model: 'alpha', messages: chatMsg, stream: false }) });
    assertEq(r.status, 500, 'status');
    const { error } = await r.json();
    assert(/model requires more system memory \([0-9.]+ GiB\) than is available \(0\.00 GiB\)/.test(error), error);
    assertEq((await ps(small.base)).length, 0, 'nothing loaded');
  });
  await stopServer(small);
}

finish(main);
