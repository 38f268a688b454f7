'use strict'
// Floor probe for the drain: probeNoop() of the benchmark's addon build (bench/addon.js), a no-op AsyncTask (one round
// trip through the libuv thread pool, no SQLite), awaited in a loop, once per job. No file, no
// durability; jobs are only counted.
const { probeNoop } = require('../../binding')

module.exports = {
  id: 'floor-noop',
  label: 'floor: probeNoop() awaited per job',
  durability: 'none (no I/O)',
  scenarios: ['drain'],

  open: async () => ({}),
  close: async () => {},
  fill: async () => {},

  async drain(h, n, onJob) {
    for (let seq = 0; seq < n; seq++) {
      await probeNoop()
      onJob({ seq })
    }
  },
}
