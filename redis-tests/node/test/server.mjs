// Starts the server under test for the node suites, the way redis-tests/harness.py does: a free
// loopback port (listen on port 0, close, start the server there; retried on failure), a temp
// data dir, wait until PING answers (10 s), stop by PID (SIGTERM, SIGKILL after 5 s). The binary
// is env RINGKV_SERVER (default <repo>/build/ringkv-server); for Debian's redis-server the flags
// --save '' --appendonly no are added. Also a recording TCP proxy, to see what a client sends.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const HOST = '127.0.0.1';

export function serverBinary() {
  const fallback = path.resolve(here, '..', '..', '..', 'build', 'ringkv-server');
  return process.env.RINGKV_SERVER || fallback;
}

export function isReference(binary) {
  return path.basename(binary) === 'redis-server';
}

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

function pingOnce(port) {
  return new Promise((resolve) => {
    const sock = net.connect(port, HOST);
    let buf = '';
    const done = (ok) => { sock.destroy(); resolve(ok); };
    sock.setTimeout(1000, () => done(false));
    sock.on('error', () => done(false));
    sock.on('connect', () => sock.write('*1\r\n$4\r\nPING\r\n'));
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG') || buf.startsWith('-NOAUTH'));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class Server {
  constructor(extraArgs = []) {
    this.binary = serverBinary();
    this.extraArgs = extraArgs;
    this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringkv-node-'));
    this.proc = null;
    this.port = null;
    this.log = '';
  }

  get isReference() { return isReference(this.binary); }

  async start() {
    if (!fs.existsSync(this.binary)) {
      throw new Error(`server binary not found: ${this.binary} (set RINGKV_SERVER)`);
    }
    let lastError;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await this.launch(await freePort());
        return this;
      } catch (e) {
        lastError = e;
        await this.stop();
      }
    }
    throw lastError;
  }

  async launch(port) {
    const args = ['--port', String(port), '--bind', HOST, '--dir', this.dataDir];
    if (this.isReference) args.push('--save', '', '--appendonly', 'no');
    args.push(...this.extraArgs);
    this.port = port;
    this.proc = spawn(this.binary, args, { cwd: this.dataDir, stdio: ['ignore', 'pipe', 'pipe'] });
    const onOut = (d) => { this.log = (this.log + d.toString()).slice(-8000); };
    this.proc.stdout.on('data', onOut);
    this.proc.stderr.on('data', onOut);
    let exited = false;
    this.proc.on('exit', () => { exited = true; });
    const deadline = Date.now() + 10000;
    while (Date.now() < deadline) {
      if (exited) throw new Error(`${this.binary} exited at start:\n${this.log}`);
      if (await pingOnce(port)) return;
      await sleep(50);
    }
    throw new Error(`${this.binary} did not answer PING on ${port} in 10 s:\n${this.log}`);
  }

  // SIGTERM by PID, SIGKILL after 5 s.
  async stop() {
    const proc = this.proc;
    this.proc = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    process.kill(proc.pid, 'SIGTERM');
    const timer = setTimeout(() => { try { process.kill(proc.pid, 'SIGKILL'); } catch {} }, 5000);
    await exited;
    clearTimeout(timer);
  }

  async cleanup() {
    await this.stop();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

// A TCP proxy in front of the server that records every byte the client sends.
export function recordingProxy(targetPort) {
  const sent = [];
  let closedByClient = 0;
  const sockets = new Set();
  const srv = net.createServer((client) => {
    const upstream = net.connect(targetPort, HOST);
    sockets.add(client); sockets.add(upstream);
    client.on('data', (d) => { sent.push(d); upstream.write(d); });
    upstream.on('data', (d) => client.write(d));
    client.on('close', () => { closedByClient++; upstream.destroy(); });
    upstream.on('close', () => client.destroy());
    client.on('error', () => {}); upstream.on('error', () => {});
  });
  return new Promise((resolve) => srv.listen(0, HOST, () => resolve({
    port: srv.address().port,
    sentText: () => Buffer.concat(sent).toString('latin1'),
    closedCount: () => closedByClient,
    close: () => new Promise((r) => {
      for (const s of sockets) s.destroy();
      srv.close(() => r());
    }),
  })));
}

// The commands (as arrays of strings) in a stream of RESP multibulk requests.
export function parseCommands(text) {
  const cmds = [];
  let pos = 0;
  const line = () => {
    const end = text.indexOf('\r\n', pos);
    if (end < 0) throw new Error('truncated');
    const l = text.slice(pos, end);
    pos = end + 2;
    return l;
  };
  while (pos < text.length) {
    const head = line();
    if (!head.startsWith('*')) throw new Error(`not a multibulk request: ${head}`);
    const n = Number(head.slice(1));
    const args = [];
    for (let i = 0; i < n; i++) {
      const len = Number(line().slice(1));
      args.push(text.slice(pos, pos + len));
      pos += len + 2;
    }
    cmds.push(args);
  }
  return cmds;
}
