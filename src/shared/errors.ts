/** Error codes used in the current-dialect envelope and in IPC results (kebab-case). */
export type ErrorCode =
  | 'bad-request'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'method-not-allowed'
  | 'conflict'
  | 'payload-too-large'
  | 'unsupported-media-type'
  | 'too-many-requests'
  | 'service-unavailable'
  | 'internal-error'
  | 'incorrect-username-password'

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  409: 'conflict',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  429: 'too-many-requests',
  503: 'service-unavailable'
}

export function codeForStatus(status: number): ErrorCode {
  return CODE_BY_STATUS[status] ?? (status >= 500 ? 'internal-error' : 'bad-request')
}

/** An error a caller can act on: thrown by server code, shaped into the dialect's envelope by one handler. */
export class AppError extends Error {
  readonly status: number
  readonly code: ErrorCode
  constructor(status: number, message: string, code: ErrorCode = codeForStatus(status)) {
    super(message)
    this.name = 'AppError'
    this.status = status
    this.code = code
  }
}

export const badRequest = (message: string) => new AppError(400, message)
export const unauthorized = (message = 'Unauthorized') => new AppError(401, message)
export const forbidden = (message = 'Forbidden') => new AppError(403, message)
export const notFound = (message = 'Not found') => new AppError(404, message)
