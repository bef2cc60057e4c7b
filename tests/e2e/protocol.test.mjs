// The hub plus tests/e2e/protocol_backend.mjs behave as the official
// Socket.IO v5 protocol suite expects (auth after connect, message echo,
// message-with-ack, binary), checked quickly with our own assertions over a
// raw WebSocket and the stock client. The official suite itself runs through
// tests/e2e/run_official_suites.sh.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { io } from 'socket.io-client';

import {
  SOURCE_DIR,
  connectClient,
  once,
  rawEngineSocket,
  startHub,
  withHubOutput,
} from './lib/hub.mjs';
import { startProtocolBackend } from './protocol_backend.mjs';

const nextText = async (raw) => {
  for (;;) {
    const m = await raw.nextMessage(3000);
    if (m !== '2') return m; // skip pings
  }
};

describe('hub + protocol_backend', { timeout: 60_000 }, () => {
  let hub;
  let backend;
  const t = (fn) => withHubOutput(() => hub, fn);

  before(async () => {
    hub = await startHub({
      args: ['--ping_interval_ms', '300', '--ping_timeout_ms', '200', '--namespaces', '/,/custom', '--connect_timeout_ms', '1000'],
    });
    backend = await startProtocolBackend({ address: `127.0.0.1:${hub.grpcPort}` });
  });
  after(async () => {
    backend?.close();
    await hub?.stop();
  });

  async function session(connectPacket) {
    const raw = await rawEngineSocket(hub.sioPort);
    assert.equal((await raw.nextMessage())[0], '0', 'Engine.IO OPEN');
    raw.ws.send(connectPacket);
    return raw;
  }

  it('raw: CONNECT with and without auth, main and custom namespace, then `auth`', t(async () => {
    const cases = [
      ['40', '40', '42["auth",{}]'],
      ['40{"token":"123"}', '40', '42["auth",{"token":"123"}]'],
      ['40/custom,', '40/custom,', '42/custom,["auth",{}]'],
      ['40/custom,{"token":"abc"}', '40/custom,', '42/custom,["auth",{"token":"abc"}]'],
    ];
    for (const [send, prefix, auth] of cases) {
      const raw = await session(send);
      try {
        const reply = await nextText(raw);
        assert.ok(reply.startsWith(prefix), `${send} -> ${reply}`);
        assert.deepEqual(Object.keys(JSON.parse(reply.slice(prefix.length))), ['sid']);
        assert.equal(await nextText(raw), auth, `auth packet after ${send}`);
      } finally {
        raw.ws.terminate();
      }
    }
    const raw = await session('40/random');
    try {
      assert.equal(await nextText(raw), '44/random,{"message":"Invalid namespace"}');
    } finally {
      raw.ws.terminate();
    }
  }));

  it('raw: message echo, ack, binary echo and binary ack, each under 100 ms', t(async () => {
    const raw = await session('40');
    try {
      await nextText(raw); // CONNECT reply
      await nextText(raw); // auth
      let started = Date.now();
      raw.ws.send('42["message",1,"2",{"3":[true]}]');
      assert.equal(await nextText(raw), '42["message-back",1,"2",{"3":[true]}]');
      assert.ok(Date.now() - started < 100, `echo took ${Date.now() - started} ms`);

      started = Date.now();
      raw.ws.send('42456["message-with-ack",1,"2",{"3":[false]}]');
      assert.equal(await nextText(raw), '43456[1,"2",{"3":[false]}]');
      assert.ok(Date.now() - started < 100, `ack took ${Date.now() - started} ms`);

      raw.ws.send('452-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
      raw.ws.send(Uint8Array.from([1, 2, 3]));
      raw.ws.send(Uint8Array.from([4, 5, 6]));
      assert.equal(await nextText(raw), '452-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
      assert.deepEqual(Buffer.from(await nextText(raw)), Buffer.from([1, 2, 3]));
      assert.deepEqual(Buffer.from(await nextText(raw)), Buffer.from([4, 5, 6]));

      raw.ws.send('452-789["message-with-ack",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
      raw.ws.send(Uint8Array.from([7]));
      raw.ws.send(Uint8Array.from([8, 9]));
      assert.equal(await nextText(raw), '462-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
      assert.deepEqual(Buffer.from(await nextText(raw)), Buffer.from([7]));
      assert.deepEqual(Buffer.from(await nextText(raw)), Buffer.from([8, 9]));
    } finally {
      raw.ws.terminate();
    }
    assert.deepEqual(backend.errors, [], 'no backend RPC failed');
  }));

  it('socket.io-client: auth event, echo with Buffers, emitWithAck with binary', t(async () => {
    const c = io(`${hub.url}/custom`, { auth: { user: 'u1' }, transports: ['websocket'], forceNew: true, reconnection: false });
    try {
      const [auth] = await once(c, 'auth'); // listening before the connection starts
      assert.deepEqual(auth, { user: 'u1' });
      assert.ok(c.connected);
      const back = once(c, 'message-back');
      c.emit('message', 'hi', Buffer.from([1, 2]), { n: 1 });
      const [s, buf, obj] = await back;
      assert.equal(s, 'hi');
      assert.deepEqual(Buffer.from(buf), Buffer.from([1, 2]));
      assert.deepEqual(obj, { n: 1 });
      const ack = await c.timeout(2000).emitWithAck('message-with-ack', Buffer.from('bin'), 42);
      assert.deepEqual(Buffer.from(ack), Buffer.from('bin'));
    } finally {
      c.close();
    }
  }));

  it('the command line backend serves the same (node protocol_backend.mjs --grpc)', t(async () => {
    const proc = spawn(process.execPath, [path.join(SOURCE_DIR, 'tests', 'e2e', 'protocol_backend.mjs'), '--grpc', `127.0.0.1:${hub.grpcPort}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.stderr.on('data', (d) => (out += d));
    try {
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`backend not ready: ${out}`)), 10_000);
        proc.stdout.on('data', () => out.includes('protocol_backend: ready') && (clearTimeout(timer), resolve()));
        proc.once('exit', (code) => reject(new Error(`backend exited ${code}: ${out}`)));
      });
      const c = await connectClient(hub.url);
      try {
        // Two backends now: each `message` is echoed twice.
        const got = [];
        c.on('message-back', (x) => got.push(x));
        c.emit('message', 'twice');
        await new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`echoes: ${JSON.stringify(got)}`)), 3000);
          c.on('message-back', () => got.length === 2 && (clearTimeout(timer), resolve()));
        });
        assert.deepEqual(got, ['twice', 'twice']);
      } finally {
        c.close();
      }
    } finally {
      proc.kill('SIGTERM');
    }
  }));
});
