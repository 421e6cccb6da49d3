// `hearth serve` driven by the real npm clients (ollama-js and openai-node from
// tests/reference/node_modules) plus raw fetch for the error paths. The model has random weights,
// so generated text is compared with `hearth run --json` on the same prompt (greedy).
// Usage: node server_clients.mjs HEARTH_BINARY WORK_DIR      Prints "N passed, M failed".
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { assert, assertEq, createHarness, postJson } from './harness.mjs';

const [hearth, workDir] = process.argv.slice(2);
if (!hearth || !workDir) {
  console.error('usage: node server_clients.mjs HEARTH_BINARY WORK_DIR');
  process.exit(2);
}
const here = path.dirname(fileURLToPath(import.meta.url));
const refDir = path.join(here, '..', 'reference');

// The clients come from the pinned lock file; a missing install is a failure, never a skip.
const requireRef = createRequire(path.join(refDir, 'package.json'));
let Ollama, OpenAI;
try {
  Ollama = requireRef('ollama').Ollama;
  const openaiModule = requireRef('openai');
  OpenAI = openaiModule.OpenAI ?? openaiModule.default ?? openaiModule;
} catch (e) {
  console.error(`FAIL: cannot load the ollama/openai npm clients from ${refDir}/node_modules ` +
                `(run \`make deps\`, or \`cd tests/reference && npm install --no-audit --no-fund\`): ${e.message}`);
  process.exit(1);
}

const MODEL = 'tiny';
const { test, run, startServer: startNamed, stopServer, finish } = createHarness(hearth);
const startServer = (modelPath, env = {}) => startNamed(modelPath, MODEL, env);

async function main() {
  mkdirSync(workDir, { recursive: true });
  const modelPath = path.join(workDir, 'tiny-dense-q8_0.gguf');
  run(['make-test-model', '--preset', 'dense-tiny', '--type', 'q8_0', '--embd', '64', '--ctx', '2048',
       '--vocab', path.join(here, '..', 'testdata', 'ggml-vocab-gemma-4.gguf'), '--out', modelPath]);

  const RAW_PROMPT = 'The quick brown fox';
  const CHAT_PROMPT = 'Why is the sky blue?';
  const refRaw = JSON.parse(run(['run', modelPath, '--raw', '--json', '--temperature', '0', '--num-predict', '16', RAW_PROMPT]));
  const refChat = JSON.parse(run(['run', modelPath, '--json', '--temperature', '0', '--num-predict', '16', CHAT_PROMPT]));
  const greedy = { temperature: 0, num_predict: 16 };

  const server = await startServer(modelPath);
  const ollama = new Ollama({ host: server.base });
  const openai = new OpenAI({ baseURL: server.base + '/v1', apiKey: 'test', maxRetries: 0 });

  await test('GET / and HEAD / say the server is running', async () => {
    const r = await fetch(server.base + '/');
    assertEq(r.status, 200, 'status');
    assert((await r.text()).includes('is running'), 'body');
    const h = await fetch(server.base + '/', { method: 'HEAD' });
    assertEq(h.status, 200, 'HEAD status');
  });

  await test('ollama.version', async () => {
    assertEq((await ollama.version()).version, '0.1.0', 'version');
  });

  await test('ollama.list lists the model', async () => {
    const { models } = await ollama.list();
    assert(models.some((m) => m.name === `${MODEL}:latest` && m.details.family === 'gemma4'),
           `model not listed: ${JSON.stringify(models)}`);
  });

  await test('ollama.show', async () => {
    const s = await ollama.show({ model: MODEL });
    assert(s.capabilities.includes('completion'), 'capabilities');
    assert(s.template.length > 0, 'template');
    assertEq(s.details.format, 'gguf', 'details.format');
  });

  await test('GET /api/ps', async () => {
    const r = await (await fetch(server.base + '/api/ps')).json();
    assertEq(r.models[0].name, `${MODEL}:latest`, 'name');
  });

  let generated;
  await test('ollama.generate raw, non-stream == hearth run --raw', async () => {
    const r = await ollama.generate({ model: MODEL, prompt: RAW_PROMPT, raw: true, stream: false, options: greedy });
    assertEq(r.response, refRaw.text, 'response');
    assertEq(r.done, true, 'done');
    assertEq(r.done_reason, refRaw.done_reason, 'done_reason');
    assertEq(r.eval_count, refRaw.eval_count, 'eval_count');
    for (const k of ['total_duration', 'load_duration', 'prompt_eval_count', 'prompt_eval_duration', 'eval_duration']) {
      assert(Number.isInteger(r[k]) && r[k] >= 0, `${k} = ${r[k]}`);
    }
    assert(r.total_duration >= r.eval_duration, 'total_duration >= eval_duration');
    generated = r.response;
  });

  await test('ollama.generate raw, stream: chunks concatenate to the non-stream response', async () => {
    const stream = await ollama.generate({ model: MODEL, prompt: RAW_PROMPT, raw: true, stream: true, options: greedy });
    let text = '', last;
    for await (const part of stream) {
      text += part.response;
      last = part;
    }
    assertEq(text, refRaw.text, 'concatenated response');
    assertEq(last.done, true, 'last.done');
    assert(last.eval_count > 0, 'eval_count on the final chunk');
  });

  await test('ollama.generate with the template == hearth run (same rendering)', async () => {
    const r = await ollama.generate({ model: MODEL, prompt: CHAT_PROMPT, stream: false, options: greedy });
    assertEq(r.response, refChat.content, 'response');
    assertEq(r.thinking ?? '', refChat.thinking, 'thinking');
  });

  let chatContent;
  await test('ollama.chat non-stream == hearth run', async () => {
    const r = await ollama.chat({ model: MODEL, messages: [{ role: 'user', content: CHAT_PROMPT }], options: greedy });
    assertEq(r.message.role, 'assistant', 'role');
    assertEq(r.message.content, refChat.content, 'content');
    assertEq(r.message.thinking ?? '', refChat.thinking, 'thinking');
    assertEq(r.done_reason, refChat.done_reason, 'done_reason');
    chatContent = r.message.content;
  });

  await test('ollama.chat stream: chunks concatenate to the non-stream message', async () => {
    const stream = await ollama.chat({ model: MODEL, messages: [{ role: 'user', content: CHAT_PROMPT }],
                                       options: greedy, stream: true });
    let content = '', thinking = '', last;
    for await (const part of stream) {
      content += part.message.content;
      thinking += part.message.thinking ?? '';
      last = part;
    }
    assertEq(content, refChat.content, 'content');
    assertEq(thinking, refChat.thinking, 'thinking');
    assertEq(last.done, true, 'done');
  });

  await test('ollama.chat with think:false and tools renders and answers', async () => {
    const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather for a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];
    const r = await ollama.chat({ model: MODEL, messages: [{ role: 'user', content: 'Weather in Paris?' }],
                                  tools, think: false, options: { temperature: 0, num_predict: 8 } });
    assertEq(r.done, true, 'done');
    assertEq(typeof r.message.content, 'string', 'content type');
  });

  await test('openai chat.completions non-stream == hearth run', async () => {
    const r = await openai.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: CHAT_PROMPT }],
                                                     temperature: 0, max_tokens: 16 });
    assertEq(r.object, 'chat.completion', 'object');
    assertEq(r.choices[0].message.content, refChat.content, 'content');
    assertEq(r.choices[0].message.reasoning_content ?? '', refChat.thinking, 'reasoning_content');
    assertEq(r.choices[0].finish_reason, refChat.done_reason === 'length' ? 'length' : 'stop', 'finish_reason');
    assertEq(r.usage.completion_tokens, refChat.eval_count, 'usage.completion_tokens');
    assertEq(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens, 'usage.total_tokens');
  });

  await test('openai chat.completions stream with include_usage', async () => {
    const stream = await openai.chat.completions.create({
      model: MODEL, messages: [{ role: 'user', content: CHAT_PROMPT }], temperature: 0, max_completion_tokens: 16,
      stream: true, stream_options: { include_usage: true } });
    let content = '', finish = null, usage = null, ids = new Set(), chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      ids.add(chunk.id);
      for (const c of chunk.choices) {
        content += c.delta.content ?? '';
        if (c.finish_reason) finish = c.finish_reason;
      }
      if (chunk.usage) usage = chunk.usage;
    }
    assertEq(content, refChat.content, 'content');
    assert(finish === 'length' || finish === 'stop', `finish_reason ${finish}`);
    assert(usage && usage.completion_tokens === refChat.eval_count, `usage ${JSON.stringify(usage)}`);
    assertEq(ids.size, 1, 'one id for all chunks');
    assert(chunks >= 3, 'several chunks');
  });

  await test('openai reasoning_effort "none" and chat_template_kwargs are accepted', async () => {
    const r = await openai.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }],
      temperature: 0, max_tokens: 4, reasoning_effort: 'none' });
    assert(typeof r.choices[0].message.content === 'string', 'content');
    const r2 = await openai.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }],
      temperature: 0, max_tokens: 4, chat_template_kwargs: { enable_thinking: false } });
    assertEq(r2.choices[0].message.content, r.choices[0].message.content, 'same rendering, same greedy answer');
  });

  await test('openai models.list and models.retrieve', async () => {
    const list = await openai.models.list();
    const ids = [];
    for await (const m of list) ids.push(m.id);
    assert(ids.includes(`${MODEL}:latest`), `ids ${ids}`);
    const m = await openai.models.retrieve(MODEL);
    assertEq(m.object, 'model', 'object');
  });

  await test('unknown model: 404 from both clients', async () => {
    let err;
    try { await ollama.chat({ model: 'missing', messages: [{ role: 'user', content: 'x' }] }); } catch (e) { err = e; }
    assert(err, 'ollama.chat did not throw');
    assertEq(err.status_code, 404, 'ollama status_code');
    err = undefined;
    try {
      await openai.chat.completions.create({ model: 'missing', messages: [{ role: 'user', content: 'x' }] });
    } catch (e) { err = e; }
    assert(err, 'openai did not throw');
    assertEq(err.status, 404, 'openai status');
    err = undefined;
    try { await openai.models.retrieve('missing'); } catch (e) { err = e; }
    assertEq(err && err.status, 404, 'models.retrieve status');
  });

  await test('bad JSON: 400 with an error body', async () => {
    for (const route of ['/api/chat', '/api/generate', '/v1/chat/completions']) {
      const r = await postJson(server.base, route, '{"model": "tiny", "messages": [');
      assertEq(r.status, 400, `${route} status`);
      const body = await r.json();
      assert(body.error, `${route} error body`);
    }
  });

  await test('oversized body: 413', async () => {
    const big = JSON.stringify({ model: MODEL, prompt: 'x'.repeat(9 << 20) });
    const r = await postJson(server.base, '/api/generate', big);
    assertEq(r.status, 413, 'status');
  });

  await test('curl -d style body (form content type, > 8 KiB) is read as JSON', async () => {
    const body = JSON.stringify({ model: MODEL, prompt: RAW_PROMPT, raw: true, stream: false, options: greedy,
                                  padding: 'y'.repeat(20000) });
    const r = await fetch(server.base + '/api/generate', { method: 'POST', body,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assertEq(r.status, 200, 'status');
    assertEq((await r.json()).response, refRaw.text, 'response');
  });

  await test('absurd options: 400', async () => {
    let err;
    try { await ollama.generate({ model: MODEL, prompt: 'x', options: { temperature: -5 } }); } catch (e) { err = e; }
    assertEq(err && err.status_code, 400, 'ollama temperature -5');
    err = undefined;
    try {
      await openai.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }], temperature: -5 });
    } catch (e) { err = e; }
    assertEq(err && err.status, 400, 'openai temperature -5');
    assert(/temperature/.test(err.message), `message names the field: ${err.message}`);
    for (const options of [{ num_predict: 'many' }, { top_k: -3 }, { num_ctx: 1 << 20 }, { stop: 5 }]) {
      const r = await postJson(server.base, '/api/generate', JSON.stringify({ model: MODEL, prompt: 'x', options }));
      assertEq(r.status, 400, `options ${JSON.stringify(options)}`);
    }
    const r = await postJson(server.base, '/api/chat', JSON.stringify({ model: MODEL, messages: 'hi' }));
    assertEq(r.status, 400, 'messages as a string');
  });

  await test('registry endpoints: 501 with a message', async () => {
    const r = await postJson(server.base, '/api/pull', JSON.stringify({ name: 'gemma4' }));
    assertEq(r.status, 501, 'status');
    assert((await r.json()).error.includes('not supported'), 'message');
  });

  await test('CORS: foreign origins get no allow header', async () => {
    const r = await fetch(server.base + '/api/version', { headers: { Origin: 'http://evil.example' } });
    assertEq(r.headers.get('access-control-allow-origin'), null, 'allow-origin');
    const pre = await fetch(server.base + '/api/chat', { method: 'OPTIONS',
      headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST' } });
    assertEq(pre.status, 403, 'preflight status');
  });

  await test('client disconnect cancels the generation', async () => {
    const ctl = new AbortController();
    const r = await fetch(server.base + '/api/generate', { method: 'POST', signal: ctl.signal,
      body: JSON.stringify({ model: MODEL, prompt: 'Tell me a long story', raw: true,
                             options: { temperature: 0, num_predict: 1900 } }) });
    const reader = r.body.getReader();
    await reader.read();
    ctl.abort();
    // Without cancellation the server would still be busy for ~1900 tokens.
    const t0 = Date.now();
    const next = await ollama.generate({ model: MODEL, prompt: RAW_PROMPT, raw: true, options: greedy });
    assertEq(next.response, refRaw.text, 'follow-up response');
    const first = Date.now() - t0;
    const t1 = Date.now();
    await ollama.generate({ model: MODEL, prompt: RAW_PROMPT, raw: true, options: greedy });
    const second = Date.now() - t1;
    assert(first < second * 10 + 3000, `follow-up waited ${first} ms (an undisturbed request takes ${second} ms)`);
  });

  await test('the server keeps serving after the errors', async () => {
    const r = await ollama.generate({ model: MODEL, prompt: RAW_PROMPT, raw: true, options: greedy });
    assertEq(r.response, generated, 'response');
  });

  await test('SIGTERM stops the server cleanly', async () => {
    const { code, signal } = await stopServer(server);
    assertEq(signal, null, `killed by a signal; stderr: ${server.stderr()}`);
    assertEq(code, 0, 'exit code');
  });

  await test('queue full: 503 with Retry-After (one slot, HEARTH_MAX_QUEUE=0)', async () => {
    const busy = await startServer(modelPath, { HEARTH_MAX_QUEUE: '0', HEARTH_NUM_PARALLEL: '1' });
    try {
      const ctl = new AbortController();
      const r = await fetch(busy.base + '/api/generate', { method: 'POST', signal: ctl.signal,
        body: JSON.stringify({ model: MODEL, prompt: 'x', raw: true, options: { num_predict: 1900 } }) });
      const reader = r.body.getReader();
      await reader.read();
      const second = await postJson(busy.base, '/api/generate', JSON.stringify({ model: MODEL, prompt: 'y', raw: true }));
      assertEq(second.status, 503, 'status');
      assert(second.headers.get('retry-after'), 'Retry-After header');
      ctl.abort();
    } finally {
      await stopServer(busy);
    }
  });
}

await finish(main);
