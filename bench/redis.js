'use strict'
// A private redis-server for the BullMQ rows (Debian's redis-server, `apt-get install -y
// redis-server`): started by run.js on a free loopback port with its own temp folder, stopped at
// the end. Persistence is the append-only file only (no RDB snapshots), with `appendfsync always`
// (an fsync per event-loop turn of Redis, i.e. group commit: the peer of our durability 'full')
// or `everysec` (Redis' default for AOF: up to a second of writes lost in a power cut, the peer of
// our 'normal'). Everything else is Redis' defaults.
const { spawn, execFileSync } = require('node:child_process')
const fs = require('node:fs')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')
const { sleep } = require('./util')

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

/** Resolves true once the server answers PING on `port`. */
function ping(port) {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1')
    const finish = (ok) => {
      sock.destroy()
      resolve(ok)
    }
    sock.setTimeout(500, () => finish(false))
    sock.once('error', () => finish(false))
    sock.once('connect', () => sock.write('PING\r\n'))
    sock.once('data', (buf) => finish(buf.toString().startsWith('+PONG')))
  })
}

/** The version line of redis-server, or null when it is not installed. */
function redisVersion() {
  try {
    return execFileSync('redis-server', ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .match(/v=(\S+)/)?.[1]
  } catch {
    return null
  }
}

/**
 * Starts redis-server with `appendfsync` = `fsync` ('always' or 'everysec').
 * @returns {Promise<{port: number, fsync: string, version: string, stop: () => Promise<void>}>}
 */
async function startRedis(fsync) {
  const version = redisVersion()
  if (!version) throw new Error('redis-server not found (apt-get install -y redis-server)')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spq-bench-redis-'))
  const port = await freePort()
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', fsync]
  const child = spawn('redis-server', [...args, '--logfile', path.join(dir, 'redis.log')], { stdio: 'ignore' })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  let dead = null
  exited.then((code) => (dead = `redis-server exited with ${code}`))
  // Never left running behind a run.js that exits some other way.
  const reap = () => dead || child.kill('SIGKILL')
  process.once('exit', reap)
  const stop = async () => {
    process.off('exit', reap)
    if (!dead) child.kill('SIGTERM')
    await Promise.race([exited, sleep(10000)])
    fs.rmSync(dir, { recursive: true, force: true })
  }
  for (let i = 0; i < 100 && !dead; i++) {
    if (await ping(port)) return { port, fsync, version, stop }
    await sleep(50)
  }
  const log = fs.existsSync(path.join(dir, 'redis.log')) ? fs.readFileSync(path.join(dir, 'redis.log'), 'utf8').slice(-500) : ''
  await stop()
  throw new Error(`${dead ?? 'redis-server did not answer PING within 5 s'} ${log}`)
}

/**
 * Raw Redis on this machine, the ceiling under BullMQ: redis-benchmark's SET of a 130-byte value
 * from one client (each awaited) and from 32; null when redis-benchmark is missing.
 */
function setProbe(port) {
  const rate = (clients, n) => {
    const args = ['-p', String(port), '-q', '-t', 'set', '-d', '130', '-c', String(clients), '-n', String(n)]
    const out = execFileSync('redis-benchmark', args, { stdio: ['ignore', 'pipe', 'ignore'] }).toString()
    return Number(out.match(/([\d.]+) requests per second/)?.[1]) || null
  }
  try {
    return { serial: rate(1, 2000), clients32: rate(32, 20000) }
  } catch {
    return null
  }
}

/** The environment variable through which measuring processes find the server of `fsync`. */
const portEnv = (fsync) => `BENCH_REDIS_${fsync.toUpperCase()}`

/**
 * Starts one server per `appendfsync` setting that `systems` need (their `redis` field) and puts
 * the ports in the environment, which the measuring processes inherit. Resolves the servers that
 * started, the settings that failed to start (with the reason) and stop().
 */
async function startRedisFor(systems, log) {
  const servers = []
  const errors = {}
  for (const fsync of new Set(systems.map((s) => s.redis).filter(Boolean))) {
    try {
      const server = await startRedis(fsync)
      process.env[portEnv(fsync)] = String(server.port)
      server.setProbe = setProbe(server.port)
      servers.push(server)
      const probe = server.setProbe ? `; redis-benchmark SET ${Math.round(server.setProbe.serial)}/s from 1 client` : ''
      log(`redis-server ${server.version} (appendfsync ${fsync}) on port ${server.port}${probe}`)
    } catch (err) {
      errors[fsync] = err.message
      log(`redis-server (appendfsync ${fsync}) did not start: ${err.message}`)
    }
  }
  return {
    info: { servers: servers.map(({ port, fsync, version, setProbe }) => ({ port, fsync, version, setProbe })), errors },
    stop: () => Promise.all(servers.splice(0).map((s) => s.stop())),
  }
}

module.exports = { startRedis, startRedisFor, redisVersion, portEnv }
