// Command line and environment configuration, startup logs and signals.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, describe, it } from 'node:test';

import { parseLogfmt, readHandshake, runHub, startHub, withHubOutput } from './lib/hub.mjs';

const FLAGS = [
  ['--sio_port', 'HUB_SIO_PORT'],
  ['--grpc_port', 'HUB_GRPC_PORT'],
  ['--admin_port', 'HUB_ADMIN_PORT'],
  ['--bind', 'HUB_BIND'],
  ['--shards', 'HUB_SHARDS'],
  ['--ping_interval_ms', 'HUB_PING_INTERVAL_MS'],
  ['--ping_timeout_ms', 'HUB_PING_TIMEOUT_MS'],
  ['--max_http_buffer_size', 'HUB_MAX_HTTP_BUFFER_SIZE'],
  ['--upgrade_timeout_ms', 'HUB_UPGRADE_TIMEOUT_MS'],
  ['--connect_timeout_ms', 'HUB_CONNECT_TIMEOUT_MS'],
  ['--cors_origins', 'HUB_CORS_ORIGINS'],
  ['--namespaces', 'HUB_NAMESPACES'],
  ['--drain_grace_ms', 'HUB_DRAIN_GRACE_MS'],
  ['--log_level', 'HUB_LOG_LEVEL'],
  ['--redis_url', 'HUB_REDIS_URL'],
];

// Ports for runs that are expected to fail: if the hub started anyway it must
// not collide with anything.
const SAFE = ['--bind', '127.0.0.1', '--grpc_port', '0', '--admin_port', '0'];

// HUB_* variables of the test runner's own environment must not leak into
// these runs: spawn drops variables whose value is undefined.
const scrub = (env = {}) => ({ ...Object.fromEntries(FLAGS.map(([, name]) => [name, undefined])), ...env });

function explain(r) {
  return `exit code ${r.code}, signal ${r.signal}${r.timedOut ? ' (killed: timed out)' : ''}\n` +
    `--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}

const run = (args, env = {}) => runHub(args, { env: scrub(env) });

// The scheduling policy of each of a process's threads, from field 41 of
// /proc/PID/task/TID/stat (counted after the parenthesised name, which may
// hold spaces): {name: [policy, ...]}.
const SCHED_OTHER = 0;
const SCHED_BATCH = 3;
function threadPolicies(pid) {
  const byName = {};
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const policy = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[41 - 3]);
    (byName[name] ??= []).push(policy);
  }
  return byName;
}

describe('command line', () => {
  const hubs = new Set();
  after(async () => {
    await Promise.all([...hubs].map((h) => h.stop('SIGKILL')));
  });

  async function start(opts) {
    const hub = await startHub({ ...opts, env: scrub(opts.env) });
    hubs.add(hub);
    return hub;
  }

  async function stopOk(hub, signal = 'SIGTERM') {
    const result = await hub.stop(signal);
    hubs.delete(hub);
    assert.deepEqual(result, { code: 0, signal: null }, `exit status after ${signal}`);
  }

  it('--help lists every flag with its environment variable and exits 0', { timeout: 15_000 }, async () => {
    const r = await run(['--help']);
    assert.equal(r.code, 0, explain(r));
    const lines = r.stdout.split('\n');
    const missing = [];
    for (const [flag, env] of FLAGS) {
      const flagRe = new RegExp(`${flag}(?![A-Za-z0-9_])`);
      const envRe = new RegExp(`\\b${env}\\b`);
      if (!lines.some((l) => flagRe.test(l) && envRe.test(l))) missing.push(`${flag} ${env}`);
    }
    assert.deepEqual(missing, [], `flags without their env var on the same line of --help:\n${r.stdout}`);
  });

  it('a non-numeric --sio_port exits 2 naming the flag', { timeout: 15_000 }, async () => {
    const r = await run(['--sio_port', 'abc', ...SAFE]);
    assert.equal(r.code, 2, explain(r));
    assert.match(r.stderr, /sio_port/, explain(r));
  });

  it('a negative HUB_SHARDS exits 2 naming it', { timeout: 15_000 }, async () => {
    const r = await run(['--sio_port', '0', ...SAFE], { HUB_SHARDS: '-1' });
    assert.equal(r.code, 2, explain(r));
    assert.match(r.stderr, /HUB_SHARDS|shards/, explain(r));
  });

  it('an unknown flag exits 2 naming it', { timeout: 15_000 }, async () => {
    const r = await run(['--no_such_flag', '1', '--sio_port', '0', ...SAFE]);
    assert.equal(r.code, 2, explain(r));
    assert.match(r.stderr, /no_such_flag/, explain(r));
  });

  it('logs event=listening for each service', { timeout: 20_000 }, async () => {
    const hub = await start({});
    await withHubOutput(() => hub, async () => {
      const listening = hub
        .output()
        .split('\n')
        .map(parseLogfmt)
        .filter((kv) => kv.event === 'listening');
      const byService = Object.fromEntries(listening.map((kv) => [kv.service, kv]));
      for (const [service, port] of [['socketio', hub.sioPort], ['grpc', hub.grpcPort], ['admin', hub.adminPort]]) {
        assert.ok(byService[service], `event=listening service=${service} logged`);
        assert.equal(byService[service].address, '127.0.0.1');
        assert.equal(Number(byService[service].port), port);
      }
      await stopOk(hub);
    })();
  });

  it('a second hub on a port the first listens on exits 1 instead of sharing it', { timeout: 40_000 }, async () => {
    const first = await start({});
    await withHubOutput(() => first, async () => {
      const others = ['--bind', '127.0.0.1', '--admin_port', '0'];
      const sio = await run(['--sio_port', String(first.sioPort), '--grpc_port', '0', ...others]);
      assert.equal(sio.code, 1, explain(sio));
      assert.match(sio.stderr, /event=start_failed service=socketio .*another process listens there/, explain(sio));
      const grpc = await run(['--sio_port', '0', '--grpc_port', String(first.grpcPort), ...others]);
      assert.equal(grpc.code, 1, explain(grpc));
      assert.match(grpc.stderr, /event=start_failed service=grpc/, explain(grpc));
      // The first hub still answers every handshake on its port.
      for (let i = 0; i < 8; ++i) assert.ok((await readHandshake(first.sioPort)).sid);
      await stopOk(first);
    })();
  });

  it('the environment configures the hub when no flag is given', { timeout: 20_000 }, async () => {
    const hub = await start({ env: { HUB_PING_INTERVAL_MS: '1234' } });
    await withHubOutput(() => hub, async () => {
      const open = await readHandshake(hub.sioPort);
      assert.equal(open.pingInterval, 1234);
      // Everything else keeps the reference server's defaults.
      assert.equal(open.pingTimeout, 20000);
      assert.equal(open.maxPayload, 1000000);
      await stopOk(hub);
    })();
  });

  it('a flag on the command line wins over the environment (--name value)', { timeout: 20_000 }, async () => {
    const hub = await start({ env: { HUB_PING_INTERVAL_MS: '1234' }, args: ['--ping_interval_ms', '4321'] });
    await withHubOutput(() => hub, async () => {
      const open = await readHandshake(hub.sioPort);
      assert.equal(open.pingInterval, 4321);
      await stopOk(hub);
    })();
  });

  it('a flag on the command line wins over the environment (--name=value)', { timeout: 20_000 }, async () => {
    const hub = await start({
      env: { HUB_PING_INTERVAL_MS: '1234', HUB_PING_TIMEOUT_MS: '5000' },
      args: ['--ping_interval_ms=4321'],
    });
    await withHubOutput(() => hub, async () => {
      const open = await readHandshake(hub.sioPort);
      assert.equal(open.pingInterval, 4321);
      assert.equal(open.pingTimeout, 5000);
      await stopOk(hub);
    })();
  });

  it('every thread runs under SCHED_BATCH by default, under the normal policy with --sched_batch false', { timeout: 20_000 }, async () => {
    for (const [args, policy, logged] of [[[], SCHED_BATCH, 'batch'], [['--sched_batch', 'false'], SCHED_OTHER, 'normal']]) {
      const hub = await start({ args });
      await withHubOutput(() => hub, async () => {
        const line = hub.output().split('\n').map(parseLogfmt).find((kv) => kv.event === 'scheduling');
        assert.equal(line?.policy, logged, 'event=scheduling logged with the policy');
        const policies = threadPolicies(hub.proc.pid);
        assert.ok(Object.keys(policies).some((name) => name.startsWith('hub-shard-')), `shard threads among ${Object.keys(policies)}`);
        for (const [name, list] of Object.entries(policies)) {
          assert.ok(list.every((p) => p === policy), `${args.join(' ') || 'default'}: thread ${name} policies ${list}`);
        }
        await stopOk(hub);
      })();
    }
  });

  it('SIGINT stops the hub with exit code 0', { timeout: 20_000 }, async () => {
    const hub = await start({});
    await withHubOutput(() => hub, () => stopOk(hub, 'SIGINT'))();
  });

  it('SIGTERM stops the hub with exit code 0', { timeout: 20_000 }, async () => {
    const hub = await start({});
    await withHubOutput(() => hub, () => stopOk(hub, 'SIGTERM'))();
  });
});
