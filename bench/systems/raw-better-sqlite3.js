'use strict'
// The ceiling: raw better-sqlite3 12 on the main thread, no queue library. Durability: WAL,
// synchronous=FULL. Bursts and drains use one transaction per <=1,000 rows and yield to the
// event loop (setImmediate) between transactions; awaited adds are one autocommit INSERT each
// (a caller that waits for each add needs each committed). The drain reads up to 1,000 rows in id
// order, delivers them and deletes them in the same transaction.
const Database = require('better-sqlite3')
const { immediate } = require('../util')

const CHUNK = 1000

module.exports = {
  id: 'raw',
  label: 'raw better-sqlite3 12 (ceiling)',
  durability: 'WAL, synchronous=FULL',
  scenarios: ['addBurst', 'addSerial', 'drain'],

  async open(file) {
    const db = new Database(file)
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    db.exec('CREATE TABLE IF NOT EXISTS queue (id INTEGER PRIMARY KEY, job TEXT NOT NULL)')
    const insert = db.prepare('INSERT INTO queue (job) VALUES (?)')
    return {
      db,
      insert,
      insertMany: db.transaction((jobs) => {
        for (const job of jobs) insert.run(JSON.stringify(job))
      }),
      head: db.prepare('SELECT id, job FROM queue ORDER BY id LIMIT ?'),
      del: db.prepare('DELETE FROM queue WHERE id = ?'),
    }
  },
  close: async (h) => h.db.close(),

  async addBurst(h, jobs) {
    for (let i = 0; i < jobs.length; i += CHUNK) {
      h.insertMany(jobs.slice(i, i + CHUNK))
      await immediate()
    }
  },
  async addSerial(h, jobs) {
    for (const job of jobs) await h.insert.run(JSON.stringify(job))
  },
  fill: (h, jobs) => module.exports.addBurst(h, jobs),

  async drain(h, n, onJob) {
    const take = h.db.transaction(() => {
      const rows = h.head.all(CHUNK)
      for (const row of rows) {
        onJob(JSON.parse(row.job))
        h.del.run(row.id)
      }
      return rows.length
    })
    while (take() > 0) await immediate()
  },
}
