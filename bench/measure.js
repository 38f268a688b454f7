'use strict'
// Child process entry (forked by run.js): runs one scenario of one system, first once on a small
// warm-up (not recorded), then `runs` times, and sends the list of results to the parent. One
// process per system and scenario keeps their heaps, threads and open handles apart.
const { byId } = require('./systems')
const { addBurst, addSerial, drain } = require('./scenarios')
const worker = require('./worker-scenarios')

const scenarios = {
  addBurst,
  addSerial,
  drain,
  process: worker.process,
  processDelayed: worker.processDelayed,
  processFailing: worker.processFailing,
}

// Ends with run.js (killed, or exited): a measuring process never outlives it.
process.on('disconnect', () => process.exit(1))

async function main() {
  const { system, scenario, n, runs, resolution, warmup } = JSON.parse(process.argv[2])
  const adapter = byId(system)
  const run = scenarios[scenario]
  if (warmup > 0) await run(adapter, { n: warmup, resolution, run: 0 })
  const results = []
  for (let i = 0; i < runs; i++) results.push(await run(adapter, { n, resolution, run: i }))
  process.send({ results }, () => process.exit(0))
}

main().catch((err) => {
  process.send({ error: err.stack || String(err) }, () => process.exit(1))
})
