// node-redis and ioredis multi() against the server under test (issue 6), single node and a
// 3-node cluster entered through a node that does not own the keys. Both clients speak RESP3
// (HELLO 3), so an aborted EXEC reaches them as RESP3's null. The clients are the ones installed
// for redis-tests/node (its node_modules, resolved from its package.json); the launcher is its
// server.mjs. Servers are stopped by PID in after().
import assert from 'node:assert/strict';
import net from 'node:net';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { HOST, Server, isReference, serverBinary } from '../../node/test/server.mjs';

const require = createRequire(new URL('../../node/package.json', import.meta.url));
const Redis = require('ioredis');
const { createClient, WatchError } = require('redis');

async function nodeRedis(port) {
  const c = createClient({ socket: { host: HOST, port } });
  c.on('error', () => {});
  await c.connect();
  return c;
}

async function closeAll(clients) {
  for (const c of clients) {
    if (c instanceof Redis) c.disconnect();
    else if (c.isOpen) await c.quit();
  }
}

describe('single node', () => {
  let server;
  const clients = [];
  before(async () => {
    server = new Server();
    await server.start();
  });
  after(async () => {
    await closeAll(clients);
    if (server) await server.cleanup();
  });

  test('node-redis multi: replies, runtime errors, queueing errors, WATCH', async () => {
    const c = await nodeRedis(server.port);
    const d = await nodeRedis(server.port);
    clients.push(c, d);
    await c.flushAll();
    assert.deepEqual(await c.multi().set('a', '1').incr('a').get('nokey').exec(), ['OK', 2, null]);
    await c.set('s', 'abc');
    await assert.rejects(c.multi().incr('s').set('b', '1').exec(), (e) => {
      assert.equal(e.constructor.name, 'MultiErrorReply');
      assert.deepEqual(e.errorIndexes, [0]);
      assert.equal(e.replies[1], 'OK');
      return true;
    });
    assert.equal(await c.get('b'), '1');
    await assert.rejects(c.multi().set('q', '1').addCommand(['NOSUCH']).exec(), /unknown command/);
    assert.equal(await c.get('q'), null);
    await c.watch('w');
    await d.set('w', 'x');
    await assert.rejects(c.multi().set('x', '1').exec(), (e) => e instanceof WatchError);
    assert.equal(await c.get('x'), null);
    await c.watch('w');
    await d.set('other', '1');
    assert.deepEqual(await c.multi().set('x', '2').exec(), ['OK']);
  });

  test('ioredis multi: replies, WATCH abort is null, EXECABORT', async () => {
    const io = new Redis({ host: HOST, port: server.port, lazyConnect: true });
    const d = await nodeRedis(server.port);
    clients.push(io, d);
    await io.connect();
    await io.flushall();
    assert.deepEqual(await io.multi().set('a', '1').incr('a').get('nokey').exec(),
      [[null, 'OK'], [null, 2], [null, null]]);
    await io.watch('w');
    await d.set('w', 'y');
    assert.equal(await io.multi().set('x', '1').exec(), null);
    await assert.rejects(io.multi().set('x', '1').call('NOSUCH').exec(), /EXECABORT/);
    assert.equal(await io.get('x'), null);
    // pipeline() is not a transaction; multi({pipeline: true}) inside one is.
    const out = await io.pipeline().set('p', '1').multi().incr('p').incr('p').exec().exec();
    assert.deepEqual(out[out.length - 1], [null, [2, 3]]);
  });

  test('concurrent WATCH increments with node-redis: none lost', async () => {
    const n = 8, loops = 60;
    const cs = await Promise.all(Array.from({ length: n }, () => nodeRedis(server.port)));
    clients.push(...cs);
    await cs[0].del('ncounter');
    let retries = 0;
    await Promise.all(cs.map(async (c) => {
      for (let i = 0; i < loops; i++) {
        for (;;) {
          await c.watch('ncounter');
          const v = Number(await c.get('ncounter') ?? 0);
          try {
            await c.multi().set('ncounter', String(v + 1)).exec();
            break;
          } catch (e) {
            if (!(e instanceof WatchError)) throw e;
            retries++;
          }
        }
      }
    }));
    assert.equal(await cs[0].get('ncounter'), String(n * loops));
    console.log(`# node-redis: ${n} x ${loops} WATCH increments, ${retries} retries`);
  });
});

// ---- cluster ----

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, HOST, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('3-node cluster', { skip: isReference(serverBinary()) && 'needs ringkv nodes' }, () => {
  const nodes = [];
  const clients = [];
  let tag;  // a hash tag owned by n2

  before(async () => {
    const ports = [];
    while (ports.length < 3) {
      const p = await freePort();
      if (!ports.includes(p)) ports.push(p);
    }
    const spec = ports.map((p, i) => `n${i + 1}@${HOST}:${p}`).join(',');
    for (let i = 0; i < 3; i++) {
      const s = new Server(['--cluster-myself', `n${i + 1}`, '--cluster-nodes', spec,
        '--threads', '2']);
      nodes.push(s);
      await s.launch(ports[i]);
    }
    // Ready when DBSIZE (which asks every node) answers through every node.
    for (const s of nodes) {
      const c = await nodeRedis(s.port);
      clients.push(c);
      for (let t = 0; ; t++) {
        try { await c.dbSize(); break; } catch (e) { if (t > 200) throw e; await sleep(50); }
      }
    }
    const c = clients[0];
    for (let i = 0; ; i++) {
      const [id] = await c.sendCommand(['CLUSTER', 'KEYNODE', `{t${i}}`]);
      if (id === 'n2') { tag = `t${i}`; break; }
    }
  });
  after(async () => {
    await closeAll(clients);
    for (const s of nodes) await s.cleanup();
  });

  test('node-redis and ioredis transactions through a non-owner run on the owner', async () => {
    const c = await nodeRedis(nodes[0].port);
    const io = new Redis({ host: HOST, port: nodes[2].port });
    clients.push(c, io);
    assert.deepEqual(
      await c.multi().set(`{${tag}}a`, '1').incr(`{${tag}}a`).get(`{${tag}}a`).exec(),
      ['OK', 2, '2']);
    assert.deepEqual(await io.multi().incr(`{${tag}}a`).get(`{${tag}}a`).exec(),
      [[null, 3], [null, '3']]);
    const owner = await nodeRedis(nodes[1].port);
    clients.push(owner);
    const info = await owner.info('keyspace');
    assert.match(info, /db0:keys=1,/);
  });

  test('keys on several nodes: CROSSSLOT, nothing runs', async () => {
    const c = await nodeRedis(nodes[0].port);
    clients.push(c);
    const keys = {};
    for (let i = 0; Object.keys(keys).length < 2; i++) {
      const [id] = await c.sendCommand(['CLUSTER', 'KEYNODE', `cs${i}`]);
      if (id !== 'n1' && !(id in keys)) keys[id] = `cs${i}`;
    }
    const [k1, k2] = Object.values(keys);
    await assert.rejects(c.multi().set(k1, '1').set(k2, '2').exec(), /CROSSSLOT/);
    assert.equal(await c.exists([k1, k2]), 0);
  });

  test('WATCH of a remote key through a non-owner, RESP3', async () => {
    const c = await nodeRedis(nodes[0].port);
    const d = await nodeRedis(nodes[2].port);
    const io = new Redis({ host: HOST, port: nodes[2].port });
    clients.push(c, d, io);
    const k = `{${tag}}w`;
    await c.watch(k);
    await d.set(k, 'x');
    await assert.rejects(c.multi().set(k, 'mine').exec(), (e) => e instanceof WatchError);
    assert.equal(await c.get(k), 'x');
    await c.watch(k);
    assert.deepEqual(await c.multi().set(k, 'mine').exec(), ['OK']);
    await io.watch(k);
    await d.set(k, 'y');
    assert.equal(await io.multi().set(k, 'io').exec(), null);
    assert.equal(await io.get(k), 'y');
  });
});
