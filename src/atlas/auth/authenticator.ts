import type { HttpTransport, RawRequest, RawResponse } from '../http';

/** How a client proves who it is: adds credentials and makes whatever extra round trips its scheme needs. */
export interface Authenticator {
  /** Sends `request` with credentials and returns the final answer, a 401 included (the caller maps it). */
  send(transport: HttpTransport, request: RawRequest): Promise<RawResponse>;
  /** Values that must never appear in an error, even when a server echoes them. */
  readonly secrets: readonly string[];
  /** A sentence for a final 401 telling a person what to check. */
  readonly rejectedHint: string;
}
