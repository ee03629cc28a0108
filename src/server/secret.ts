import { createHmac, randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export const SECRET_FILE = 'secret'

/**
 * The per-install secret: 32 random bytes kept in the data directory, readable by the owner only.
 * Session ids, share tokens and cache tokens are all keyed from it, so it is never logged.
 */
export function loadOrCreateSecret(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true })
  const file = join(dataDir, SECRET_FILE)
  if (existsSync(file)) {
    const secret = readFileSync(file, 'utf8').trim()
    if (!/^[0-9a-f]{64}$/.test(secret)) throw new Error(`The install secret at ${file} is damaged (expected 64 hex characters).`)
    return secret
  }
  const secret = randomBytes(32).toString('hex')
  writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' })
  chmodSync(file, 0o600)
  return secret
}

/** A key for one purpose, so that a token of one kind can never pass as another. */
export function deriveKey(secret: string, purpose: string): string {
  return createHmac('sha256', secret).update(purpose).digest('hex')
}
