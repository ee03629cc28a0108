import { loadOrCreateSecret } from '../server/secret'
import { keySealer, safeStorageSealer, type SafeStorageLike, type Sealer } from '../server/lib/seal'

/**
 * The sealer the desktop gives the embedded server for remote profiles' secrets: the OS keychain
 * (Electron's safeStorage) where there is one, else the install-secret key of web mode.
 */

/** Electron's safeStorage reduced to what the server needs, plus the Linux backend name when known. */
export interface KeychainLike extends SafeStorageLike {
  getSelectedStorageBackend?: () => string
}

/**
 * On Linux without a keyring, safeStorage says it is available but encrypts with a fixed, public key
 * ("basic_text"): that is no protection, so the install-secret key (private to this data directory) is
 * used instead.
 */
export function realKeychain(storage: KeychainLike, platform: NodeJS.Platform = process.platform): SafeStorageLike {
  return {
    isEncryptionAvailable: () => storage.isEncryptionAvailable() && !(platform === 'linux' && storage.getSelectedStorageBackend?.() === 'basic_text'),
    encryptString: (text) => storage.encryptString(text),
    decryptString: (encrypted) => storage.decryptString(encrypted)
  }
}

/**
 * The sealer for one data directory. The fallback key is made on first use only, so choosing a data
 * directory writes nothing there before the server itself starts (startServer opens the database first).
 */
export function desktopSealer(storage: KeychainLike, dataDir: string, platform: NodeJS.Platform = process.platform): Sealer {
  let fallback: Sealer | undefined
  const lazy: Sealer = {
    seal: (text) => (fallback ??= keySealer(loadOrCreateSecret(dataDir))).seal(text),
    open: (sealed) => (fallback ??= keySealer(loadOrCreateSecret(dataDir))).open(sealed)
  }
  return safeStorageSealer(realKeychain(storage, platform), lazy)
}
