'use strict'
// Floor probe for the drain: raw better-sqlite3 12, one autocommit `DELETE ... RETURNING job` per
// job followed by a setImmediate, i.e. one SQLite commit and one event-loop turn per job, the
// least a queue that acks each job in its own transaction and delivers one job per turn can do.
// Durability: WAL, synchronous=NORMAL (what our acks use).
const Database = require('better-sqlite3')

module.exports = {
  id: 'floor-delete',
  label: 'floor: autocommit DELETE + setImmediate per job',
  durability: 'WAL, synchronous=NORMAL',
  scenarios: ['drain'],

  async open(file) {
    const db = new Database(file)
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.exec('CREATE TABLE IF NOT EXISTS queue (id INTEGER PRIMARY KEY, job TEXT NOT NULL)')
    return db
  },
  close: async (db) => db.close(),

  async fill(db, jobs) {
    const insert = db.prepare('INSERT INTO queue (job) VALUES (?)')
    db.transaction(() => {
      for (const job of jobs) insert.run(JSON.stringify(job))
    })()
  },

  async drain(db, n, onJob) {
    const del = db.prepare('DELETE FROM queue WHERE id = ? RETURNING job')
    let id = db.prepare('SELECT min(id) AS id FROM queue').get().id
    for (let i = 0; i < n; i++, id++) {
      onJob(JSON.parse(del.get(id).job))
      await new Promise((resolve) => setImmediate(resolve))
    }
  },
}
