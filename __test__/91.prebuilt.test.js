'use strict'
// The prebuilt binary, as a user gets it: the platform package (npm/<platform>/ with the release
// addon in it) and the main package, each made by `npm pack`, installed from their tarballs into an
// empty app, with no network (--offline, an empty npm cache) and no cargo on PATH. The main
// package's manifest gets `optionalDependencies` on every platform package, as `napi prepublish`
// writes them when publishing: those of other platforms cannot be fetched and must be skipped.
// - with --ignore-scripts (pnpm 10 by default): require() and import() load the prebuilt binary,
//   and a queue adds and consumes a job;
// - with install scripts: the install script sees that the prebuilt binary loads and builds nothing;
// - without the platform package: the install script says, in one line, why it builds from source,
//   what that needs and how to skip it (and fails here, as cargo is not on PATH).
// Skipped when the release addon (`npm run build`, or a CI artifact) is not next to binding.js.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { tempDir } = require('./helpers')
const { platformArchAbi } = require('../scripts/build-if-missing')

const root = path.join(__dirname, '..')
const abi = platformArchAbi()
const addon = path.join(root, `sqlite-persistent-queue.${abi}.node`)
const platformDir = path.join(root, 'npm', abi)
const isWindows = process.platform === 'win32'

/** The full path of `name` on `searchPath` (a PATH value), or null. */
function which(name, searchPath) {
  const exts = isWindows ? ['.cmd', '.exe', ''] : ['']
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    for (const ext of exts) {
      const file = path.join(dir, name + ext)
      if (fs.statSync(file, { throwIfNoEntry: false })?.isFile()) return file
    }
  }
  return null
}

/** PATH without the folders that hold cargo, with node's own folder first (npm and scripts need node). */
function pathWithoutCargo() {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter((dir) => dir && !which('cargo', dir))
  return [path.dirname(process.execPath), ...dirs].join(path.delimiter)
}

/**
 * Runs npm in `cwd` with `env`; never throws on a failed run.
 * @returns {{status: number | null, stdout: string, output: string}} exit status, stdout, and stdout+stderr
 */
function npm(cwd, args, env) {
  const cmd = which('npm', env.PATH ?? '') ?? 'npm'
  // npm.cmd needs a shell on Windows, which needs the quotes (paths with spaces).
  const [file, argv] = isWindows ? [`"${cmd}"`, args.map((a) => `"${a}"`)] : [cmd, args]
  const r = spawnSync(file, argv, { cwd, env, encoding: 'utf8', shell: isWindows, timeout: 60_000 })
  if (r.error) throw r.error
  return { status: r.status, stdout: r.stdout, output: `${r.stdout}${r.stderr}` }
}

/** `npm pack` of `dir` into `dest`; returns the tarball's path. */
function pack(dir, dest, env) {
  const r = npm(dir, ['pack', '--json', '--ignore-scripts', '--pack-destination', dest], env)
  assert.equal(r.status, 0, r.output)
  const [{ filename }] = JSON.parse(r.stdout)
  return path.join(dest, filename)
}

test('the prebuilt platform package installs with the main package, offline and without cargo, and works', async (t) => {
  if (!fs.existsSync(platformDir)) return t.skip(`no prebuilt package for ${abi} (npm/${abi} does not exist)`)
  if (!fs.existsSync(addon)) return t.skip(`the release addon ${path.basename(addon)} is not built: run \`npm run build\``)

  const { dir } = tempDir(t)
  // Nothing from the caller's npm run (npm_config_*) or addon overrides (NAPI_RS_*, SPQ_*): the
  // app loads what npm installed. An empty npm cache: nothing can come from an earlier download.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm_|NAPI_RS_|SPQ_)/i.test(key)))
  Object.assign(env, { PATH: pathWithoutCargo(), npm_config_cache: path.join(dir, 'npm-cache'), npm_config_update_notifier: 'false' })
  assert.equal(which('cargo', env.PATH ?? ''), null, 'cargo is still on PATH')
  const tarballs = path.join(dir, 'tarballs')
  fs.mkdirSync(tarballs)

  // The platform package: npm/<platform>/ (from `napi create-npm-dirs`) plus the addon, as
  // `napi artifacts` puts it there.
  const platformStage = path.join(dir, 'platform')
  fs.cpSync(platformDir, platformStage, { recursive: true })
  const platformPkg = JSON.parse(fs.readFileSync(path.join(platformStage, 'package.json'), 'utf8'))
  assert.equal(platformPkg.main, path.basename(addon))
  fs.copyFileSync(addon, path.join(platformStage, platformPkg.main))
  const platformTarball = pack(platformStage, tarballs, env)

  // The main package, as published: what `npm pack` ships, with the optionalDependencies that
  // `napi prepublish` adds (one per folder of npm/, at the package's version).
  const rootPkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))
  const listed = npm(root, ['pack', '--dry-run', '--json', '--ignore-scripts'], env)
  assert.equal(listed.status, 0, listed.output)
  const [{ files }] = JSON.parse(listed.stdout)
  const mainStage = path.join(dir, 'main')
  for (const { path: file } of files) {
    fs.mkdirSync(path.dirname(path.join(mainStage, file)), { recursive: true })
    fs.copyFileSync(path.join(root, file), path.join(mainStage, file))
  }
  const platforms = fs.readdirSync(path.join(root, 'npm'))
  assert.equal(platforms.length, rootPkg.napi.targets.length, 'npm/ has one folder per napi target')
  const optionalDependencies = Object.fromEntries(
    platforms.map((p) => [JSON.parse(fs.readFileSync(path.join(root, 'npm', p, 'package.json'), 'utf8')).name, rootPkg.version]),
  )
  assert.equal(optionalDependencies[platformPkg.name], rootPkg.version)
  fs.writeFileSync(path.join(mainStage, 'package.json'), `${JSON.stringify({ ...rootPkg, optionalDependencies }, null, 2)}\n`)
  const mainTarball = pack(mainStage, tarballs, env)

  const install = (name, args) => {
    const app = path.join(dir, name)
    fs.mkdirSync(app)
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true }))
    return { app, ...npm(app, ['install', '--offline', '--no-audit', '--no-fund', ...args], env) }
  }

  // What a program of the user does: CommonJS and ESM entry points, a job added and consumed.
  const smoke = `
    const Q = require('sqlite-persistent-queue')
    ;(async () => {
      const { default: M, PersistentQueue } = await import('sqlite-persistent-queue')
      let binding = 'exported'
      try { require('sqlite-persistent-queue/binding') } catch (err) { binding = err.code }
      const q = new Q('')
      await q.open()
      const id = await q.add({ hello: 'world' })
      const seen = []
      q.on('next', (task) => { seen.push(task); q.done() })
      await new Promise((resolve) => { q.once('empty', resolve); q.start() })
      await q.close()
      const native = require(${JSON.stringify(platformPkg.name)})
      console.log(JSON.stringify({
        esm: M === Q && PersistentQueue === Q,
        binding,
        id,
        seen,
        loaded: Object.keys(require.cache).filter((f) => f.endsWith('.node')).map((f) => require('node:path').relative(process.cwd(), f)),
        helpers: ['execScript', 'probeNoop'].filter((f) => f in native),
      }))
    })()`

  await t.test('npm install --ignore-scripts: require() and import() load the prebuilt binary', () => {
    const { app, status, output } = install('app-ignore-scripts', ['--ignore-scripts', mainTarball, platformTarball])
    assert.equal(status, 0, output)
    const r = spawnSync(process.execPath, ['-e', smoke], { cwd: app, env, encoding: 'utf8', timeout: 30_000 })
    assert.equal(r.status, 0, r.stderr)
    assert.deepEqual(JSON.parse(r.stdout), {
      esm: true,
      binding: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
      id: 1,
      seen: [{ id: 1, job: { hello: 'world' } }],
      loaded: [path.join('node_modules', platformPkg.name, platformPkg.main)],
      helpers: [],
    })
    // Only this platform's package was installed; the other optional dependencies were skipped.
    const installed = fs.readdirSync(path.join(app, 'node_modules')).filter((f) => f.startsWith('sqlite-persistent-queue'))
    assert.deepEqual(installed.sort(), ['sqlite-persistent-queue', platformPkg.name])
  })

  await t.test('npm install with scripts: the install script finds the prebuilt binary and builds nothing', () => {
    const { app, status, output } = install('app-scripts', ['--foreground-scripts', mainTarball, platformTarball])
    assert.equal(status, 0, output)
    assert.doesNotMatch(output, /building the native addon/)
    const pkgDir = path.join(app, 'node_modules', 'sqlite-persistent-queue')
    assert.deepEqual(
      fs.readdirSync(pkgDir).filter((f) => f.endsWith('.node')),
      [],
      'the install script built an addon',
    )
  })

  await t.test('npm install with scripts and no prebuilt binary: one line says why it builds and how to skip', () => {
    const { status, output } = install('app-no-prebuilt', ['--foreground-scripts', mainTarball])
    assert.notEqual(status, 0, 'the install succeeded without cargo and without a prebuilt binary')
    const announce = output.split('\n').find((line) => line.includes('building the native addon from source because'))
    assert.ok(announce, output)
    assert.match(announce, new RegExp(`prebuilt binary for ${abi}`))
    assert.match(announce, /needs Rust/)
    assert.match(announce, /SPQ_SKIP_BUILD=1|--ignore-scripts/)
    assert.match(output, /cargo was not found on PATH/)
  })
})
