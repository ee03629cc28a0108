/**
 * An error thrown on a worker thread (the hit writer's, a read thread's), rebuilt from the name, message
 * and code that crossed as plain data: the code keeps SQLite's result code, which the error handler
 * (plugins/errors.ts) and db/faults.ts read.
 */
export function threadError(name: string, message: string, code: string | null): Error {
  const error = new Error(message) as Error & { code?: string }
  error.name = name
  if (code !== null) error.code = code
  return error
}
