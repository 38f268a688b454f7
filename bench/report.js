'use strict'
// Turns results (see run.js) into the Markdown report, the targets check and the chart spec; the
// worker-API tables, targets and panels come from report-worker.js.
const { workerSection, scaleProcessTable, workerTargets, workerPanels } = require('./report-worker')

const NOTES = {
  'ours-full':
    "Loaded from the repository root (`require('..')`); its drain row stands for both durability settings (acks always commit with NORMAL). A burst's p99 loop delay is the few long ticks of 10,000 add() calls made in one synchronous run (JSON, a Promise and a pending record each) and of copying them into native batches of at most 2,048 operations; the SQLite work runs on the thread pool. The drain is one thread-pool round trip and one write transaction per ack, and the next job waits for its ack: the main thread is mostly idle.",
  'ours-normal': "Same queue with durability 'normal' (adds commit without fsync); the drain is not repeated.",
  npq: 'Its sqlite3 ^4 resolves to 4.2.0, which builds from source on Node 20 (node-pre-gyp finds no prebuilt binary and falls back to node-gyp; its nan ^2.12.1 resolves to 2.30.0, which supports Node 20): no `overrides` needed. One autocommit transaction per add and per done(), rollback journal: several fsyncs each. Runs VACUUM on every `empty`.',
  plainjob:
    'Synchronous API on the main thread: add() is a plain loop, so the event loop is blocked for the whole burst; its worker loop awaits only microtasks, so a drain blocks the event loop until the queue is empty. Done jobs are kept (status done), not deleted. ES module, loaded with import().',
  'bullmq-always':
    "Against a private redis-server 7 (Debian's), append-only file with `appendfsync always` (Redis fsyncs once per turn of its event loop, a group commit like ours; the peer of our 'full'), RDB snapshots off. Jobs are removed on completion (removeOnComplete, as our ack deletes them), dead letters kept. Redis runs in its own process on the same 2 cores, and each run starts from a flushed server. Its drain is a Worker with concurrency 1 (its default); the worker rows use concurrency 32. Bursts are one queue.add() per job fired at once (no addBulk), fills use addBulk of 1,000.",
  'bullmq-everysec':
    'Same, with `appendfsync everysec` (Redis fsyncs the append-only file once a second in the background: up to a second of acknowledged adds lost in a power cut or kernel crash).',
  'better-queue':
    "The ticket's `queued` comes before the store commits (a cargo of up to 3,000 rows per transaction), so the add timings also wait for that commit at the end; awaited adds pay better-queue's setTimeout(0) per push. FIFO breaks at write time: the store sends each cargo's INSERTs through sqlite3 in its default parallel mode (no serialize()), so rows reach SQLite, and get their `added` order, in thread-pool order; the drain follows that stored order (in a check, the inversions in the stored order equalled those delivered).",
  raw: "Not a queue: what SQLite itself allows on this machine (WAL, FULL), all on the main thread. Its awaited adds are one autocommit INSERT with an fsync each: the ceiling for durability 'full' (plainjob is faster there because NORMAL skips the fsync).",
  'floor-noop': 'Floor under any design that crosses to the libuv thread pool once per job.',
  'floor-delete':
    'Floor under any design that commits once and yields one event-loop turn per job (on the main thread, no thread-pool hop).',
}

const SCEN = [
  ['addBurst', 'add 10k at once'],
  ['addSerial', 'add awaited 1 by 1'],
  ['drain', 'drain'],
]

const int = (v) => (v == null ? 'n/a' : Math.round(v).toLocaleString('en-US'))
const ms = (v) => (v == null ? 'n/a' : v < 10 ? v.toFixed(1) : Math.round(v).toLocaleString('en-US'))
const mb = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`
const cell = (s, key, f) => {
  const r = s.scenarios[key]
  if (!r) return '–'
  if (r.error) return 'failed'
  return f(r.median)
}

function mainTable(res) {
  const n = res.config.n.toLocaleString('en-US')
  const head = [
    'system',
    'durability',
    `add ${n} at once (jobs/s)`,
    'p99 loop (ms)',
    'add awaited 1 by 1 (jobs/s)',
    'drain (jobs/s)',
    'p99 loop (ms)',
    'drain: dup / missing / out of order',
  ]
  const rows = res.systems.map((s) => [
    s.label,
    s.durability,
    cell(s, 'addBurst', (m) => int(m.rate)),
    cell(s, 'addBurst', (m) => ms(m.loopP99)),
    cell(s, 'addSerial', (m) => int(m.rate)),
    cell(s, 'drain', (m) => int(m.rate)),
    cell(s, 'drain', (m) => ms(m.loopP99)),
    cell(s, 'drain', (m) => `${m.duplicates} / ${m.missing} / ${m.outOfOrder}`),
  ])
  return table(head, rows)
}

function table(head, rows) {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n')
}

/** The 4-process runs (compat consumers, process() consumers), one row each. */
function multiTable(res) {
  const row = (mp) => {
    const c = mp.config
    const consumers = c.concurrency ? `process(), concurrency ${c.concurrency}, no-op handler` : `compat API, batchSize ${c.batch}`
    const what = `2 producers (~${c.inflight} adds in flight each) + 2 consumers (${consumers})`
    if (mp.error) return ['sqlite-persistent-queue (full)', what, `failed: \`${mp.error.split('\n')[0]}\``, '', '', '', '']
    const m = mp.median
    return [
      'sqlite-persistent-queue (full)',
      what,
      int(m.rate),
      ms(m.addPhaseMs),
      m.errors,
      `${m.delivered} / ${m.duplicates} / ${m.missing}`,
      m.outOfOrder,
    ]
  }
  const runs = [res.multiProcess, res.multiWorker].filter(Boolean)
  if (runs.length === 0) return '_Not run (not in --scenarios)._'
  const head = [
    'system',
    'processes',
    'jobs/s, first add to last ack',
    'add phase (ms)',
    'errors',
    'delivered / dup / missing',
    'out of order (per consumer, per producer)',
  ]
  return table(head, runs.map(row))
}

function scaleTable(sc) {
  if (!sc) return '_Not run yet: `node run.js --scale` (takes several minutes)._'
  if (sc.error) return `Failed: \`${sc.error.split('\n')[0]}\``
  const rows = [
    ['jobs', int(sc.n)],
    ['fill (Promise.all batches of 10,000 adds, full)', `${int(sc.fillRate)} jobs/s (${(sc.fillMs / 1000).toFixed(1)} s)`],
    ['open() of a fresh queue object, fresh process', `${ms(sc.openMsFirst)} ms (then ${sc.openMs.slice(1).map(ms).join(', ')} ms)`],
    ['drain (compat API, batchSize ' + sc.batch + ')', `${int(sc.drainRate)} jobs/s (${(sc.drainMs / 1000).toFixed(1)} s)`],
    ['claim rate, first 5% of jobs → last 5%', `${int(sc.claimRateStart)} → ${int(sc.claimRateEnd)} jobs/s`],
    ['RSS before drain → peak during drain', `${sc.rssBeforeMB.toFixed(0)} MB → ${sc.rssPeakMB.toFixed(0)} MB`],
    ['file + -wal + -shm: filled, before drain', `${mb(sc.bytesFilled)}, ${mb(sc.bytesBefore)}`],
    [
      'file + -wal + -shm: at `empty`, settled (still open), after close',
      `${sc.bytesAtEmpty == null ? 'n/a' : mb(sc.bytesAtEmpty)}, ${mb(sc.bytesAfterDrain)}${sc.settleMs == null ? '' : ` (${(Math.max(0, sc.settleMs) / 1000).toFixed(1)} s after empty)`}, ${mb(sc.bytesAfterClose)}`,
    ],
    ['delivered / dup / missing / out of order', `${sc.delivered} / ${sc.duplicates} / ${sc.missing} / ${sc.outOfOrder}`],
  ]
  const when = sc.at ? `\n\nMeasured ${sc.at} with \`${sc.command}\`.` : ''
  return table(['metric', 'value'], rows) + when
}

/** Our targets, each with the measured value and whether it is met. */
function targets(res) {
  const get = (id, key) => res.systems.find((s) => s.id === id)?.scenarios[key]?.median
  const out = []
  const check = (name, value, ok) => out.push(`- ${ok == null ? '?' : ok ? 'met' : '**missed**'}: ${name}: ${value}`)
  const bf = get('ours-full', 'addBurst')
  const sf = get('ours-full', 'addSerial')
  const sn = get('ours-normal', 'addSerial')
  const sq = get('npq', 'addSerial')
  const dr = get('ours-full', 'drain')
  if (bf) check('add at once (full) ≥ 150,000/s', int(bf.rate), bf.rate >= 150000)
  if (sf && sq)
    check(
      'awaited add (full) ≥ 2× node-persistent-queue',
      `${int(sf.rate)} vs ${int(sq.rate)} (${(sf.rate / sq.rate).toFixed(1)}×)`,
      sf.rate >= 2 * sq.rate,
    )
  if (sn) check('awaited add (normal) ≥ 20,000/s', int(sn.rate), sn.rate >= 20000)
  if (dr) check('drain ≥ 15,000/s', int(dr.rate), dr.rate >= 15000)
  for (const [id, key] of [
    ['ours-full', 'addBurst'],
    ['ours-normal', 'addBurst'],
    ['ours-full', 'drain'],
  ]) {
    const m = get(id, key)
    if (m) check(`p99 loop delay ≤ 5 ms (${id}, ${key})`, `${ms(m.loopP99)} ms`, m.loopP99 <= 5)
  }
  const sc = res.scale
  if (sc && !sc.error) {
    check('1M jobs: open < 100 ms', `${ms(sc.openMsFirst)} ms`, sc.openMsFirst < 100)
    check('1M jobs: peak RSS < 150 MB during drain', `${sc.rssPeakMB.toFixed(0)} MB`, sc.rssPeakMB < 150)
    check(
      '1M jobs: claim rate flat (end ≥ 80% of start)',
      `${int(sc.claimRateStart)} → ${int(sc.claimRateEnd)}`,
      sc.claimRateEnd >= 0.8 * sc.claimRateStart,
    )
    check(
      '1M jobs: file size near zero after drain (< 1 MiB)',
      `${mb(sc.bytesAfterDrain)} open, ${mb(sc.bytesAfterClose)} closed`,
      sc.bytesAfterClose < 2 ** 20,
    )
  }
  const mp = res.multiProcess
  if (mp && !mp.error) {
    const m = mp.median
    check('4 processes (compat consumers) ≥ 20,000 jobs/s total', int(m.rate), m.rate >= 20000)
    check(
      '4 processes (compat consumers): zero errors, exactly once',
      `${m.errors} errors, ${m.duplicates} dup, ${m.missing} missing`,
      m.errors === 0 && m.duplicates === 0 && m.missing === 0,
    )
  }
  for (const [name, value, ok] of workerTargets(res)) check(name, value, ok)
  return out.join('\n')
}

function markdown(res) {
  const m = res.machine
  const c = res.config
  const fs = res.fsync
  const sf = res.systems.find((s) => s.id === 'ours-full')?.scenarios.addSerial?.median
  const perAdd = sf ? 1e6 / sf.rate : null
  return [
    '# sqlite-persistent-queue benchmark',
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB, ${m.os}, Node ${m.node}; files in ${m.tmpdir}${redisLine(res.redis)}. Repository at ${m.commit}${m.dirty ? ' with uncommitted changes to src/, lib/, index.js or binding.js' : ''}${m.addon ? `, addon built ${m.addon.builtAt}${m.addon.debug ? ' **as a debug build: our numbers are not representative**' : ' (release)'}` : ''}.`,
    `Command: \`${res.command}\` (${res.generatedAt}).` +
      (m.codeChangedDuringRun ? ' **index.js, binding.js or lib/ changed during this run: rows measured different code; rerun.**' : ''),
    `${c.n.toLocaleString('en-US')} jobs of ~130 bytes JSON, fresh file per run, median of ${c.runs} run(s) after one warm-up of ${c.warmup} jobs in the same process; one process per system and scenario. Event-loop delay: monitorEventLoopDelay, resolution ${c.resolution} ms (for synchronous APIs the p99 is the whole blocked stretch). Our batchSize: ${c.batch}.`,
    `fsync probe: median ${Math.round(fs.medianUs)} µs, p99 ${Math.round(fs.p99Us)} µs (${fs.samples} fsyncs of a ${130}-byte append).` +
      (perAdd
        ? ` Our awaited add with 'full' takes ${Math.round(perAdd)} µs, ${(perAdd / fs.medianUs).toFixed(1)}× the median fsync.`
        : '') +
      redisProbeLine(res.redis),
    '',
    mainTable(res),
    '',
    'Order/duplicate columns: worst of the runs. "out of order": deliveries whose seq is lower than the one delivered just before.',
    '',
    workerSection(res),
    '',
    '## Several processes (ours only)',
    '',
    multiTable(res),
    '',
    '## 1,000,000 jobs (ours only, `--scale`)',
    '',
    scaleTable(res.scale),
    '',
    '## 1,000,000 jobs with process() (ours only, `--scale`)',
    '',
    scaleProcessTable(res.scaleProcess),
    '',
    '## Targets',
    '',
    targets(res),
    '',
    '## Notes per system',
    '',
    ...res.systems.map((s) => `- **${s.label}** (${s.durability}): ${NOTES[s.id] ?? ''}${errors(s)}`),
    '',
  ].join('\n')
}

/** The redis-server versions of the BullMQ rows, for the machine line. */
function redisLine(redis) {
  if (!redis) return ''
  const up = redis.servers.map((r) => `appendfsync ${r.fsync}`)
  const down = Object.keys(redis.errors).map((k) => `appendfsync ${k} did not start`)
  const version = redis.servers[0]?.version
  return up.length + down.length ? `; redis-server${version ? ` ${version}` : ''} on loopback (${[...up, ...down].join(', ')})` : ''
}

/** redis-benchmark's SET rates of each server: the ceiling under the BullMQ rows. */
function redisProbeLine(redis) {
  const probed = (redis?.servers ?? []).filter((r) => r.setProbe)
  if (probed.length === 0) return ''
  const each = probed.map(
    (r) => `${int(r.setProbe.serial)}/s from 1 client, ${int(r.setProbe.clients32)}/s from 32 (appendfsync ${r.fsync})`,
  )
  return ` Raw Redis, redis-benchmark SET of 130 bytes: ${each.join('; ')}.`
}

function errors(s) {
  if (s.skipped) return ` Skipped: ${s.skipped}.`
  const failed = Object.entries(s.scenarios).filter(([, r]) => r.error)
  return failed.map(([k, r]) => ` Failed in ${k}: \`${r.error.split('\n')[0]}\`.`).join('')
}

function chartSpec(res) {
  const panels = SCEN.map(([key, title]) => ({
    title: key === 'addBurst' ? `add ${res.config.n.toLocaleString('en-US')} at once` : title,
    bars: res.systems
      .map((s, i) => ({ label: s.label, value: s.scenarios[key]?.median?.rate ?? null, color: i }))
      .filter((b, i) => res.systems[i].scenarios[key]),
  }))
  const worker = workerPanels(res)
  if (worker.process) panels.push(worker.process)
  if (res.multiProcess?.median) {
    panels.push({
      title: '4 processes, one file (2 producers + 2 consumers)',
      bars: [{ label: 'sqlite-persistent-queue (full)', value: res.multiProcess.median.rate, color: 0 }],
    })
  }
  if (worker.multi) panels.push(worker.multi)
  const m = res.machine
  return {
    title: `Job queues: jobs/s, ${res.config.n.toLocaleString('en-US')} jobs of ~130 B, median of ${res.config.runs}`,
    subtitle: `${m.cpu}, ${m.cores} cores, Node ${m.node}, fsync median ${Math.round(res.fsync.medianUs)} µs`,
    panels,
  }
}

module.exports = { markdown, chartSpec }
