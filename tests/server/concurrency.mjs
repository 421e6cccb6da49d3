// `hearth serve` under concurrent load (continuous batching, issue 5): 16 clients streaming at
// once through the pinned ollama npm client each get exactly the answer their prompt gets when
// run alone (greedy), the bounded queue answers 503 + Retry-After instead of growing, a client
// that aborts mid-stream frees its slot, and /metrics parses with counters matching the traffic.
// Usage: node concurrency.mjs HEARTH_BINARY WORK_DIR      Prints "N passed, M failed".
import { assert, assertEq, createHarness, loadClients, postJson } from './harness.mjs';

const [hearth, workDir] = process.argv.slice(2);
if (!hearth || !workDir) {
  console.error('usage: node concurrency.mjs HEARTH_BINARY WORK_DIR');
  process.exit(2);
}
const { Ollama } = loadClients();

const MODEL = 'tiny';
const PARALLEL = 4, MAX_QUEUE = 12;  // 16 requests fit exactly: 4 generating, 12 waiting
const { test, run, makeTinyModel, startServer, finish } = createHarness(hearth);

// Prometheus text -> Map of 'name{labels}' -> number; throws on a malformed sample line.
function parseMetrics(text) {
  const out = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (!m) throw new Error(`bad metrics line: ${JSON.stringify(line)}`);
    const v = Number(m[2]);
    if (Number.isNaN(v)) throw new Error(`bad metrics value: ${JSON.stringify(line)}`);
    out.set(m[1], v);
  }
  return out;
}

async function metrics(base) {
  const r = await fetch(base + '/metrics');
  assertEq(r.status, 200, '/metrics status');
  assert(r.headers.get('content-type').startsWith('text/plain'), 'content-type');
  return parseMetrics(await r.text());
}

const metric = (m, key) => m.get(key) ?? 0;

// Polls /metrics until pred holds (the request counter is bumped after the response is written).
async function waitMetrics(base, pred, what) {
  const deadline = Date.now() + 10000;
  for (;;) {
    const m = await metrics(base);
    if (pred(m)) return m;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function main() {
  const modelPath = makeTinyModel(workDir);
  const server = await startServer(modelPath, MODEL, { HEARTH_MAX_QUEUE: String(MAX_QUEUE) },
                                   ['--parallel', String(PARALLEL)]);
  const ollama = new Ollama({ host: server.base });
  const greedy = { temperature: 0, seed: 7, num_predict: 16 };
  // Prompts of different lengths, so the batched sequences sit at different positions.
  const prompts = Array.from({ length: 16 }, (_, i) => `Request ${i}: ${'tell me more '.repeat(i % 5)}about item ${i * 7}`);
  const isChat = (i) => i % 4 === 3;  // a quarter go through /api/chat and the template
  const ask = (i, stream) => (isChat(i)
    ? ollama.chat({ model: MODEL, messages: [{ role: 'user', content: prompts[i] }], stream, options: greedy })
    : ollama.generate({ model: MODEL, prompt: prompts[i], raw: true, stream, options: greedy }));
  const textOf = (i, part) => (isChat(i) ? part.message.content : part.response);

  const alone = [];
  await test('each prompt alone (sequential, greedy); matches `hearth run` for a raw one', async () => {
    for (let i = 0; i < prompts.length; i++) {
      const r = await ask(i, false);
      assert(r.eval_count > 0, `prompt ${i}: eval_count ${r.eval_count}`);
      alone.push({ text: textOf(i, r), eval_count: r.eval_count });
    }
    const ref = JSON.parse(run(['run', modelPath, '--raw', '--json', '--temperature', '0', '--num-predict', '16',
                                prompts[0]]));
    assertEq(alone[0].text, ref.text, 'prompt 0 vs hearth run');
    assert(new Set(alone.map((a) => a.text)).size > 8, 'prompts give different answers');
  });

  await test('16 clients streaming at once each get their own complete answer', async () => {
    const before = await metrics(server.base);
    let maxActive = 0, polling = true;
    const poller = (async () => {
      while (polling) {
        maxActive = Math.max(maxActive, metric(await metrics(server.base), 'hearth_active_slots'));
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const results = await Promise.all(prompts.map(async (_, i) => {
      let text = '', last;
      for await (const part of await ask(i, true)) {
        text += textOf(i, part);
        last = part;
      }
      return { text, last };
    }));
    polling = false;
    await poller;
    let evalSum = 0;
    for (let i = 0; i < prompts.length; i++) {
      assertEq(results[i].text, alone[i].text, `prompt ${i} streamed concurrently`);
      assertEq(results[i].last.done, true, `prompt ${i} done`);
      assertEq(results[i].last.eval_count, alone[i].eval_count, `prompt ${i} eval_count`);
      evalSum += results[i].last.eval_count;
    }
    assert(maxActive > 1 && maxActive <= PARALLEL, `active slots peaked at ${maxActive}, want 2..${PARALLEL}`);
    const after = await waitMetrics(server.base,
      (m) => metric(m, 'hearth_requests_total{endpoint="/api/generate",code="200"}') -
             metric(before, 'hearth_requests_total{endpoint="/api/generate",code="200"}') === 12 &&
             metric(m, 'hearth_requests_total{endpoint="/api/chat",code="200"}') -
             metric(before, 'hearth_requests_total{endpoint="/api/chat",code="200"}') === 4,
      'request counters of the 16 streams');
    assertEq(metric(after, 'hearth_generated_tokens_total') - metric(before, 'hearth_generated_tokens_total'),
             evalSum, 'generated tokens counted');
    assertEq(metric(after, 'hearth_request_duration_seconds_count') -
             metric(before, 'hearth_request_duration_seconds_count'), 16, 'latency observations');
    assertEq(metric(after, 'hearth_active_slots'), 0, 'active slots after');
    assertEq(metric(after, 'hearth_queue_depth'), 0, 'queue depth after');
    assertEq(metric(after, 'hearth_slots'), PARALLEL, 'slots');
  });

  await test('a follow-up conversation reuses its slot\'s KV cache', async () => {
    const story = 'Once upon a time ' + 'there was a warm hearth in a small house. '.repeat(5);
    const first = await ollama.generate({ model: MODEL, prompt: story, raw: true, stream: false, options: greedy });
    assert(first.prompt_eval_count > 40, `first prompt has ${first.prompt_eval_count} tokens`);
    const before = await metrics(server.base);
    await ollama.generate({ model: MODEL, prompt: story + first.response + ' And then?', raw: true, stream: false,
                            options: greedy });
    const after = await metrics(server.base);
    const reused = metric(after, 'hearth_prompt_tokens_reused_total') - metric(before, 'hearth_prompt_tokens_reused_total');
    // At least the first prompt comes from the cache (its last token may merge with what follows).
    assert(reused >= first.prompt_eval_count - 1, `reused ${reused}, first prompt ${first.prompt_eval_count} tokens`);
  });

  await test('a burst above parallel + queue gets 503 with Retry-After; the rest complete', async () => {
    const before = await metrics(server.base);
    const n = PARALLEL + MAX_QUEUE + 4;
    const body = (i) => JSON.stringify({ model: MODEL, prompt: `burst ${i}`, raw: true, stream: false,
                                         options: { temperature: 0, num_predict: 150 } });
    const responses = await Promise.all(Array.from({ length: n }, async (_, i) => {
      const r = await postJson(server.base, '/api/generate', body(i));
      return { status: r.status, retry: r.headers.get('retry-after'), json: await r.json() };
    }));
    const busy = responses.filter((r) => r.status === 503);
    const ok = responses.filter((r) => r.status === 200);
    assertEq(busy.length + ok.length, n, 'every answer is 200 or 503');
    assert(busy.length >= 1, `no 503 among ${n} simultaneous requests`);
    assert(ok.length <= PARALLEL + MAX_QUEUE, `${ok.length} accepted, bound is ${PARALLEL + MAX_QUEUE}`);
    for (const r of busy) {
      assert(Number(r.retry) >= 1, `Retry-After ${r.retry}`);
      assert(/busy/.test(r.json.error), `503 body ${JSON.stringify(r.json)}`);
    }
    for (const r of ok) assert(r.json.done === true && r.json.eval_count > 0, 'accepted request completed');
    await waitMetrics(server.base,
      (m) => metric(m, 'hearth_requests_total{endpoint="/api/generate",code="503"}') -
             metric(before, 'hearth_requests_total{endpoint="/api/generate",code="503"}') === busy.length,
      '503 counter');
  });

  await test('a client that aborts mid-stream frees its slot', async () => {
    const before = await metrics(server.base);
    const ctl = new AbortController();
    const r = await fetch(server.base + '/api/generate', {
      method: 'POST', signal: ctl.signal,
      body: JSON.stringify({ model: MODEL, prompt: 'a long story', raw: true, options: { num_predict: 1900 } }) });
    const reader = r.body.getReader();
    await reader.read();
    await reader.read();
    assertEq(metric(await metrics(server.base), 'hearth_active_slots'), 1, 'active while streaming');
    ctl.abort();
    const after = await waitMetrics(server.base, (m) => metric(m, 'hearth_active_slots') === 0, 'the slot to free');
    const generated = metric(after, 'hearth_generated_tokens_total') - metric(before, 'hearth_generated_tokens_total');
    assert(generated < 1900, `the aborted stream ran on (${generated} tokens)`);
    const next = await ollama.generate({ model: MODEL, prompt: prompts[1], raw: true, stream: false, options: greedy });
    assertEq(next.response, alone[1].text, 'a later request still completes');
  });

  await test('a non-streaming client that hangs up mid-generation frees its slot', async () => {
    // Nothing is written to it until the end: the server learns of the hang-up from the socket.
    const before = await metrics(server.base);
    const ctl = new AbortController();
    const r = fetch(server.base + '/api/generate', {
      method: 'POST', signal: ctl.signal,
      body: JSON.stringify({ model: MODEL, prompt: 'a long story', raw: true, stream: false,
                             options: { num_predict: 1900 } }) }).catch(() => null);
    await waitMetrics(server.base, (m) => metric(m, 'hearth_active_slots') === 1, 'the request to start');
    ctl.abort();
    await r;
    const after = await waitMetrics(server.base, (m) => metric(m, 'hearth_active_slots') === 0, 'the slot to free');
    const generated = metric(after, 'hearth_generated_tokens_total') - metric(before, 'hearth_generated_tokens_total');
    assert(generated < 1900, `the abandoned request ran on (${generated} tokens)`);
  });

  for (const queuedStreams of [true, false]) {
    const kind = queuedStreams ? 'stream' : 'non-streaming request';
    await test(`a queued ${kind} whose client goes away leaves the queue without running`, async () => {
      const before = await metrics(server.base);
      const post = (prompt, ctl, stream) => fetch(server.base + '/api/generate', {
        method: 'POST', signal: ctl.signal,
        body: JSON.stringify({ model: MODEL, prompt, raw: true, stream, options: { num_predict: 1900 } }) });
      const busyCtl = Array.from({ length: PARALLEL }, () => new AbortController());
      const busy = busyCtl.map((c, i) => post(`occupy ${i}`, c, true).catch(() => null));
      await waitMetrics(server.base, (m) => metric(m, 'hearth_active_slots') === PARALLEL, 'every slot busy');
      // A long prompt: had it been admitted, its tokens would show in hearth_prompt_tokens_total.
      const queuedCtl = new AbortController();
      const queued = post('wait '.repeat(600), queuedCtl, queuedStreams).catch(() => null);
      await waitMetrics(server.base, (m) => metric(m, 'hearth_queue_depth') === 1, 'the request to queue');
      queuedCtl.abort();
      const left = await waitMetrics(server.base, (m) => metric(m, 'hearth_queue_depth') === 0, 'the queue to empty');
      assertEq(metric(left, 'hearth_active_slots'), PARALLEL, 'the running streams still run');
      for (const c of busyCtl) c.abort();
      await Promise.all([...busy, queued]);
      const after = await waitMetrics(server.base, (m) => metric(m, 'hearth_active_slots') === 0, 'the slots to free');
      const prompted = metric(after, 'hearth_prompt_tokens_total') - metric(before, 'hearth_prompt_tokens_total');
      assert(prompted < 600, `the abandoned request was prefilled (${prompted} prompt tokens)`);
    });
  }
}

await finish(main);
