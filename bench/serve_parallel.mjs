// Aggregate decode throughput of `hearth serve` with 1, 4, 8 ... concurrent streams (continuous
// batching): each stream asks for a fixed number of tokens from a raw prompt; reported is the
// total generated tokens / wall time of the slowest stream, and the per-stream rate.
// Usage: node bench/serve_parallel.mjs HEARTH_BINARY MODEL.gguf [TOKENS=32] [STREAMS=1,4,8] [THREADS]
import { spawn } from 'node:child_process';
import net from 'node:net';

const [hearth, model, tokensArg = '32', streamsArg = '1,4,8', threads = ''] = process.argv.slice(2);
if (!hearth || !model) {
  console.error('usage: node bench/serve_parallel.mjs HEARTH_BINARY MODEL.gguf [TOKENS] [STREAMS] [THREADS]');
  process.exit(2);
}
const tokens = Number(tokensArg);
const streamCounts = streamsArg.split(',').map(Number);
const parallel = Math.max(...streamCounts);

const port = await new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const args = ['serve', '--model', model, '--name', 'bench', '--parallel', String(parallel), '--ctx', '512'];
if (threads) args.push('--threads', threads);
const child = spawn(hearth, args, { env: { ...process.env, HEARTH_HOST: `127.0.0.1:${port}` }, stdio: 'inherit' });
process.on('exit', () => child.kill('SIGKILL'));
const base = `http://127.0.0.1:${port}`;
for (const deadline = Date.now() + 120000; ;) {
  try {
    if ((await fetch(base + '/')).ok) break;
  } catch { /* starting */ }
  if (Date.now() > deadline) throw new Error('server did not start');
  await new Promise((r) => setTimeout(r, 100));
}

async function one(i) {
  const r = await fetch(base + '/api/generate', {
    method: 'POST',
    body: JSON.stringify({ model: 'bench', prompt: `Stream ${i}: write a long story about a lighthouse.`, raw: true,
                           stream: false, options: { temperature: 0, num_predict: tokens } }),
  });
  const j = await r.json();
  if (!j.done) throw new Error(JSON.stringify(j));
  return j;
}

await one(0);  // warm-up: page the weights in
console.log('streams  tokens  wall_s  aggregate_tok/s  per_stream_tok/s');
for (const n of streamCounts) {
  const t0 = performance.now();
  const results = await Promise.all(Array.from({ length: n }, (_, i) => one(i + 1)));
  const wall = (performance.now() - t0) / 1000;
  const total = results.reduce((s, j) => s + j.eval_count, 0);
  const perStream = results.reduce((s, j) => s + j.eval_count / (j.eval_duration / 1e9), 0) / n;
  console.log(`${String(n).padStart(7)}  ${String(total).padStart(6)}  ${wall.toFixed(2).padStart(6)}  ` +
              `${(total / wall).toFixed(2).padStart(15)}  ${perStream.toFixed(2).padStart(16)}`);
}
child.kill('SIGTERM');
process.exit(0);
