// Shared pieces of the `hearth serve` tests: a pass/fail reporter, assertions, running the CLI,
// and starting/stopping servers on free ports (always killed when the test process exits).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const testsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

// The ollama and openai npm clients from the pinned lock file (tests/reference); a missing
// install is a failure, never a skip.
export function loadClients() {
  const refDir = path.join(testsDir, 'reference');
  const requireRef = createRequire(path.join(refDir, 'package.json'));
  try {
    const openaiModule = requireRef('openai');
    return { Ollama: requireRef('ollama').Ollama, OpenAI: openaiModule.OpenAI ?? openaiModule.default ?? openaiModule };
  } catch (e) {
    console.error(`FAIL: cannot load the ollama/openai npm clients from ${refDir}/node_modules ` +
                  `(run \`make deps\`, or \`cd tests/reference && npm install --no-audit --no-fund\`): ${e.message}`);
    process.exit(1);
  }
}

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

export function assertEq(actual, expected, what) {
  if (actual !== expected) {
    throw new Error(`${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  }
}

// A loopback port nothing listens on right now.
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export function createHarness(hearth) {
  const servers = [];
  const counts = { passed: 0, failed: 0 };

  async function test(name, fn) {
    try {
      await fn();
      counts.passed++;
      console.log(`ok   ${name}`);
    } catch (e) {
      counts.failed++;
      console.log(`FAIL ${name}: ${e && e.stack ? e.stack : e}`);
    }
  }

  function run(args) {
    const r = spawnSync(hearth, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`hearth ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    return r.stdout;
  }

  // Writes the random-weight dense-tiny q8_0 model (real Gemma 4 vocabulary) into workDir.
  function makeTinyModel(workDir, { seed = 1, file = 'tiny-dense-q8_0.gguf' } = {}) {
    mkdirSync(workDir, { recursive: true });
    const modelPath = path.join(workDir, file);
    run(['make-test-model', '--preset', 'dense-tiny', '--type', 'q8_0', '--embd', '64', '--ctx', '2048',
         '--seed', String(seed), '--vocab', path.join(testsDir, 'testdata', 'ggml-vocab-gemma-4.gguf'),
         '--out', modelPath]);
    return modelPath;
  }

  // Starts `hearth serve --model FILE --name NAME` and waits until it answers.
  function startServer(modelPath, name, env = {}, extraArgs = []) {
    return startServe(['--model', modelPath, '--name', name, ...extraArgs], env);
  }

  // Starts `hearth serve ARGS...` and polls GET / until it answers (no fixed sleeps).
  async function startServe(args, env = {}) {
    const port = await freePort();
    const child = spawn(hearth, ['serve', '--threads', '2', ...args], {
      env: { ...process.env, HEARTH_HOST: `127.0.0.1:${port}`, OLLAMA_HOST: '', ...env },
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const server = { child, port, exited, base: `http://127.0.0.1:${port}`, stderr: () => stderr, alive: true };
    exited.then(() => { server.alive = false; });
    servers.push(server);
    const deadline = Date.now() + 60000;
    for (;;) {
      if (!server.alive) throw new Error(`hearth serve exited early: ${stderr}`);
      try {
        const r = await fetch(server.base + '/');
        if (r.ok) return server;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) throw new Error(`hearth serve did not answer within 60 s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  // SIGTERM, then SIGKILL if it has not exited after 10 s. Returns the exit status.
  async function stopServer(server) {
    if (!server.alive) return server.exited;
    server.child.kill('SIGTERM');
    const timer = setTimeout(() => server.child.kill('SIGKILL'), 10000);
    const result = await server.exited;
    clearTimeout(timer);
    return result;
  }

  // Runs main, stops every server, prints "N passed, M failed" and exits (0 only if all passed).
  async function finish(main) {
    try {
      await main();
    } catch (e) {
      counts.failed++;
      console.log(`FAIL setup: ${e && e.stack ? e.stack : e}`);
    } finally {
      for (const s of servers) await stopServer(s);
    }
    console.log(`${counts.passed} passed, ${counts.failed} failed`);
    process.exit(counts.failed === 0 && counts.passed > 0 ? 0 : 1);
  }

  process.on('exit', () => {
    for (const s of servers) if (s.alive) s.child.kill('SIGKILL');
  });
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => process.exit(1));
  }

  return { test, run, makeTinyModel, startServer, startServe, stopServer, finish };
}

export async function postJson(base, route, body) {
  return fetch(base + route, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
}
