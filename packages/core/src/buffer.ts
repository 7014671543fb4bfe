/** A region of memory owned by a backend. Its contents are only reachable through the backend. */
export interface BackendBuffer {
  readonly backend: string;
  readonly byteLength: number;
}
