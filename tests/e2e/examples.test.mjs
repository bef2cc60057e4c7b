// The README's backend examples are real programs: start each against a
// real hub and check what a browser sees.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { SOURCE_DIR, connectClient, once, startHub, withHubOutput } from './lib/hub.mjs';

function startBackend(command, args) {
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout.on('data', (d) => (output += d));
  proc.stderr.on('data', (d) => (output += d));
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`backend not subscribed in time: ${output}`)), 10_000);
    const check = () => {
      if (output.includes('backend: subscribed')) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout.on('data', check);
    proc.once('exit', (code) => reject(new Error(`backend exited (${code}): ${output}`)));
  });
  return { proc, ready, output: () => output };
}

function stopBackend(backend) {
  if (backend && backend.proc.exitCode === null) backend.proc.kill('SIGKILL');
}

describe('Node backend example', { timeout: 30_000 }, () => {
  let hub;
  let backend;
  let client;
  const t = (fn) => withHubOutput(() => hub, fn);

  before(async () => {
    hub = await startHub();
    backend = startBackend(process.execPath, [
      path.join(SOURCE_DIR, 'examples', 'node_backend', 'backend.mjs'),
      `127.0.0.1:${hub.grpcPort}`,
    ]);
    await backend.ready;
  });

  after(async () => {
    client?.close();
    stopBackend(backend);
    await hub?.stop();
  });

  it('welcomes, greets, acks and relays chat', t(async () => {
    let welcomed;
    client = await connectClient(hub.url, {}, { onSocket: (s) => (welcomed = once(s, 'welcome')) });
    const [welcome] = await welcomed;
    assert.equal(welcome.id, client.id);
    assert.equal(welcome.transport, 'websocket');

    client.emit('hello', 'world');
    assert.deepEqual(await once(client, 'greet'), ['hello, world']);

    const sum = await client.timeout(5000).emitWithAck('add', 1, 2, 39);
    assert.equal(sum, 42);

    let otherWelcomed;
    const other = await connectClient(hub.url, {}, { onSocket: (s) => (otherWelcomed = once(s, 'welcome')) });
    try {
      await otherWelcomed;
      const relayed = once(other, 'chat');
      client.emit('chat', 'hi there');
      const [message] = await relayed;
      assert.deepEqual(message, { from: client.id, text: 'hi there' });
    } finally {
      other.close();
    }
  }));
});

describe('C++ backend example', { timeout: 30_000 }, () => {
  let hub;
  let backend;
  let client;
  const t = (fn) => withHubOutput(() => hub, fn);

  before(async () => {
    const binary = process.env.HUB_EXAMPLE_CPP_BACKEND;
    assert.ok(binary, 'HUB_EXAMPLE_CPP_BACKEND must point at the built hub_example_cpp_backend');
    hub = await startHub();
    backend = startBackend(binary, [`127.0.0.1:${hub.grpcPort}`]);
    await backend.ready;
    client = await connectClient(hub.url);
  });

  after(async () => {
    client?.close();
    stopBackend(backend);
    await hub?.stop();
  });

  it('greets and acks', t(async () => {
    client.emit('hello', 'cpp');
    assert.deepEqual(await once(client, 'greet'), ['hello, cpp']);
    assert.equal(await client.timeout(5000).emitWithAck('add', 40, 2), 42);
  }));
});
