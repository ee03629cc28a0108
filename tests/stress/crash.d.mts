// Types of crash.mjs for the TypeScript test that runs one crash cycle (tests/server/crash-durability.test.ts).
export declare const SERVER_ENTRY: string

export declare function ensureBuilt(): void

export interface CrashCycle {
  cycle: number
  killAfterMs: number
  sent: number
  acked: number
  statusCounts: Record<string, number>
  errors: number
}

export interface CrashResult {
  cycles: CrashCycle[]
  sent: number
  acknowledged: number
  ackedStored: number
  storedHits: number
  storedNotAcknowledged: number
  rows: number
  lost: string[]
  duplicates: string[]
  integrity: string
  foreignKeyViolations: number
  restart: { code: number | null; killed: boolean; integrity: string; lost: number; rows: number }
}

export declare function runCrashCycles(options?: {
  cycles?: number
  connections?: number
  minMs?: number
  maxMs?: number
  seed?: number
  log?: (line: string) => void
}): Promise<CrashResult>

export declare function passed(result: CrashResult): boolean

export declare function inspectDatabase(file: string): { ids: Map<string, number>; rows: number; integrity: string; foreignKeyViolations: number }
