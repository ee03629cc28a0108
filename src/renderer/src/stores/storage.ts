/**
 * Where stores keep what outlives a page load (the login token, preferences). The browser's
 * localStorage by default; an in-memory map where there is none (Node tests, sandboxed frames where
 * touching localStorage throws). Tests pass their own with `setStorage`.
 */
export interface KeyValueStorage {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

export function memoryStorage(initial: Record<string, string> = {}): KeyValueStorage {
  const map = new Map(Object.entries(initial))
  return {
    getItem: (key) => map.get(key) ?? null,
    setItem: (key, value) => void map.set(key, value),
    removeItem: (key) => void map.delete(key)
  }
}

function browserStorage(): KeyValueStorage | undefined {
  try {
    // Through globalThis: these stores also run (and typecheck) in Node tests, where there is no DOM.
    return (globalThis as { localStorage?: KeyValueStorage }).localStorage
  } catch {
    // Reading `localStorage` throws a SecurityError in sandboxed frames: the session then lives in memory.
    return undefined
  }
}

let current: KeyValueStorage | undefined

export function useStorage(): KeyValueStorage {
  current ??= browserStorage() ?? memoryStorage()
  return current
}

export function setStorage(storage: KeyValueStorage): void {
  current = storage
}

/** Storage keys, in one place so that nothing else collides with them. */
export const STORAGE_KEYS = {
  token: 'dashi.token',
  prefs: 'dashi.prefs'
} as const
