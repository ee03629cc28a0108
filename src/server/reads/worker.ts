// A read pool worker thread (see ./pool.ts): one read-only connection, one read at a time.
//   in:  { id, name, args }    a read of ./registry.ts and its arguments after the connection
//   out: { id, value }         its result
//        { id, error }         what it threw, as plain data (pool.ts turns it back into an error)
import { parentPort, workerData } from 'node:worker_threads'
import { openReadConnection } from '../db/read-connection'
import { type ReadName, runRead } from './registry'
import type { ReadError, ReadRequest } from './pool'

const { file, nativeBinding } = workerData as { file: string; nativeBinding?: string }
const db = openReadConnection({ file, nativeBinding })

function readError(error: unknown): ReadError {
  const e = error as { name?: unknown; message?: unknown; code?: unknown; status?: unknown }
  return {
    name: typeof e?.name === 'string' ? e.name : 'Error',
    message: typeof e?.message === 'string' ? e.message : String(error),
    code: typeof e?.code === 'string' ? e.code : null,
    status: typeof e?.status === 'number' ? e.status : null
  }
}

parentPort!.on('message', ({ id, name, args }: ReadRequest) => {
  let reply
  try {
    reply = { id, value: runRead(db, name as ReadName, args as never) }
  } catch (error) {
    reply = { id, error: readError(error) }
  }
  parentPort!.postMessage(reply)
})
