import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { KeychainLike } from '../../src/main/sealer'
import { bearer, login } from '../helpers'

/** A fresh user data directory, removed by the returned function. */
export function tempUserData(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'dashi-userdata-'))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/**
 * Electron's safeStorage cannot run in Node; this keychain encrypts for real (AES-256-GCM with a key
 * held in memory, as the OS keychain holds safeStorage's), so sealed blobs can be checked for plaintext.
 */
export function memoryKeychain(options: { available?: boolean; backend?: string } = {}): KeychainLike {
  const key = randomBytes(32)
  return {
    isEncryptionAvailable: () => options.available ?? true,
    getSelectedStorageBackend: () => options.backend ?? 'gnome_libsecret',
    encryptString(plain) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', key, iv)
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
      return Buffer.concat([iv, cipher.getAuthTag(), body])
    },
    decryptString(data) {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12))
      decipher.setAuthTag(data.subarray(12, 28))
      return Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]).toString('utf8')
    }
  }
}

/** Changes the default admin's password through the API, as a user does before opening to the LAN. */
export async function changeAdminPassword(app: FastifyInstance, next = 'a-better-password'): Promise<void> {
  const token = await login(app)
  const res = await app.inject({
    method: 'POST',
    url: '/api/account/password',
    headers: bearer(token),
    payload: { user_id: 1, current_password: 'umami', new_password: next }
  })
  if (res.statusCode !== 200) throw new Error(`password change failed: ${res.statusCode} ${res.body}`)
}
