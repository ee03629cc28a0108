// A read pool worker thread (see ./pool.ts): one read-only connection, one read at a time.
//   in:  { id, name, args }    a read of ./registry.ts and its arguments after the connection
//        { id, checkpoint: true }  checkpoint and empty the WAL (checkpointWal), on a read-write connection
//                                  opened for it on first use; the pool sends it while no long read runs
//   out: { id, value }         its result (a checkpoint's: CheckpointResult)
//        { id, error }         what it threw, as plain data (pool.ts turns it back into an error)
import { parentPort, workerData } from 'node:worker_threads'
import type { Db } from '../db/open'
import { checkpointWal, openCheckpointConnection, openReadConnection } from '../db/read-connection'
import { type ReadName, runRead } from './registry'
import type { ReadError, WorkerRequest } from './pool'

const { file, nativeBinding } = workerData as { file: string; nativeBinding?: string }
const db = openReadConnection({ file, nativeBinding })
let checkpointDb: Db | undefined

function readError(error: unknown): ReadError {
  const e = error as { name?: unknown; message?: unknown; code?: unknown; status?: unknown }
  return {
    name: typeof e?.name === 'string' ? e.name : 'Error',
    message: typeof e?.message === 'string' ? e.message : String(error),
    code: typeof e?.code === 'string' ? e.code : null,
    status: typeof e?.status === 'number' ? e.status : null
  }
}

parentPort!.on('message', (request: WorkerRequest) => {
  let reply
  try {
    if ('checkpoint' in request) {
      checkpointDb ??= openCheckpointConnection({ file, nativeBinding })
      reply = { id: request.id, value: checkpointWal(checkpointDb) }
    } else {
      reply = { id: request.id, value: runRead(db, request.name as ReadName, request.args as never) }
    }
  } catch (error) {
    reply = { id: request.id, error: readError(error) }
  }
  parentPort!.postMessage(reply)
})
