// Child processes and temp dirs for the benchmark, with cleanup that runs on every way out
// (normal end, error, Ctrl-C, SIGTERM).
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const children = new Set()
const tempDirs = new Set()

function cleanupSync() {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill('SIGKILL')
      } catch {}
    }
  }
  children.clear()
  for (const dir of tempDirs) {
    try {
      rmSync(dir, { recursive: true, force: true })
    } catch {}
  }
  tempDirs.clear()
}

let installed = false
/** Installs the exit hooks once. `onSignal` runs first on SIGINT/SIGTERM (e.g. to stop the load generator). */
export function installCleanup(onSignal = () => {}) {
  if (installed) return
  installed = true
  process.on('exit', cleanupSync)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      console.error(`\nbench: ${signal}, cleaning up`)
      try {
        onSignal()
      } catch {}
      cleanupSync()
      process.exit(signal === 'SIGINT' ? 130 : 143)
    })
  }
  process.on('uncaughtException', (error) => {
    console.error('bench: uncaught exception:', error)
    cleanupSync()
    process.exit(1)
  })
  process.on('unhandledRejection', (error) => {
    console.error('bench: unhandled rejection:', error)
    cleanupSync()
    process.exit(1)
  })
}

export function makeTempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  tempDirs.add(dir)
  return dir
}

export function removeTempDir(dir) {
  rmSync(dir, { recursive: true, force: true })
  tempDirs.delete(dir)
}

/**
 * Spawns `node <args>` and resolves once a stdout line matches `readyPattern` (its first group is the port).
 * Output is drained continuously (a full pipe would stall the server); the last lines are kept for error
 * messages, and JSON log lines (pino) are counted by level.
 */
export function startNode(args, { env = process.env, cwd, readyPattern = /http:\/\/127\.0\.0\.1:(\d+)/, readyTimeoutMs = 30_000, name = 'child' } = {}) {
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  const tail = []
  const logLevels = {}
  const warnings = []
  const keep = (line) => {
    tail.push(line)
    if (tail.length > 40) tail.shift()
    if (line.startsWith('{')) {
      try {
        const { level, msg } = JSON.parse(line)
        if (level !== undefined) logLevels[level] = (logLevels[level] ?? 0) + 1
        if (level >= 40 && warnings.length < 5) warnings.push(String(msg).slice(0, 120))
      } catch {}
    }
  }
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      children.delete(child)
      resolve({ code, signal })
    })
  })
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not print its ready line within ${readyTimeoutMs} ms:\n${tail.join('\n')}`)), readyTimeoutMs)
    const lines = (stream, onLine) => {
      let buffered = ''
      stream.setEncoding('utf8')
      stream.on('data', (chunk) => {
        buffered += chunk
        let at
        while ((at = buffered.indexOf('\n')) !== -1) {
          onLine(buffered.slice(0, at))
          buffered = buffered.slice(at + 1)
        }
      })
    }
    let isReady = false
    lines(child.stdout, (line) => {
      keep(line)
      const match = !isReady && readyPattern.exec(line)
      if (match) {
        isReady = true
        clearTimeout(timer)
        resolve({ port: Number(match[1]), url: `http://127.0.0.1:${match[1]}` })
      }
    })
    lines(child.stderr, keep)
    exited.then(({ code, signal }) => {
      clearTimeout(timer)
      if (!isReady) reject(new Error(`${name} exited (code ${code}, signal ${signal}) before it was ready:\n${tail.join('\n')}`))
    })
  })
  return {
    child,
    ready,
    exited,
    tail,
    logLevels,
    warnings,
    /** SIGTERM, then SIGKILL after `graceMs`; resolves with how it ended. */
    async stop(graceMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode, killed: false, ms: 0 }
      const started = performance.now()
      child.kill('SIGTERM')
      let timer
      const timedOut = new Promise((resolve) => (timer = setTimeout(() => resolve(null), graceMs)))
      const result = await Promise.race([exited, timedOut])
      clearTimeout(timer)
      if (result) return { ...result, killed: false, ms: performance.now() - started }
      child.kill('SIGKILL')
      return { ...(await exited), killed: true, ms: performance.now() - started }
    }
  }
}

/** A /proc/<pid>/status field in kB (VmRSS, VmHWM…), or null once the process is gone. */
export function procStatusKb(pid, field) {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Number(match[1]) : null
  } catch {
    return null
  }
}

/** Samples VmRSS of `pid` every `everyMs`; stop() returns the peak and the last sample (kB). */
export function sampleRss(pid, everyMs = 500) {
  let peak = procStatusKb(pid, 'VmRSS') ?? 0
  let last = peak
  let samples = 1
  const timer = setInterval(() => {
    const kb = procStatusKb(pid, 'VmRSS')
    if (kb === null) return
    samples++
    last = kb
    if (kb > peak) peak = kb
  }, everyMs)
  return {
    stop() {
      clearInterval(timer)
      return { peakKb: peak, lastKb: last, samples }
    }
  }
}

/** CPU time (user + system, ms) a process has used so far, from /proc/<pid>/stat; null once it is gone. */
export function procCpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // fields[11] = utime, fields[12] = stime (fields 14 and 15 of proc(5)), in clock ticks (100 Hz on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100
  } catch {
    return null
  }
}

/** Busy and total CPU time of the whole machine (ms, all CPUs), from /proc/stat. */
export function machineCpuMs() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields
  const busy = user + nice + system + irq + softirq + steal
  return { busyMs: busy * 10, totalMs: (busy + idle + iowait) * 10 }
}

/** A JSON request to a Dashi server (Bearer `token` when given); throws with the status and body unless 2xx. */
export async function api(base, method, path, body, token) {
  const response = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await response.text()
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${text.slice(0, 300)}`)
  return JSON.parse(text)
}

/** Logs in as the fresh server's admin and adds a website to send hits to; its UUID. */
export async function benchWebsite(base, name) {
  const { token } = await api(base, 'POST', '/api/auth/login', { username: 'admin', password: 'umami' })
  const website = await api(base, 'POST', '/api/website', { name, domain: 'www.example.com' }, token)
  if (!website.website_uuid) throw new Error(`POST /api/website returned no website_uuid: ${JSON.stringify(website)}`)
  return website.website_uuid
}
