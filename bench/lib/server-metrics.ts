import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/**
 * The dev server's Prometheus endpoint. `temporal server start-dev` picks a random metrics port and only
 * prints it at start, so it is found from the outside: the TCP ports the server process listens on
 * (Linux /proc), probed for a `/metrics` page that has the server's `action` counter.
 */
export async function findServerMetricsUrl(pid: number): Promise<string | undefined> {
  for (const port of listeningPorts(pid)) {
    const url = `http://127.0.0.1:${port}/metrics`;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok && (await response.text()).includes('# TYPE')) return url;
    } catch {
      // gRPC and UI ports do not speak plain HTTP/1 GET; keep probing.
    }
  }
  return undefined;
}

function listeningPorts(pid: number): number[] {
  let inodes: Set<string>;
  try {
    inodes = new Set(
      readdirSync(`/proc/${pid}/fd`)
        .map((fd) => {
          try {
            return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
          } catch {
            return undefined;
          }
        })
        .filter((inode): inode is string => inode !== undefined),
    );
  } catch {
    return [];
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let lines: string[];
    try {
      lines = readFileSync(table, 'utf8').split('\n').slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      const fields = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT, st 0A = LISTEN, inode is the 10th field.
      if (fields[3] === '0A' && fields[9] && inodes.has(fields[9])) {
        ports.add(parseInt(fields[1]!.split(':')[1]!, 16));
      }
    }
  }
  return [...ports];
}

/** Billable-action counters of one namespace, by the server's `action_type` label. */
export type ActionCounts = Record<string, number>;

export async function readActionCounts(metricsUrl: string, namespace: string): Promise<ActionCounts> {
  const text = await (await fetch(metricsUrl, { signal: AbortSignal.timeout(5000) })).text();
  const counts: ActionCounts = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('action{')) continue;
    const labels = line.slice(line.indexOf('{') + 1, line.lastIndexOf('}'));
    if (!labels.includes(`namespace="${namespace}"`)) continue;
    const type = /action_type="([^"]+)"/.exec(labels)?.[1];
    const value = Number(line.slice(line.lastIndexOf('}') + 1).trim());
    if (type && Number.isFinite(value)) counts[type] = (counts[type] ?? 0) + value;
  }
  return counts;
}

export function diffActions(after: ActionCounts, before: ActionCounts): ActionCounts {
  const diff: ActionCounts = {};
  for (const [type, value] of Object.entries(after)) {
    const delta = value - (before[type] ?? 0);
    if (delta !== 0) diff[type] = delta;
  }
  return diff;
}

export function totalActions(counts: ActionCounts): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
