import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'

/**
 * Writes JSON so that a crash or power loss leaves either the old file or the new one, never half of
 * each: write a temporary file next to it, fsync it, then rename it over the target (atomic on one
 * file system). `mode` 0o600 keeps files with secrets private to the user.
 */
export function writeJsonAtomic(file: string, value: unknown, mode = 0o644): void {
  mkdirSync(dirname(file), { recursive: true })
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`
  const fd = openSync(temp, 'w', mode)
  try {
    writeSync(fd, `${JSON.stringify(value, null, 2)}\n`)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  try {
    renameSync(temp, file)
  } catch (error) {
    rmSync(temp, { force: true })
    throw error
  }
}

export type JsonRead = { state: 'missing' } | { state: 'ok'; value: unknown } | { state: 'unreadable'; reason: string }

/** Reads a JSON file without throwing: missing, parsed, or why it could not be used. */
export function readJson(file: string): JsonRead {
  let raw: string
  try {
    raw = readFileSync(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return { state: 'missing' }
    return { state: 'unreadable', reason: `cannot read ${file} (${code ?? String(error)})` }
  }
  try {
    return { state: 'ok', value: JSON.parse(raw) as unknown }
  } catch (error) {
    return { state: 'unreadable', reason: `${file} is not valid JSON (${(error as Error).message})` }
  }
}
