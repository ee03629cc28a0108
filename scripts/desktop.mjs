// `npm start`: the desktop app, from a fresh checkout, on a machine with internet.
//
// 1. Builds (electron-vite build) when the build is missing or older than the sources, as `npm run serve`.
// 2. Gets the Electron binary (the electron package downloads it on first use; npm installs can skip that).
// 3. Prepares better-sqlite3 for Electron. The copy in node_modules stays built for Node (tests and web
//    mode need it), so the Electron build goes to .dashi-native/electron-v<version>-<platform>-<arch>/:
//    a prebuilt binary for that Electron (prebuild-install, already a dependency of better-sqlite3), else a
//    compile against Electron's headers (node-gyp, bundled with npm; needs a C++ toolchain). Done once
//    per Electron version; the app is told where it is by DASHI_SQLITE_BINDING.
// 4. Runs Electron on this directory (package.json "main" = out/main/index.js) and passes its exit code on.
//
// Flags: --rebuild-native forces step 3 again; everything after `--` goes to Electron.
import { spawn, spawnSync } from 'node:child_process'
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { build, isStale, root } from './build.mjs'

const require = createRequire(join(root, 'package.json'))
const args = process.argv.slice(2)
const forceNative = args.includes('--rebuild-native')
const passThrough = args.includes('--') ? args.slice(args.indexOf('--') + 1) : []

function fail(message) {
  console.error(`\n${message}`)
  process.exit(1)
}

function run(command, commandArgs, options = {}) {
  const result = spawnSync(command, commandArgs, { stdio: 'inherit', ...options })
  return result.status === 0
}

// 1. Build when stale.
const entry = join(root, 'out/main/index.js')
if (isStale(entry)) {
  console.error('Building Dashi (electron-vite build)…')
  if (!build({ verbose: true })) fail('The build failed; see the errors above.')
}

// 2. The Electron binary (require('electron') in Node returns its path, downloading it when missing).
let electronBinary
try {
  electronBinary = require('electron')
} catch (error) {
  fail(`The Electron binary is missing and could not be downloaded (${error.message}).\nWith internet access, run: node node_modules/electron/install.js`)
}
const electronVersion = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version

// 3. better-sqlite3 for Electron, next to (not instead of) the Node build.
const nativeDir = join(root, '.dashi-native', `electron-v${electronVersion}-${process.platform}-${process.arch}`)
const binding = join(nativeDir, 'better_sqlite3.node')
if (forceNative || !existsSync(binding)) {
  console.error(`Preparing better-sqlite3 for Electron ${electronVersion} (${process.platform}-${process.arch}), once…`)
  const source = dirname(require.resolve('better-sqlite3/package.json'))
  const work = join(root, '.dashi-native', 'work', 'better-sqlite3')
  rmSync(work, { recursive: true, force: true })
  // A copy without the Node build, so nothing in node_modules is touched.
  cpSync(source, work, { recursive: true, filter: (path) => !path.startsWith(join(source, 'build')) })
  const built = join(work, 'build', 'Release', 'better_sqlite3.node')
  const prebuildInstall = require.resolve('prebuild-install/bin.js')
  const prebuilt = run(process.execPath, [prebuildInstall, '--runtime', 'electron', '--target', electronVersion, '--arch', process.arch, '--platform', process.platform], { cwd: work })
  if (!prebuilt || !existsSync(built)) {
    console.error('No prebuilt binary for this Electron; compiling against its headers (needs python3, make and a C++ compiler)…')
    const npmGyp = process.env.npm_config_node_gyp ?? (process.env.npm_execpath ? join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js') : null)
    const gypArgs = ['rebuild', '--release', `--target=${electronVersion}`, `--arch=${process.arch}`, '--dist-url=https://electronjs.org/headers']
    const compiled = npmGyp && existsSync(npmGyp) ? run(process.execPath, [npmGyp, ...gypArgs], { cwd: work }) : run('npx', ['--yes', 'node-gyp', ...gypArgs], { cwd: work, shell: process.platform === 'win32' })
    if (!compiled || !existsSync(built)) fail('Could not build better-sqlite3 for Electron; see the errors above.')
  }
  mkdirSync(nativeDir, { recursive: true })
  copyFileSync(built, binding)
  rmSync(join(root, '.dashi-native', 'work'), { recursive: true, force: true })
}

// 4. Electron, with signals passed on so Ctrl+C quits the app cleanly (it flushes pending hits on quit).
const child = spawn(electronBinary, [root, ...passThrough], {
  stdio: 'inherit',
  env: { ...process.env, DASHI_SQLITE_BINDING: binding, ELECTRON_RUN_AS_NODE: undefined }
})
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
