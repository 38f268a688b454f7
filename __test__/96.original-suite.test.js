'use strict'
// The original library's own mocha suite (node-persistent-queue 1.0.3, test/test.js of its npm
// package) against this package, through `npm run test:original`: every test passes but the one
// whose behaviour changes on purpose (README, Migrating). Needs the npm registry (npm pack).
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

test("node-persistent-queue's own suite passes against this package, but for the one named test", () => {
  const r = spawnSync(process.execPath, [path.join(__dirname, '..', 'scripts', 'test-original.js')], { encoding: 'utf8', timeout: 300000 })
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`)
  assert.match(r.stdout, /test\/test\.js against this package: 29 of 29 passing, 0 failing/)
  assert.match(r.stdout, /not run: "should throw on bad json stored in db"/)
})
