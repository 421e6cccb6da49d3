// `logprobs` on every generating endpoint and the non-stateful /v1/responses endpoint, through
// the real ollama and openai npm clients (tests/reference). The model has random weights, so
// log-probabilities are checked against log-softmax of `hearth logits --all` over the prompt and
// the greedy tokens of `hearth run --raw --json`, and /v1/responses against /v1/chat/completions.
// Usage: node logprobs_responses.mjs HEARTH_BINARY WORK_DIR      Prints "N passed, M failed".
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { assert, assertEq, createHarness, loadClients, postJson } from './harness.mjs';

const [hearth, workDir] = process.argv.slice(2);
if (!hearth || !workDir) {
  console.error('usage: node logprobs_responses.mjs HEARTH_BINARY WORK_DIR');
  process.exit(2);
}
const { Ollama, OpenAI } = loadClients();

const MODEL = 'tiny';
const TOLERANCE = 1e-3;
const { test, run, makeTinyModel, startServer, finish } = createHarness(hearth);

// The text the tokens spell: their bytes joined, then decoded (a token may split a character).
const textOf = (entries) => Buffer.concat(entries.map((e) => Buffer.from(e.bytes))).toString('utf8');

// Greedy picks the most likely token; log-probabilities are <= 0, sorted, and sum to <= 1.
function assertGreedyEntries(entries, nTop, what) {
  assert(entries.length > 0, `${what}: no entries`);
  for (const [i, e] of entries.entries()) {
    const at = `${what}[${i}]`;
    assertEq(e.top_logprobs.length, nTop, `${at} top_logprobs length`);
    assertEq(e.token, e.top_logprobs[0].token, `${at} token is the most likely`);
    assertEq(e.logprob, e.top_logprobs[0].logprob, `${at} logprob equals top_logprobs[0]`);
    // A token that splits a character shows U+FFFD in `token`; its bytes are exact.
    const decoded = Buffer.from(e.bytes).toString('utf8');
    assert(decoded === e.token || e.token.includes('\uFFFD'), `${at} bytes ${e.bytes} vs token ${e.token}`);
    let mass = 0;
    for (const [k, t] of e.top_logprobs.entries()) {
      assert(t.logprob <= 0, `${at} top ${k} logprob ${t.logprob} > 0`);
      if (k > 0) assert(t.logprob <= e.top_logprobs[k - 1].logprob, `${at} top_logprobs not sorted`);
      mass += Math.exp(t.logprob);
    }
    assert(mass <= 1 + 1e-6, `${at} top probabilities sum to ${mass}`);
  }
}

// log-softmax of one float32 row, in double.
function logSoftmax(row) {
  let max = -Infinity;
  for (const v of row) max = Math.max(max, v);
  let sum = 0;
  for (const v of row) sum += Math.exp(v - max);
  const logZ = max + Math.log(sum);
  return Float64Array.from(row, (v) => v - logZ);
}

async function main() {
  const modelPath = makeTinyModel(workDir);

  // Reference: the greedy tokens, and the model's log-softmax at each of them.
  const RAW_PROMPT = 'The quick brown fox';
  const N = 8;
  const refRaw = JSON.parse(run(['run', modelPath, '--raw', '--json', '--temperature', '0', '--num-predict', String(N),
                                 RAW_PROMPT]));
  const [bos] = JSON.parse(run(['tokenize', '--model', modelPath, '--special', '--json', '<bos>']));
  const prompt = [bos, ...JSON.parse(run(['tokenize', '--model', modelPath, '--json', RAW_PROMPT]))];
  const generated = refRaw.ids;
  const logitsPath = path.join(workDir, 'logits.f32');
  run(['logits', '--model', modelPath, '--tokens', [...prompt, ...generated.slice(0, -1)].join(','), '--all',
       '--out', logitsPath]);
  const raw = readFileSync(logitsPath);
  const floats = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  const nVocab = floats.length / (prompt.length + generated.length - 1);
  // refRows[j]: log-softmax of the logits that chose generated[j].
  const refRows = generated.map((_, j) => {
    const row = prompt.length - 1 + j;
    return logSoftmax(floats.subarray(row * nVocab, (row + 1) * nVocab));
  });

  const server = await startServer(modelPath, MODEL);
  const ollama = new Ollama({ host: server.base });
  const openai = new OpenAI({ baseURL: server.base + '/v1', apiKey: 'test', maxRetries: 0 });
  const greedy = { temperature: 0, num_predict: N };

  let rawEntries;
  await test('ollama.generate raw logprobs == log-softmax of `hearth logits --all`', async () => {
    const r = await ollama.generate({ model: MODEL, prompt: RAW_PROMPT, raw: true, stream: false, options: greedy,
                                      logprobs: true, top_logprobs: 5 });
    assertEq(r.response, refRaw.text, 'response');
    assertEq(r.logprobs.length, generated.length, 'one entry per generated token');
    assertGreedyEntries(r.logprobs, 5, 'logprobs');
    assertEq(textOf(r.logprobs), r.response, 'the tokens spell the response');
    for (const [j, e] of r.logprobs.entries()) {
      const ref = refRows[j];
      assert(Math.abs(e.logprob - ref[generated[j]]) < TOLERANCE,
             `token ${j}: logprob ${e.logprob} vs reference ${ref[generated[j]]}`);
      const sorted = Array.from(ref).sort((a, b) => b - a);
      for (const [k, t] of e.top_logprobs.entries()) {
        assert(Math.abs(t.logprob - sorted[k]) < TOLERANCE, `token ${j} top ${k}: ${t.logprob} vs ${sorted[k]}`);
      }
    }
    rawEntries = r.logprobs;
  });

  await test('ollama.generate stream: per-chunk logprobs concatenate to the non-stream ones', async () => {
    const stream = await ollama.generate({ model: MODEL, prompt: RAW_PROMPT, raw: true, stream: true, options: greedy,
                                           logprobs: true, top_logprobs: 5 });
    const entries = [];
    for await (const part of stream) {
      if (!part.done) assert(Array.isArray(part.logprobs), 'every chunk carries logprobs');
      entries.push(...(part.logprobs ?? []));
    }
    assertEq(JSON.stringify(entries), JSON.stringify(rawEntries), 'entries');
  });

  await test('ollama.chat logprobs (think:false): tokens spell the message, stream == non-stream', async () => {
    const request = { model: MODEL, messages: [{ role: 'user', content: 'Why is the sky blue?' }], think: false,
                      options: greedy, logprobs: true, top_logprobs: 3 };
    const r = await ollama.chat(request);
    assertGreedyEntries(r.logprobs, 3, 'chat logprobs');
    // The parser drops whitespace that opens the answer; the tokens keep it.
    assertEq(textOf(r.logprobs).trimStart(), r.message.content, 'tokens spell the content');
    const entries = [];
    for await (const part of await ollama.chat({ ...request, stream: true })) entries.push(...(part.logprobs ?? []));
    assertEq(JSON.stringify(entries), JSON.stringify(r.logprobs), 'streamed entries');
    const plain = await ollama.chat({ ...request, logprobs: false });
    assertEq(plain.logprobs, undefined, 'no logprobs unless asked');
    assertEq(plain.message.content, r.message.content, 'same answer without logprobs');
  });

  const chatRequest = { model: MODEL, messages: [{ role: 'user', content: 'Why is the sky blue?' }], temperature: 0,
                        max_tokens: N, reasoning_effort: 'none' };
  await test('openai chat.completions logprobs: top 20, greedy, stream deltas == non-stream', async () => {
    const r = await openai.chat.completions.create({ ...chatRequest, logprobs: true, top_logprobs: 20 });
    const { content } = r.choices[0].logprobs;
    assertGreedyEntries(content, 20, 'logprobs.content');
    assertEq(textOf(content).trimStart(), r.choices[0].message.content, 'tokens spell the content');
    assertEq(r.choices[0].logprobs.refusal, null, 'refusal');
    const stream = await openai.chat.completions.create({ ...chatRequest, logprobs: true, top_logprobs: 20,
                                                           stream: true });
    const streamed = [];
    for await (const chunk of stream) {
      for (const c of chunk.choices) streamed.push(...(c.logprobs?.content ?? []));
    }
    assertEq(JSON.stringify(streamed), JSON.stringify(content), 'streamed logprobs.content');
    const plain = await openai.chat.completions.create(chatRequest);
    assertEq(plain.choices[0].logprobs, null, 'null unless asked');
  });

  await test('chat extras: logit_cap re-caps the distribution, thinking_mode and max_thinking_tokens', async () => {
    const first = async (extra) => (await openai.chat.completions.create({ ...chatRequest, ...extra, max_tokens: 1,
      logprobs: true, top_logprobs: 20 })).choices[0].logprobs.content[0].top_logprobs.map((t) => t.logprob);
    const spread = (l) => l[0] - l[l.length - 1];
    const model = await first({});
    assertEq(JSON.stringify(await first({ logit_cap: 30 })), JSON.stringify(model), 'logit_cap 30 = the model\'s own');
    // Without a cap raw logits spread further apart (d/dy 30·atanh(y/30) >= 1).
    const uncapped = await first({ logit_cap: 0 });
    assert(spread(uncapped) > spread(model), `spread uncapped ${spread(uncapped)} vs capped ${spread(model)}`);
    // A cap of 0.5 keeps every logit in (-0.5, 0.5): each log-probability is within 1 of -log(V).
    const logV = Math.log(262144);
    for (const l of await first({ logit_cap: 0.5 })) assert(Math.abs(l + logV) < 1, `cap 0.5: logprob ${l}`);
    assert(model[0] > -logV + 1, `the model's own distribution is not flat (${model[0]})`);
    // thinking_mode "on" renders the thinking switch into the prompt; "off" and false do not.
    const promptTokens = async (extra) => (await openai.chat.completions.create({ ...chatRequest, max_tokens: 1,
      reasoning_effort: undefined, ...extra })).usage.prompt_tokens;
    const on = await promptTokens({ thinking_mode: 'on' });
    const off = await promptTokens({ thinking_mode: 'off' });
    assert(on > off, `thinking_mode on: ${on} prompt tokens, off: ${off}`);
    assertEq(await promptTokens({ thinking_mode: true }), on, 'thinking_mode true');
    assertEq(await promptTokens({ thinking_mode: false, max_thinking_tokens: 0 }), off, 'thinking_mode false');
    for (const [extra, message] of [[{ logit_cap: -1 }, 'logit_cap must be between 0 (no cap) and 1000'],
      [{ thinking_mode: 'maybe' }, 'thinking_mode'], [{ max_thinking_tokens: -2 }, 'max_thinking_tokens']]) {
      let err;
      try {
        await openai.chat.completions.create({ ...chatRequest, ...extra });
      } catch (e) { err = e; }
      assertEq(err && err.status, 400, `${JSON.stringify(extra)} status`);
      assert(err.error.message.includes(message), `${JSON.stringify(extra)}: ${err.error.message}`);
    }
  });

  await test('top_logprobs 21 (or -1): 400 `top_logprobs must be between 0 and 20` on every endpoint', async () => {
    const message = 'top_logprobs must be between 0 and 20';
    for (const top of [21, -1]) {
      for (const route of ['/api/chat', '/api/generate']) {
        const r = await postJson(server.base, route, JSON.stringify({ model: MODEL, prompt: 'x', logprobs: true,
          messages: [{ role: 'user', content: 'x' }], top_logprobs: top }));
        assertEq(r.status, 400, `${route} status`);
        assertEq((await r.json()).error, message, `${route} message`);
      }
    }
    let err;
    try {
      await openai.chat.completions.create({ ...chatRequest, logprobs: true, top_logprobs: 21 });
    } catch (e) { err = e; }
    assertEq(err && err.status, 400, 'openai status');
    assertEq(err.error.message, message, 'openai message');
    const c = await postJson(server.base, '/v1/completions',
                             JSON.stringify({ model: MODEL, prompt: 'x', logprobs: 6 }));
    assertEq(c.status, 400, '/v1/completions logprobs 6');
  });

  await test('openai completions logprobs: legacy shape, greedy choice is the best alternative', async () => {
    const params = { model: MODEL, prompt: 'Why is the sky blue?', max_tokens: N, temperature: 0, logprobs: 3 };
    const r = await openai.completions.create(params);
    const lp = r.choices[0].logprobs;
    const n = lp.tokens.length;
    assert(n > 0, 'tokens');
    for (const key of ['token_logprobs', 'top_logprobs', 'text_offset']) assertEq(lp[key].length, n, `${key} length`);
    assertEq(lp.tokens.join('').trimStart(), r.choices[0].text, 'tokens spell the text');
    for (let i = 0; i < n; i++) {
      const alternatives = Object.values(lp.top_logprobs[i]);
      assert(alternatives.length >= 1 && alternatives.length <= 3, `top_logprobs[${i}] size ${alternatives.length}`);
      assertEq(lp.token_logprobs[i], Math.max(...alternatives), `token_logprobs[${i}] is the best alternative`);
      assertEq(lp.top_logprobs[i][lp.tokens[i]], lp.token_logprobs[i], `top_logprobs[${i}] holds the token`);
      if (i > 0) {
        assertEq(lp.text_offset[i], lp.text_offset[i - 1] + Buffer.byteLength(lp.tokens[i - 1]), `text_offset[${i}]`);
      }
    }
    const streamed = [];
    for await (const chunk of await openai.completions.create({ ...params, stream: true })) {
      for (const c of chunk.choices) if (c.logprobs) streamed.push(...c.logprobs.token_logprobs);
    }
    assertEq(JSON.stringify(streamed), JSON.stringify(lp.token_logprobs), 'streamed token_logprobs');
  });

  // /v1/responses runs the same conversation as /v1/chat/completions.
  const chatContent = async (messages, extra = {}) =>
    (await openai.chat.completions.create({ model: MODEL, messages, temperature: 0, max_tokens: 16, ...extra }))
      .choices[0].message.content;
  const question = 'Why is the sky blue?';

  await test('responses.create non-stream == chat.completions (greedy)', async () => {
    const expected = await chatContent([{ role: 'user', content: question }]);
    const r = await openai.responses.create({ model: MODEL, input: question, temperature: 0, max_output_tokens: 16 });
    assertEq(r.object, 'response', 'object');
    assert(r.id.startsWith('resp_'), `id ${r.id}`);
    assert(['completed', 'incomplete'].includes(r.status), `status ${r.status}`);
    assertEq(r.output_text, expected, 'output_text');
    const message = r.output.find((o) => o.type === 'message');
    assertEq(message.role, 'assistant', 'role');
    assertEq(message.content[0].type, 'output_text', 'part type');
    assertEq(r.usage.total_tokens, r.usage.input_tokens + r.usage.output_tokens, 'usage.total_tokens');
    assert(r.usage.output_tokens > 0 && r.usage.output_tokens <= 16, `output_tokens ${r.usage.output_tokens}`);
  });

  await test('responses: instructions and message items == chat with a system message', async () => {
    const expected = await chatContent([{ role: 'system', content: 'Answer briefly.' }, { role: 'user', content: 'Hi' },
                                        { role: 'assistant', content: 'Hello!' }, { role: 'user', content: question }]);
    const r = await openai.responses.create({ model: MODEL, instructions: 'Answer briefly.', temperature: 0,
      max_output_tokens: 16, input: [{ role: 'user', content: 'Hi' },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hello!' }] },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: question }] }] });
    assertEq(r.output_text, expected, 'output_text');
  });

  await test('responses.stream: the event sequence and the final response == non-stream', async () => {
    const params = { model: MODEL, input: question, temperature: 0, max_output_tokens: 16 };
    const whole = await openai.responses.create(params);
    const stream = openai.responses.stream(params);
    const types = [];
    let deltas = '';
    let sequence = -1;
    for await (const event of stream) {
      types.push(event.type);
      assertEq(event.sequence_number, sequence + 1, 'sequence_number');
      sequence = event.sequence_number;
      if (event.type === 'response.output_text.delta') deltas += event.delta;
    }
    const final = await stream.finalResponse();
    assertEq(final.output_text, whole.output_text, 'final output_text');
    assertEq(deltas, whole.output_text, 'deltas');
    assertEq(types.slice(0, 4).join(','), 'response.created,response.in_progress,response.output_item.added,' +
             'response.content_part.added', 'opening events');
    assertEq(types.slice(-4).join(','), 'response.output_text.done,response.content_part.done,' +
             'response.output_item.done,response.completed', 'closing events');
    const created = [];
    for await (const event of await openai.responses.create({ ...params, stream: true })) created.push(event);
    const last = created.at(-1);
    assertEq(last.type, 'response.completed', 'create({stream:true}) last event');
    const message = last.response.output.find((o) => o.type === 'message');
    assertEq(message.content[0].text, whole.output_text, 'create({stream:true}) completes with the same text');
  });

  await test('responses: a function tool round trip == chat with tool_calls and a tool message', async () => {
    const tools = [{ type: 'function', name: 'get_weather', description: 'Weather for a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }];
    const expected = await chatContent([{ role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: '', tool_calls: [{ id: 'call_1', type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', name: 'get_weather', content: '{"temp_c":21}' }],
      { tools: tools.map(({ type, ...fn }) => ({ type, function: fn })) });
    const r = await openai.responses.create({ model: MODEL, tools, temperature: 0, max_output_tokens: 16, input: [
      { role: 'user', content: 'Weather in Paris?' },
      { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { type: 'function_call_output', call_id: 'call_1', output: '{"temp_c":21}' }] });
    assertEq(r.output_text, expected, 'output_text');
    assertEq(r.tools[0].name, 'get_weather', 'tools echoed');
  });

  await test('responses text.format json_schema / json_object gives valid JSON', async () => {
    const schema = { type: 'object', properties: { count: { type: 'integer' }, ok: { type: 'boolean' } },
                     required: ['count', 'ok'] };
    const r = await openai.responses.create({ model: MODEL, input: 'Describe a ball.', temperature: 0,
      max_output_tokens: 300, text: { format: { type: 'json_schema', name: 'ball', schema, strict: true } } });
    assertEq(r.status, 'completed', 'status');
    const v = JSON.parse(r.output_text);
    assertEq(Object.keys(v).join(','), 'count,ok', 'keys');
    assert(Number.isInteger(v.count) && typeof v.ok === 'boolean', `value ${r.output_text}`);
    const expected = await chatContent([{ role: 'user', content: 'Describe a ball.' }], { max_tokens: 300,
      response_format: { type: 'json_schema', json_schema: { name: 'ball', schema, strict: true } } });
    assertEq(r.output_text, expected, 'same as chat response_format');
    // Free text inside an object may not close within the limit: a cut answer is an object's start.
    const o = await openai.responses.create({ model: MODEL, input: 'List three fruits.', temperature: 0,
      max_output_tokens: 200, text: { format: { type: 'json_object' } } });
    if (o.status === 'completed') {
      const obj = JSON.parse(o.output_text);
      assert(obj !== null && typeof obj === 'object' && !Array.isArray(obj), `json_object: ${o.output_text}`);
    } else {
      assertEq(o.incomplete_details.reason, 'max_output_tokens', 'incomplete reason');
      assertEq(o.output_text.trimStart()[0], '{', `an object's beginning: ${o.output_text.slice(0, 40)}`);
    }
  });

  await test('responses: bad input gives 400 naming the problem', async () => {
    for (const [body, words] of [[{}, 'input'], [{ input: 5 }, 'input'],
                                 [{ input: 'x', previous_response_id: 'resp_1' }, 'previous_response_id'],
                                 [{ input: 'x', tools: [{ type: 'web_search' }] }, 'tools[0].type'],
                                 [{ input: [{ type: 'function_call', name: 'f' }] }, 'call_id'],
                                 [{ input: [{ role: 'user', content: [{ type: 'input_image' }] }] }, 'text parts'],
                                 [{ input: 'x', text: { format: { type: 'json_schema', schema: { type: 'strin' } } } },
                                  'response_format']]) {
      const r = await postJson(server.base, '/v1/responses', JSON.stringify({ model: MODEL, ...body }));
      assertEq(r.status, 400, `status for ${JSON.stringify(body)}`);
      const j = await r.json();
      assert(j.error.message.includes(words), `message for ${JSON.stringify(body)}: ${j.error.message}`);
    }
  });
}

await finish(main);
