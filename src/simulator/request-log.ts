import type { FaultKind, RouteId } from './faults';

export interface RequestLogEntry {
  /** Real time, ms since the epoch. */
  at: number;
  /** Simulated time, ms since the epoch. */
  simAt: number;
  method: string;
  /** Request-URI as received (path and query). */
  path: string;
  route: RouteId | 'unknown';
  /** HTTP status sent; 0 when the socket was destroyed instead (reset, commit-then-drop). */
  status: number;
  /** The fault injected, if any; `rateLimited` also covers an empty token bucket. */
  fault?: FaultKind;
  faultSource?: 'oneShot' | 'random' | 'bucket';
  groupId?: string;
  authenticated: boolean;
}

export interface RequestCounts {
  total: number;
  byRoute: Record<string, number>;
  byStatus: Record<string, number>;
  byRouteAndStatus: Record<string, Record<string, number>>;
  byFault: Record<string, number>;
}

const MAX_ENTRIES = 10_000;

/** Every API request (not `/__sim/` ones); entries are capped, counts are not. */
export class RequestLog {
  private entries: RequestLogEntry[] = [];
  private counts: RequestCounts = emptyCounts();

  record(entry: RequestLogEntry): void {
    this.entries.push(entry);
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
    const c = this.counts;
    const status = String(entry.status);
    c.total += 1;
    c.byRoute[entry.route] = (c.byRoute[entry.route] ?? 0) + 1;
    c.byStatus[status] = (c.byStatus[status] ?? 0) + 1;
    const perRoute = (c.byRouteAndStatus[entry.route] ??= {});
    perRoute[status] = (perRoute[status] ?? 0) + 1;
    if (entry.fault) c.byFault[entry.fault] = (c.byFault[entry.fault] ?? 0) + 1;
  }

  dump(): { entries: RequestLogEntry[]; counts: RequestCounts } {
    return { entries: this.entries.slice(), counts: structuredClone(this.counts) };
  }

  clear(): void {
    this.entries = [];
    this.counts = emptyCounts();
  }
}

function emptyCounts(): RequestCounts {
  return { total: 0, byRoute: {}, byStatus: {}, byRouteAndStatus: {}, byFault: {} };
}
