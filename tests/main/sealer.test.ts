import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { desktopSealer, realKeychain } from '../../src/main/sealer'
import { memoryKeychain, tempUserData } from './main-helpers'

let dirs: ReturnType<typeof tempUserData>[] = []
afterEach(() => {
  for (const dir of dirs) dir.remove()
  dirs = []
})
const dataDir = () => {
  const dir = tempUserData()
  dirs.push(dir)
  return dir.dir
}

describe('desktop sealer for remote profiles', () => {
  it('seals with the OS keychain when there is one, and opens again', () => {
    const dir = dataDir()
    const sealer = desktopSealer(memoryKeychain(), dir, 'darwin')
    const blob = sealer.seal('remote-password-9')
    expect(blob[0]).toBe(0x02) // safeStorage-sealed
    expect(blob.toString('latin1')).not.toContain('remote-password-9')
    expect(sealer.open(blob)).toBe('remote-password-9')
    // The install-secret fallback was never needed, so nothing was written to the data directory.
    expect(existsSync(join(dir, 'secret'))).toBe(false)
  })

  it('Linux "basic_text" (a fixed public key) does not count: the data directory\'s own key is used', () => {
    const dir = dataDir()
    const keychain = memoryKeychain({ backend: 'basic_text' })
    expect(realKeychain(keychain, 'linux').isEncryptionAvailable()).toBe(false)
    expect(realKeychain(keychain, 'darwin').isEncryptionAvailable()).toBe(true)
    const sealer = desktopSealer(keychain, dir, 'linux')
    const blob = sealer.seal('api-key-123')
    expect(blob[0]).toBe(0x01) // the install-secret key
    expect(sealer.open(blob)).toBe('api-key-123')
  })

  it('blobs sealed with the fallback stay readable once a keychain appears', () => {
    const dir = dataDir()
    const before = desktopSealer(memoryKeychain({ available: false }), dir, 'linux').seal('x')
    expect(desktopSealer(memoryKeychain(), dir, 'linux').open(before)).toBe('x')
  })

  it('another keychain cannot open a blob, and says so', () => {
    const blob = desktopSealer(memoryKeychain(), dataDir(), 'darwin').seal('x')
    expect(() => desktopSealer(memoryKeychain(), dataDir(), 'darwin').open(blob)).toThrow(/keychain could not open/)
  })
})
