// `hearth serve` driven by the real npm clients (ollama-js and openai-node from
// tests/reference/node_modules) plus raw fetch for the error paths. The model has random weights,
// so generated text is compared with `hearth run --json` on the same prompt (greedy).
// Usage: node server_clients.mjs HEARTH_BINARY WORK_DIR      Prints "N passed, M failed".
import { assert, assertEq, createHarness, loadClients, postJson } from './harness.mjs';

const [hearth, workDir] = process.argv.slice(2);
if (!hearth || !workDir) {
  console.error('usage: node server_clients.mjs HEARTH_BINARY WORK_DIR');
  process.exit(2);
}
const { Ollama, OpenAI } = loadClients();

const MODEL = 'tiny';
const { test, run, makeTinyModel, startServer: startNamed, stopServer, finish } = createHarness(hearth);
const startServer = (modelPath, env = {}) => startNamed(modelPath, MODEL, env);

async function main() {
  const modelPath = makeTinyModel(workDir);

  const RAW_PROMPT = 'The quick brown fox';
  const CHAT_PROMPT = 'Why is the sky blue?';
  const refRaw = JSON.parse(run(['run', modelPath, '--raw', '--json', '--temperature', '0', '--num-predict', '16', RAW_PROMPT]));
  const refChat = JSON.parse(run(['run', modelPath, '--json', '--temperature', '0', '--num-predict', '16', CHAT_PROMPT]));
  const greedy = { temperature: 0, num_predict: 16 };
  const SCHEMA = { type: 'object', properties: { count: { type: 'integer' }, ok: { type: 'boolean' },
    colour: { type: 'string', enum: ['red', 'green', 'blue'] } }, required: ['count', 'ok', 'colour'] };
  const refFormat = JSON.parse(run(['run', modelPath, '--json', '--format', JSON.stringify(SCHEMA), '--temperature', '0',
                                    '--num-predict', '300', 'Describe a ball.']));

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

  await test('push (no registry of our own): 501 with a message', async () => {
    const r = await postJson(server.base, '/api/push', JSON.stringify({ name: 'gemma4' }));
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

  // Structured output. The model has random weights, so only the shape of the answer is asserted
  // (the constraint must make any model's output parse), plus equality between equivalent paths.
  const assertSchemaShape = (text, what) => {
    let v;
    try { v = JSON.parse(text); } catch (e) { throw new Error(`${what}: not JSON: ${JSON.stringify(text)}`); }
    assertEq(Object.keys(v).join(','), 'count,ok,colour', `${what} keys`);
    assert(Number.isInteger(v.count), `${what} count ${v.count}`);
    assertEq(typeof v.ok, 'boolean', `${what} ok`);
    assert(SCHEMA.properties.colour.enum.includes(v.colour), `${what} colour ${v.colour}`);
  };

  await test('ollama.chat with a format schema: JSON of the schema\'s shape, stream == non-stream', async () => {
    const messages = [{ role: 'user', content: 'Describe a ball.' }];
    for (const seed of [1, 2, 3]) {
      const r = await ollama.chat({ model: MODEL, messages, format: SCHEMA,
                                    options: { temperature: 0.8, seed, num_predict: 300 } });
      assertSchemaShape(r.message.content, `seed ${seed}`);
      assertEq(r.done_reason, 'stop', 'done_reason');
    }
    const greedyFormat = { temperature: 0, num_predict: 300 };
    const whole = await ollama.chat({ model: MODEL, messages, format: SCHEMA, options: greedyFormat });
    assertSchemaShape(whole.message.content, 'greedy');
    let streamed = '';
    for await (const part of await ollama.chat({ model: MODEL, messages, format: SCHEMA, options: greedyFormat,
                                                  stream: true })) {
      streamed += part.message.content;
    }
    assertEq(streamed, whole.message.content, 'streamed content');
    assertEq(refFormat.content, whole.message.content, 'hearth run --format gives the same answer');
  });

  await test('ollama.generate with format "json" gives an object', async () => {
    const r = await ollama.generate({ model: MODEL, prompt: 'List three fruits.', format: 'json', stream: false,
                                      options: { temperature: 0, num_predict: 400 } });
    assertEq(r.done_reason, 'stop', `done_reason (response ${JSON.stringify(r.response)})`);
    const v = JSON.parse(r.response);
    assert(v !== null && typeof v === 'object' && !Array.isArray(v), `not an object: ${r.response}`);
  });

  await test('bad format / response_format: 400 naming the field', async () => {
    const chat = { model: MODEL, messages: [{ role: 'user', content: 'x' }], stream: false };
    for (const format of ['yaml', 5, { type: 'strin' }, { $ref: '#/$defs/missing' }]) {
      const r = await postJson(server.base, '/api/chat', JSON.stringify({ ...chat, format }));
      assertEq(r.status, 400, `format ${JSON.stringify(format)}`);
      assert((await r.json()).error.includes('format'), 'message names format');
    }
    let err;
    try {
      await openai.chat.completions.create({ model: MODEL, messages: chat.messages,
        response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object', required: 'a' } } } });
    } catch (e) { err = e; }
    assertEq(err && err.status, 400, 'openai bad schema status');
    assert(/response_format/.test(err.message), `message: ${err.message}`);
  });

  await test('openai chat.completions with response_format json_schema and json_object', async () => {
    const messages = [{ role: 'user', content: 'Describe a ball.' }];
    const r = await openai.chat.completions.create({ model: MODEL, messages, temperature: 0.7, seed: 5, max_tokens: 300,
      response_format: { type: 'json_schema', json_schema: { name: 'ball', schema: SCHEMA, strict: true } } });
    assertSchemaShape(r.choices[0].message.content, 'json_schema');
    assertEq(r.choices[0].finish_reason, 'stop', 'finish_reason');
    // Free-text strings: a random model may not close one within max_tokens. A finished answer
    // must parse as an object; a cut one must be an object's beginning.
    for (const seed of [1, 2, 3]) {
      const o = await openai.chat.completions.create({ model: MODEL, messages, temperature: 0.8, seed, max_tokens: 200,
        response_format: { type: 'json_object' } });
      const { content } = o.choices[0].message;
      if (o.choices[0].finish_reason === 'stop') {
        const v = JSON.parse(content);
        assert(v !== null && typeof v === 'object' && !Array.isArray(v), `json_object gives an object: ${content}`);
      } else {
        assertEq(o.choices[0].finish_reason, 'length', 'finish_reason');
        assertEq(o.usage.completion_tokens, 200, 'cut at max_tokens');
        assertEq(content.trimStart()[0], '{', `an object's beginning: ${content.slice(0, 40)}`);
      }
    }
  });

  await test('openai completions.create: non-stream and stream agree (greedy, same seed)', async () => {
    const params = { model: MODEL, prompt: CHAT_PROMPT, max_tokens: 12, temperature: 0, seed: 7 };
    const r = await openai.completions.create(params);
    assertEq(r.object, 'text_completion', 'object');
    assert(r.id.startsWith('cmpl-'), `id ${r.id}`);
    assertEq(r.model, MODEL, 'model');
    assert(Number.isInteger(r.created), 'created');
    assertEq(r.choices.length, 1, 'one choice');
    const c = r.choices[0];
    assertEq(c.index, 0, 'index');
    assertEq(c.logprobs, null, 'logprobs');
    assert(c.text.length > 0, 'text non-empty');
    assert(c.finish_reason === 'stop' || c.finish_reason === 'length', `finish_reason ${c.finish_reason}`);
    assert(r.usage.prompt_tokens > 0 && r.usage.completion_tokens > 0, `usage ${JSON.stringify(r.usage)}`);
    assert(r.usage.completion_tokens <= 12, 'max_tokens bounds completion_tokens');
    assertEq(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens, 'total_tokens');
    // The prompt is rendered as one user turn, as /api/generate without raw does.
    const g = await ollama.generate({ model: MODEL, prompt: CHAT_PROMPT, stream: false,
                                      options: { temperature: 0, num_predict: 12 } });
    assertEq(c.text, g.response, 'same text as /api/generate');

    const stream = await openai.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
    let text = '', finish = null, usage = null, chunks = 0;
    const ids = new Set();
    for await (const chunk of stream) {
      chunks++;
      ids.add(chunk.id);
      assertEq(chunk.object, 'text_completion', 'chunk object');
      for (const ch of chunk.choices) {
        text += ch.text;
        if (ch.finish_reason) finish = ch.finish_reason;
      }
      if (chunk.usage) usage = chunk.usage;
    }
    assertEq(text, c.text, 'streamed text');
    assertEq(finish, c.finish_reason, 'streamed finish_reason');
    for (const k of ['prompt_tokens', 'completion_tokens', 'total_tokens']) {
      assertEq(usage && usage[k], r.usage[k], `usage.${k} equal across stream and non-stream`);
    }
    assertEq(ids.size, 1, 'one id');
    assert(chunks >= 3, `several chunks (${chunks})`);
  });

  await test('openai completions: echo, prompt array, suffix and bad prompt', async () => {
    const r = await openai.completions.create({ model: MODEL, prompt: ['Hi'], max_tokens: 3, temperature: 0, echo: true });
    assert(r.choices[0].text.startsWith('Hi'), `echo: ${JSON.stringify(r.choices[0].text)}`);
    assert(r.choices[0].text.length > 2, 'echo plus completion');
    for (const [body, message] of [[{ prompt: 'x', suffix: 'end' }, 'suffix is not supported'],
                                   [{ prompt: ['a', 'b'] }, 'prompt'], [{ prompt: 5 }, 'prompt'], [{}, 'prompt']]) {
      const e = await postJson(server.base, '/v1/completions', JSON.stringify({ model: MODEL, ...body }));
      assertEq(e.status, 400, `status for ${JSON.stringify(body)}`);
      const j = await e.json();
      assert(j.error.message.includes(message), `message ${j.error.message}`);
    }
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
