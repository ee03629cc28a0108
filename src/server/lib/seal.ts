import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { deriveKey } from '../secret'

/**
 * Seals secrets at rest (remote profiles' passwords, API keys and login tokens). The desktop shell passes
 * one backed by Electron's `safeStorage` (the OS keychain); web mode uses `keySealer`, whose key comes from
 * the install secret in the data directory, so a copy of the database alone opens nothing.
 */
export interface Sealer {
  seal(text: string): Buffer
  /** Throws `SealError` when the blob was sealed by another key (another install, another OS user). */
  open(sealed: Buffer): string
}

export class SealError extends Error {
  override name = 'SealError'
}

/** The first byte of a blob says which sealer made it, so a blob is never handed to the wrong one. */
const AES_GCM = 0x01
const SAFE_STORAGE = 0x02
const IV_BYTES = 12
const TAG_BYTES = 16

/** AES-256-GCM with a key derived from the install secret for this purpose only. */
export function keySealer(secret: string): Sealer {
  const key = Buffer.from(deriveKey(secret, 'profile-seal'), 'hex')
  return {
    seal(text) {
      const iv = randomBytes(IV_BYTES)
      const cipher = createCipheriv('aes-256-gcm', key, iv)
      const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()])
      return Buffer.concat([Buffer.from([AES_GCM]), iv, cipher.getAuthTag(), body])
    },
    open(sealed) {
      if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== AES_GCM) throw new SealError('This secret was not sealed with this server’s key.')
      const iv = sealed.subarray(1, 1 + IV_BYTES)
      const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES)
      const decipher = createDecipheriv('aes-256-gcm', key, iv)
      decipher.setAuthTag(tag)
      try {
        return Buffer.concat([decipher.update(sealed.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8')
      } catch {
        // GCM's tag check: another install's key, or a damaged blob.
        throw new SealError('This secret was sealed with another key (another installation or data directory).')
      }
    }
  }
}

/** The part of Electron's `safeStorage` a sealer needs (typed here: server code never imports electron). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean
  encryptString(text: string): Buffer
  decryptString(encrypted: Buffer): string
}

/**
 * A sealer over Electron's `safeStorage`. Where the OS offers no keychain (`isEncryptionAvailable()` false,
 * e.g. Linux without a secret service) it falls back to `fallback`, and blobs keep saying which one sealed
 * them, so blobs sealed either way stay readable.
 */
export function safeStorageSealer(storage: SafeStorageLike, fallback: Sealer): Sealer {
  return {
    seal(text) {
      if (!storage.isEncryptionAvailable()) return fallback.seal(text)
      return Buffer.concat([Buffer.from([SAFE_STORAGE]), storage.encryptString(text)])
    },
    open(sealed) {
      if (sealed[0] !== SAFE_STORAGE) return fallback.open(sealed)
      try {
        return storage.decryptString(sealed.subarray(1))
      } catch {
        throw new SealError('The system keychain could not open this secret (another user or machine sealed it).')
      }
    }
  }
}
