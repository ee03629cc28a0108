import type { Db } from './db/open'
import type { ServerConfig } from './config'
import type { Auth, AuthUser } from './auth'
import type { HitInspector } from './collect/inspector'
import type { HitWriter } from './collect/writer'
import type { ReadPool } from './reads/pool'
import type { Housekeeping } from './housekeeping'
import type { Sealer } from './lib/seal'

/** What every route and service of one running server shares. */
export interface AppContext {
  db: Db
  config: ServerConfig
  secret: string
  auth: Auth
  writer: HitWriter
  /** Runs the analytics reads off the event loop (worker threads with read-only connections). */
  reads: ReadPool
  /** Data retention and database upkeep; its schedule runs only in a started server (server.ts). */
  housekeeping: Housekeeping
  /** The last hits received, parsed, and why dropped ones were dropped (admin-only view). */
  inspector: HitInspector
  /** The server's clock; tests inject one to place hits at controlled times. */
  now: () => number
  /** True when a client address is on the ignore list. */
  isIgnoredIp: (ip: string) => boolean
  version: string
  /** Seals remote profiles' credentials and logins at rest: safeStorage on the desktop, the install key in web mode. */
  sealer: Sealer
}

export type Dialect = 'v1' | 'current'

declare module 'fastify' {
  interface FastifyInstance {
    ctx: AppContext
  }
  interface FastifyRequest {
    /** Resolved lazily by `currentUser`; undefined until then, null for anonymous. */
    authUser?: AuthUser | null
  }
  interface FastifyContextConfig {
    dialect?: Dialect
  }
}
