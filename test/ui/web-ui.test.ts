/**
 * What an operator sees in the Temporal Web UI, read from the rendered pages of a real (headless) Chromium:
 * the list with readable ids, statuses and our search attributes as columns and filters; a restore's page
 * with its summary, details and current details rendered from Markdown; activity and timer summaries in
 * the timeline, the event history and the metadata tab; a running restore's heartbeat line; how a
 * cancelled and a failed restore read. Screenshots of every page go to a temporary folder (printed; or
 * UI_SCREENSHOTS_DIR) for a person to look at.
 *
 * `npm run test:ui`. Not part of `npm test`: it needs Chromium (apt-get install chromium, or CHROMIUM_PATH).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { restoreSummary } from '../../src/common/contract';
import { parseRestoreRequest } from '../../src/common/restore-request';
import {
  findChromium,
  launchChromium,
  NO_CHROMIUM,
  screenshotDir,
  visibleText,
  waitForText,
} from './browser';
import { startScene, type Scene, type SceneRestore } from './scene';

const chromiumPath = findChromium();

describe('the Temporal Web UI, as an operator sees it', { timeout: 300_000 }, () => {
  let scene: Scene;
  let browser: Browser;
  let page: Page;
  let shots: string;

  before(async () => {
    if (!chromiumPath) throw new Error(NO_CHROMIUM);
    shots = screenshotDir();
    console.log(`[web-ui] screenshots in ${shots}`);
    [scene, browser] = await Promise.all([startScene(), launchChromium(chromiumPath)]);
    // Wide enough that the list's columns fit as on a laptop screen.
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 }, timezoneId: 'UTC' });
  });
  after(async () => {
    await browser?.close();
    await scene?.close();
  });

  const shot = (name: string) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  const workflowPage = (restore: SceneRestore, tab: string) =>
    `${scene.uiUrl}/namespaces/${scene.env.namespace}/workflows/${encodeURIComponent(restore.workflowId)}/${restore.runId}/${tab}`;
  const all = () => [scene.finished, scene.failed, scene.cancelled, scene.running];
  /** The list's row of one restore, as text. */
  const rowText = (restore: SceneRestore) =>
    page.locator('tr', { hasText: restore.workflowId }).first().innerText();
  /**
   * The Markdown the UI renders, each in a frame of its own, in page order: summary, details, current
   * details. The UI redraws them when it refetches, so a frame that goes away is read again.
   */
  async function markdownFrames(expected: number): Promise<{ text: string; html: string }[]> {
    const deadline = Date.now() + 30_000;
    let problem = '';
    for (;;) {
      try {
        const frames = await page.locator('iframe[src^="/render"]').elementHandles();
        if (frames.length >= expected) {
          const read: { text: string; html: string }[] = [];
          for (const element of frames) {
            const frame = await element.contentFrame();
            if (!frame) throw new Error('a Markdown frame has no content yet');
            const text = (await frame.locator('body').innerText({ timeout: 2_000 })).replace(
              /[ \t\u00a0]+/g,
              ' ',
            );
            read.push({ text, html: await frame.content() });
          }
          if (read.every((frame) => frame.text.trim() !== '')) return read;
          problem = 'a Markdown frame is still empty';
        } else {
          problem = `${frames.length} Markdown frames, not ${expected}`;
        }
      } catch (error) {
        problem = String(error);
      }
      if (Date.now() > deadline) assert.fail(`${page.url()}: ${problem}`);
      await page.waitForTimeout(250);
    }
  }

  it('lists each restore under its readable id with its status', async () => {
    await page.goto(`${scene.uiUrl}/namespaces/${scene.env.namespace}/workflows`);
    const text = await waitForText(page, [
      ...all().map((r) => r.workflowId),
      '1 Running',
      '1 Completed',
      '1 Failed',
      '1 Canceled',
    ]);
    for (const restore of all()) {
      const { target } = restore.request;
      assert.equal(restore.workflowId, `restore/${target.name}/${target.groupId}`);
    }
    assert.match(await rowText(scene.finished), /Completed/);
    assert.match(await rowText(scene.failed), /Failed/);
    assert.match(
      await rowText(scene.cancelled),
      /Canceled/,
      'a cancelled restore closes as Canceled, not Failed',
    );
    assert.match(await rowText(scene.running), /Running/);
    assert.match(text, /restoreSnapshot/);
    await shot('01-list');
  });

  it('shows our search attributes as columns an operator adds', async () => {
    await page.getByTestId('workflows-summary-table-configuration-button').click();
    for (const name of [
      'AtlasRestoreOutcome',
      'AtlasRestorePhase',
      'AtlasDeploymentKind',
      'AtlasRestoreJobId',
    ])
      await page.getByRole('button', { name: `Add ${name} column` }).click();
    await shot('02-columns-drawer');
    await page.getByRole('button', { name: 'Close' }).filter({ visible: true }).first().click();
    await page.getByText('Configure Workflows Table').waitFor({ state: 'hidden' });
    await waitForText(page, ['AtlasRestoreOutcome', 'AtlasRestorePhase', 'AtlasDeploymentKind']);
    const rows = {
      finished: await rowText(scene.finished),
      failed: await rowText(scene.failed),
      cancelled: await rowText(scene.cancelled),
      running: await rowText(scene.running),
    };
    assert.match(rows.finished, /\bfinished\b[\s\S]*\bdone\b[\s\S]*\bserverless\b/);
    assert.match(rows.failed, /\bfailed\b[\s\S]*\bdone\b[\s\S]*\bcluster\b/);
    assert.match(rows.cancelled, /\bcancelled\b[\s\S]*\bdone\b[\s\S]*\bflex\b/);
    assert.match(
      rows.running,
      /\brestoring\b[\s\S]*\bcluster\b/,
      'a running restore has a phase, no outcome',
    );
    assert.doesNotMatch(rows.running, /\b(finished|failed|cancelled)\b/);
    const jobId =
      scene.finished.outcome?.outcome === 'finished' ? scene.finished.outcome.result.restoreJobId : '';
    assert.ok(jobId && rows.finished.includes(jobId), 'the Atlas job id is a column too');
    // The table scrolls sideways on a laptop screen; a wide window shows every column at once.
    await page.setViewportSize({ width: 2400, height: 1000 });
    await shot('03-list-with-search-attributes');
    await page.setViewportSize({ width: 1600, height: 1000 });
  });

  it('filters the list by outcome and by kind', async () => {
    const list = (query: string) =>
      page.goto(
        `${scene.uiUrl}/namespaces/${scene.env.namespace}/workflows?query=${encodeURIComponent(query)}`,
      );
    await list(`AtlasRestoreOutcome = "failed"`);
    let text = await waitForText(page, [scene.failed.workflowId, '1–1', 'of 1']);
    for (const other of [scene.finished, scene.cancelled, scene.running])
      assert.ok(!text.includes(other.workflowId));
    await shot('04-list-filtered-failed');
    await list(`AtlasDeploymentKind = "cluster" AND ExecutionStatus = "Running"`);
    text = await waitForText(page, [scene.running.workflowId, '1–1', 'of 1']);
    for (const other of [scene.finished, scene.failed, scene.cancelled])
      assert.ok(!text.includes(other.workflowId));
  });

  it("shows a restore's summary, request and current details, rendered from Markdown", async () => {
    const restore = scene.finished;
    await page.goto(workflowPage(restore, 'user-metadata'));
    await waitForText(page, ['Completed', restore.workflowId, 'Summary', 'Details', 'Current Details']);
    const [summary, details, current] = await markdownFrames(3);
    const parsed = parseRestoreRequest(restore.request);
    assert.ok(parsed.ok);
    assert.equal(summary!.text.trim(), restoreSummary(parsed.value));
    const { source, target } = restore.request;
    for (const line of [
      `Source serverless instance ${source.name} (project ${source.groupId})`,
      'Restoring latest completed snapshot',
      `Target ${target.name} (project ${target.groupId})`,
      'Deadline 6h',
    ])
      assert.ok(details!.text.includes(line), `the details show "${line}":\n${details!.text}`);
    const result = restore.outcome?.outcome === 'finished' ? restore.outcome.result : undefined;
    assert.ok(result);
    for (const line of [
      'Outcome finished',
      `Restoring snapshot ${result.snapshotId}, data as of ${result.rpo?.restoredTo}`,
      `Restore job ${result.restoreJobId} — finished`,
      'RTO Atlas done in',
    ])
      assert.ok(current!.text.includes(line), `the current details show "${line}":\n${current!.text}`);
    for (const frame of [details!, current!]) {
      assert.match(frame.html, /<table>/, 'the Markdown table is rendered as a table');
      assert.doesNotMatch(frame.text, /\|---|\*\*|`/, 'no Markdown syntax shows through');
    }
    assert.match(current!.html, /<strong>finished<\/strong>/);
    await shot('05-finished-user-metadata');
  });

  it('names every activity and timer by what it does, in the timeline, the history and the metadata tab', async () => {
    const restore = scene.finished;
    const jobId = restore.outcome?.outcome === 'finished' ? restore.outcome.result.restoreJobId : '?';
    const { source, target } = restore.request;
    await page.goto(workflowPage(restore, 'history'));
    // The timeline: "<activity type> • <summary>" for activities and the summary alone for the timer.
    await waitForText(page, [
      `waitForRestoreJob • follow restore job ${jobId} until it ends`,
      `createRestoreJob • submit the restore job into ${target.name} (attempt 1)`,
      `waitForDeploymentIdle • wait until ${source.name} is IDLE with continuous backup on`,
      'deadline: 6h after the start (',
    ]);
    await shot('06-finished-history');
    // The event table names local activities' summaries too (the timeline of this UI shows their type only).
    const table = await visibleText(page);
    assert.match(
      table,
      new RegExp(
        `Local Activity\\s+Activity Type\\s+findRestoreJob\\s+Summary\\s+look for a restore job into ${target.name}`,
      ),
    );
    await page.goto(workflowPage(restore, 'user-metadata'));
    const text = await waitForText(page, ['Events with Metadata', `read target ${target.name}`]);
    for (const summary of [
      `read source ${source.name}`,
      `find the latest completed snapshot of ${source.name}`,
      `turn on continuous backup on ${source.name}`,
      `look for a restore job into ${target.name} this restore already created`,
    ])
      assert.ok(text.includes(summary), `the metadata tab lists "${summary}"`);
    assert.doesNotMatch(text, /turn on \w+Enabled/, 'no API field name where a person reads what happens');
  });

  it("shows a running restore's polling as a line a person can read, in Pending Activities", async () => {
    const restore = scene.running;
    await page.goto(workflowPage(restore, 'pending-activities'));
    const text = await waitForText(page, [
      'Running',
      'waitForRestoreJob',
      'Heartbeat Details',
      '"summary": "as of ',
    ]);
    const line = /"summary": "(as of [^"]+)"/.exec(text)?.[1];
    assert.ok(line, 'the heartbeat starts with its one-line summary');
    assert.match(
      line,
      /^as of \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, job [0-9a-f]{24} in_progress, \d+ polls?(, last \S+)?(, next \S+)?$/,
    );
    await shot('07-running-pending-activity');
    await page.goto(workflowPage(restore, 'user-metadata'));
    const [, details, current] = await markdownFrames(3);
    // The UI sizes each Markdown frame a little short of its content, cutting into the last row: what this
    // request asked for must lie wholly inside the box.
    assert.match(details!.text, /Objectives RTO 2h, RPO 1d/);
    const detailsFrame = page.locator('iframe[src^="/render"]').nth(1);
    const box = await detailsFrame.boundingBox();
    const row = await detailsFrame.contentFrame().locator('tr', { hasText: 'Objectives' }).boundingBox();
    assert.ok(
      box && row && row.y + row.height <= box.y + box.height,
      'the Objectives row shows whole, not cut off',
    );
    assert.match(current!.text, /Phase restoring/);
    assert.match(current!.text, /Restore job [0-9a-f]{24} — in_progress/);
    await shot('08-running-user-metadata');
  });

  it('shows a cancelled restore as Canceled, with what Atlas still does', async () => {
    const restore = scene.cancelled;
    assert.equal(restore.outcome?.outcome, 'cancelled');
    const message = restore.outcome.outcome === 'cancelled' ? restore.outcome.message : '';
    await page.goto(workflowPage(restore, 'user-metadata'));
    await waitForText(page, ['Canceled', restore.workflowId, 'Current Details']);
    const [, , current] = await markdownFrames(3);
    assert.ok(current!.text.includes('Outcome cancelled'), current!.text);
    assert.ok(
      current!.text.includes(`Reason ${message}`),
      `the reason reads "${message}":\n${current!.text}`,
    );
    await shot('09-cancelled-user-metadata');
    // The run is closed; the polling activity it abandoned still counts as pending until it heartbeats.
    await page.goto(workflowPage(restore, 'pending-activities'));
    await waitForText(page, ['Canceled', 'waitForRestoreJob', 'Cancel Requested']);
    await shot('10-cancelled-pending-activity');
    await page.goto(workflowPage(restore, 'memo'));
    const memo = await waitForText(page, ['"outcome"', '"cancelled"']);
    assert.ok(memo.includes(message), 'the outcome memo carries the same sentence');
  });

  it('shows a failed restore as Failed, with the outcome and why', async () => {
    const restore = scene.failed;
    assert.equal(restore.outcome?.outcome, 'failed');
    const jobId = restore.outcome.outcome === 'failed' ? restore.outcome.restoreJobId : '?';
    await page.goto(workflowPage(restore, 'history'));
    await waitForText(page, [
      'Failed',
      `"message": "Atlas reports restore job ${jobId} failed"`,
      '"type": "RestoreFailed"',
    ]);
    await shot('11-failed-history');
    await page.goto(workflowPage(restore, 'user-metadata'));
    const [, , current] = await markdownFrames(3);
    assert.ok(current!.text.includes('Outcome failed'), current!.text);
    assert.ok(current!.text.includes(`Reason Atlas reports restore job ${jobId} failed`), current!.text);
    await shot('12-failed-user-metadata');
    await page.goto(workflowPage(restore, 'search-attributes'));
    await waitForText(page, [
      '"AtlasRestoreOutcome": "failed"',
      '"AtlasRestorePhase": "done"',
      `"AtlasRestoreJobId": "${jobId}"`,
    ]);
  });
});
