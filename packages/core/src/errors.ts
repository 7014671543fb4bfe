/**
 * Typed errors of ix. Every error thrown by a public API is an IxError with a stable `code`,
 * so callers (CLI, server) can map them to exit codes / HTTP statuses without string matching.
 */
export type IxErrorCode =
  | 'UNKNOWN_DTYPE'
  | 'SHAPE_MISMATCH'
  | 'UNKNOWN_BACKEND'
  | 'BACKEND_UNAVAILABLE'
  | 'UNSUPPORTED_OP'
  | 'INVALID_ARGUMENT'
  | 'MODEL_FORMAT'
  | 'TOKENIZER'
  | 'CHAT_TEMPLATE'
  | 'CONTEXT_FULL'
  | 'ABORTED';

export class IxError extends Error {
  readonly code: IxErrorCode;
  constructor(code: IxErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

export class UnknownDTypeError extends IxError {
  constructor(dtype: unknown) {
    super('UNKNOWN_DTYPE', `unknown tensor type: ${JSON.stringify(dtype)}`);
  }
}

export class ShapeError extends IxError {
  constructor(message: string) {
    super('SHAPE_MISMATCH', message);
  }
}

export class UnknownBackendError extends IxError {
  constructor(name: string, known: readonly string[]) {
    super('UNKNOWN_BACKEND', `unknown backend "${name}" (registered: ${known.length ? known.join(', ') : 'none'})`);
  }
}

export class BackendUnavailableError extends IxError {
  constructor(name: string, reason: string) {
    super('BACKEND_UNAVAILABLE', `backend "${name}" is unavailable: ${reason}`);
  }
}

export class UnsupportedOpError extends IxError {
  constructor(op: string, detail: string) {
    super('UNSUPPORTED_OP', `no backend supports op "${op}" ${detail}`);
  }
}

export class InvalidArgumentError extends IxError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

/** A model file that cannot be read: names the file and what is wrong with it. */
export class ModelFormatError extends IxError {
  readonly file: string;
  constructor(file: string, problem: string, options?: { cause?: unknown }) {
    super('MODEL_FORMAT', `${file}: ${problem}`, options);
    this.file = file;
  }
}
