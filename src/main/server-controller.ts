import type { FastifyServerOptions } from 'fastify'
import { resolveConfig, type ServerConfig } from '../server/config'
import type { Sealer } from '../server/lib/seal'
import { StartupError, startServer, type RunningServer } from '../server/server'
import type { DesktopSettings, ServerProblemCode, ServerStatus } from '../shared/ipc'
import { findFreePort, tryListen } from './ports'
import { effectiveDataDir } from './settings'
import { countActiveVisitors } from './tray'

export interface ServerControllerOptions {
  userDataDir: string
  /** The built dashboard (out/renderer); absent in tests that only need the API. */
  staticDir?: string
  /**
   * better-sqlite3 binary built for Electron (scripts/desktop.mjs prepares it), passed on in the server
   * config to the main connection and the hit writer's worker.
   */
  nativeBinding?: string
  /**
   * Seals remote profiles' secrets for the data directory in use (src/main/sealer.ts: the OS keychain).
   * Passed to startServer as `sealer`.
   */
  sealerFor?: (dataDir: string) => Sealer
  logger?: FastifyServerOptions['logger']
  /** Environment for the settings the desktop has no UI for (DASHI_IGNORE_IP…), as in web mode. */
  env?: NodeJS.ProcessEnv
  now?: () => number
}

type Problem = NonNullable<ServerStatus['problem']>

/**
 * The embedded server's life in the desktop app: start with the saved settings (the same startServer
 * as `npm run serve`), report a busy port with a free one to offer instead of failing, restart with new
 * settings, and close (flushing the hit writer) on quit. Never throws for a start that fails: the status
 * says why.
 */
export class ServerController {
  readonly #options: ServerControllerOptions
  #running: RunningServer | null = null
  #problem: Problem | null = null
  #settings: DesktopSettings | null = null
  #queue: Promise<unknown> = Promise.resolve()

  constructor(options: ServerControllerOptions) {
    this.#options = options
  }

  get running(): RunningServer | null {
    return this.#running
  }

  /** Server operations run one at a time: a restart clicked twice must not start two servers. */
  #serial<T>(operation: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(operation, operation)
    this.#queue = next.catch(() => undefined)
    return next
  }

  configFor(settings: DesktopSettings): ServerConfig {
    const base = resolveConfig([], this.#options.env ?? {})
    return {
      ...base,
      port: settings.port,
      host: settings.host,
      dataDir: effectiveDataDir(settings, this.#options.userDataDir),
      ...(this.#options.nativeBinding ? { nativeBinding: this.#options.nativeBinding } : {})
    }
  }

  start(settings: DesktopSettings): Promise<ServerStatus> {
    return this.#serial(() => this.#start(settings))
  }

  restart(settings: DesktopSettings): Promise<ServerStatus> {
    return this.#serial(async () => {
      await this.#stop()
      return this.#start(settings)
    })
  }

  /** Closes the server: pending hits are written and the database closed before this resolves. */
  stop(): Promise<void> {
    return this.#serial(() => this.#stop())
  }

  async #stop(): Promise<void> {
    const running = this.#running
    this.#running = null
    if (running) await running.close()
  }

  async #start(settings: DesktopSettings): Promise<ServerStatus> {
    this.#settings = settings
    this.#problem = null
    if (settings.port !== 0) {
      // Asked first so the message can offer a free port; listen() below still catches a race.
      const probe = await tryListen(settings.port, settings.host)
      if (!probe.ok) return this.#fail(await this.#portProblem(settings, probe.code))
    }
    const config = this.configFor(settings)
    const startOptions: Parameters<typeof startServer>[1] = {
      logger: this.#options.logger ?? false,
      staticDir: this.#options.staticDir,
      now: this.#options.now,
      ...(this.#options.sealerFor ? { sealer: this.#options.sealerFor(config.dataDir) } : {})
    }
    try {
      this.#running = await startServer(config, startOptions)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EADDRINUSE' || code === 'EACCES') return this.#fail(await this.#portProblem(settings, code))
      if (error instanceof StartupError) return this.#fail({ code: 'lan-refused', message: error.message })
      return this.#fail({ code: 'start-failed', message: (error as Error).message ?? String(error) })
    }
    return this.status()
  }

  async #portProblem(settings: DesktopSettings, code: string): Promise<Problem> {
    const suggestedPort = await findFreePort(settings.host, settings.port).catch(() => undefined)
    const why =
      code === 'EACCES'
        ? `Port ${settings.port} on ${settings.host} needs administrator rights.`
        : code === 'EADDRNOTAVAIL'
          ? `${settings.host} is not an address of this computer.`
          : `Port ${settings.port} on ${settings.host} is already in use by another program.`
    const problemCode: ServerProblemCode = code === 'EADDRNOTAVAIL' ? 'start-failed' : 'port-busy'
    return problemCode === 'port-busy' && suggestedPort !== undefined
      ? { code: problemCode, message: `${why} Port ${suggestedPort} is free.`, suggestedPort }
      : { code: problemCode, message: why }
  }

  #fail(problem: Problem): ServerStatus {
    this.#running = null
    this.#problem = problem
    return this.status()
  }

  /** Where the server is and how many visitors are active now (read from its database). */
  status(): ServerStatus {
    const settings = this.#settings
    const running = this.#running
    const dataDir = settings ? effectiveDataDir(settings, this.#options.userDataDir) : this.#options.userDataDir
    return {
      running: running !== null,
      url: running?.url ?? null,
      host: settings?.host ?? '',
      port: running?.port ?? settings?.port ?? 0,
      dataDir,
      activeVisitors: running ? this.activeVisitors() ?? 0 : 0,
      problem: this.#problem
    }
  }

  /** Active visitors over all local websites, or null while stopped or when the database cannot answer. */
  activeVisitors(): number | null {
    const running = this.#running
    if (!running) return null
    try {
      return countActiveVisitors(running.db, (this.#options.now ?? Date.now)())
    } catch {
      return null
    }
  }
}
