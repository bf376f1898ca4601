import type { Client } from '@temporalio/client';

type History = Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>;
type HistoryEvent = NonNullable<History['events']>[number];

export interface HistoryCounts {
  /** Runs of the execution chain (more than 1 after continue-as-new). */
  runs: number;
  events: number;
  /** Billable actions visible in history (docs/temporal.md#actions); heartbeats are not in history. */
  actionsFromHistory: number;
  activitiesScheduled: number;
  /** Local activities run (their markers); all of one workflow task together cost one action. */
  localActivities: number;
  activityRetries: number;
  timers: number;
  searchAttributeUpserts: number;
}

/** Every run of an execution chain, following continue-as-new from the first run. */
export async function fetchChain(client: Client, workflowId: string, firstRunId: string): Promise<History[]> {
  const histories: History[] = [];
  let runId: string | undefined = firstRunId;
  while (runId) {
    const history: History = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    histories.push(history);
    const last: HistoryEvent | undefined = history.events?.[history.events.length - 1];
    runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return histories;
}

function toNumber(value: unknown): number {
  return typeof value === 'number' ? value : Number(String(value ?? 0));
}

export function countHistory(histories: History[]): HistoryCounts {
  const counts: HistoryCounts = {
    runs: histories.length,
    events: 0,
    actionsFromHistory: 0,
    activitiesScheduled: 0,
    localActivities: 0,
    activityRetries: 0,
    timers: 0,
    searchAttributeUpserts: 0,
  };
  for (const history of histories) {
    const localActivityTasks = new Set<string>();
    for (const event of history.events ?? []) {
      counts.events += 1;
      if (event.workflowExecutionStartedEventAttributes) counts.actionsFromHistory += 1;
      if (event.activityTaskScheduledEventAttributes) {
        counts.activitiesScheduled += 1;
        counts.actionsFromHistory += 1;
      }
      // The started event is written when the activity closes and carries the attempt that closed it.
      const started = event.activityTaskStartedEventAttributes;
      if (started) {
        const retries = Math.max(0, toNumber(started.attempt) - 1);
        counts.activityRetries += retries;
        counts.actionsFromHistory += retries;
      }
      if (event.timerStartedEventAttributes) {
        counts.timers += 1;
        counts.actionsFromHistory += 1;
      }
      if (event.upsertWorkflowSearchAttributesEventAttributes) {
        counts.searchAttributeUpserts += 1;
        counts.actionsFromHistory += 1;
      }
      if (event.startChildWorkflowExecutionInitiatedEventAttributes) counts.actionsFromHistory += 2;
      if (
        event.signalExternalWorkflowExecutionInitiatedEventAttributes ||
        event.workflowExecutionSignaledEventAttributes ||
        event.workflowExecutionUpdateAcceptedEventAttributes
      ) {
        counts.actionsFromHistory += 1;
      }
      // All local activities of one workflow task are one action.
      const marker = event.markerRecordedEventAttributes;
      if (marker?.markerName === 'core_local_activity') {
        counts.localActivities += 1;
        localActivityTasks.add(String(marker.workflowTaskCompletedEventId));
      }
    }
    counts.actionsFromHistory += localActivityTasks.size;
  }
  return counts;
}

/** When the last run closed (the close event's time), in epoch milliseconds. */
export function closeTimeMs(histories: History[]): number | undefined {
  const events = histories[histories.length - 1]?.events ?? [];
  const last = events[events.length - 1];
  const time = last?.eventTime;
  if (!time) return undefined;
  return toNumber(time.seconds) * 1000 + Math.floor(toNumber(time.nanos) / 1e6);
}
