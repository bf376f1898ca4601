import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, UsageError, type CommandSpec } from '../../src/cli/args';
import { listFilterFrom, listSpec, requestFromFlags, startSpec } from '../../src/cli/commands';
import { main } from '../../src/cli/main';
import type { Output } from '../../src/cli/render';
import { restoreListQuery } from '../../src/client';

const spec: CommandSpec = {
  name: 'demo-cmd',
  brief: 'b',
  summary: 's',
  positionals: [{ name: 'id', description: 'an id' }],
  flags: {
    name: { type: 'string', description: 'a name' },
    wait: { type: 'boolean', description: 'wait' },
    help: { type: 'boolean', description: 'help' },
  },
};

function capture(): Output & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (t) => stdout.push(t),
    err: (t) => stderr.push(t),
    tty: false,
    redraw: () => {},
  };
}

describe('CLI argument parser', () => {
  it('reads --flag value, --flag=value, booleans, positionals and --', () => {
    assert.deepEqual(parseArgs(spec, ['x', '--name', 'a b', '--wait']), {
      flags: { name: 'a b', wait: true },
      positionals: ['x'],
    });
    assert.deepEqual(parseArgs(spec, ['--name=v=1', '--', '--not-a-flag']).flags, { name: 'v=1' });
    assert.deepEqual(parseArgs(spec, ['--', '--not-a-flag']).positionals, ['--not-a-flag']);
  });

  const errors: [string[], RegExp][] = [
    [['x', '--nmae', 'a'], /unknown flag --nmae for "atlas-restore demo-cmd"/],
    [['x', '-n'], /unknown flag -n/],
    [['x', '--name'], /flag --name needs a value/],
    [['x', '--name', '--wait'], /flag --name needs a value/],
    [['x', '--name='], /needs a non-empty value/],
    [['x', '--wait=yes'], /--wait takes no value/],
    [['x', '--wait', '--wait'], /given more than once/],
    [[], /missing id for "atlas-restore demo-cmd"/],
    [['x', 'y'], /unexpected argument "y"/],
  ];
  for (const [argv, message] of errors) {
    it(`rejects ${JSON.stringify(argv)}`, () => {
      assert.throws(
        () => parseArgs(spec, argv),
        (e: unknown) => e instanceof UsageError && message.test(e.message),
      );
    });
  }

  it('lets --help through without the required positionals', () => {
    assert.equal(parseArgs(spec, ['-h']).flags.help, true);
  });
});

describe('start: request from flags', () => {
  const base = ['--kind', 'cluster', '--group', 'a'.repeat(24), '--source', 'prod', '--target', 'staging'];
  const flags = (argv: string[]) => parseArgs(startSpec, argv).flags;

  it('maps flags onto the workflow input, target project defaulting to the source one', () => {
    assert.deepEqual(
      requestFromFlags(flags([...base, '--latest', '--deadline', '6h', '--poll-max', '30s']), () => ''),
      {
        source: { kind: 'cluster', groupId: 'a'.repeat(24), name: 'prod' },
        snapshot: { latest: true },
        target: { groupId: 'a'.repeat(24), name: 'staging' },
        deadline: '6h',
        polling: { maxInterval: '30s' },
      },
    );
  });

  it('takes a point in time as Unix seconds or ISO-8601', () => {
    const iso = requestFromFlags(
      flags([...base, '--point-in-time', '2026-03-01T12:00:00Z', '--no-ensure-backup']),
      () => '',
    );
    assert.deepEqual((iso as { snapshot: unknown }).snapshot, { pointInTimeUtcSeconds: 1772366400 });
    assert.equal((iso as { ensureContinuousBackup: boolean }).ensureContinuousBackup, false);
    const unix = requestFromFlags(flags([...base, '--point-in-time', '1772366400']), () => '');
    assert.deepEqual((unix as { snapshot: unknown }).snapshot, { pointInTimeUtcSeconds: 1772366400 });
  });

  it('leaves the kind to Atlas (auto) when --kind is not given', () => {
    const request = requestFromFlags(
      flags(['--group', 'a'.repeat(24), '--source', 's', '--target', 't', '--latest']),
      () => '',
    );
    assert.deepEqual((request as { source: unknown }).source, {
      kind: 'auto',
      groupId: 'a'.repeat(24),
      name: 's',
    });
  });

  it('reads a request from stdin with --file -', () => {
    const request = requestFromFlags(flags(['--file', '-']), () => '{"source":{"kind":"serverless"}}');
    assert.deepEqual(request, { source: { kind: 'serverless' } });
  });

  const bad: [string[], RegExp][] = [
    [[...base], /say which snapshot/],
    [[...base, '--latest', '--snapshot', 'b'.repeat(24)], /only one of --snapshot, --latest/],
    [['--kind', 'cluster', '--source', 's', '--target', 't', '--latest'], /missing --group/],
    [[...base, '--point-in-time', 'yesterday'], /--point-in-time must be Unix seconds or an ISO-8601 time/],
    [['--file', 'x.json', '--kind', 'cluster'], /--file cannot be combined with --kind/],
    [['--file', '/nonexistent/request.json'], /cannot be read \(ENOENT\)/],
  ];
  for (const [argv, message] of bad) {
    it(`rejects ${argv.join(' ')}`, () => {
      assert.throws(
        () => requestFromFlags(flags(argv), () => ''),
        (e: unknown) => e instanceof UsageError && message.test(e.message),
      );
    });
  }
});

describe('list filters', () => {
  it('builds the visibility query over our search attributes', () => {
    const filter = listFilterFrom(
      parseArgs(listSpec, [
        '--kind',
        'cluster',
        '--group',
        'c'.repeat(24),
        '--status',
        'canceled',
        '--phase',
        'restoring',
        '--instance',
        "o'brien",
      ]).flags,
    );
    assert.equal(
      restoreListQuery(filter),
      `WorkflowType = 'restoreSnapshot' AND AtlasDeploymentKind = 'cluster' AND AtlasGroupId = '${'c'.repeat(24)}' AND AtlasInstanceName = 'o\\'brien' AND AtlasRestorePhase = 'restoring' AND ExecutionStatus = 'Canceled'`,
    );
  });

  it('rejects unknown values, naming the flag', () => {
    assert.throws(() => listFilterFrom({ status: 'sleeping' }), /--status must be one of running/);
    assert.throws(() => listFilterFrom({ phase: 'x' }), /--phase must be one of validating/);
    assert.throws(() => listFilterFrom({ limit: '0' }), /--limit must be a whole number from 1 to 1000/);
  });
});

describe('atlas-restore help and usage errors (in process)', () => {
  for (const command of ['start', 'watch', 'status', 'list', 'cancel', 'worker', 'demo']) {
    it(`${command} --help prints usage and exits 0`, async () => {
      const output = capture();
      assert.equal(await main([command, '--help'], output, {}), 0);
      assert.match(output.stdout.join('\n'), new RegExp(`^Usage: atlas-restore ${command}`));
      assert.match(output.stdout.join('\n'), /--help\s+show this help/);
    });
  }

  it('lists every command and the exit codes at the top level', async () => {
    const output = capture();
    assert.equal(await main(['--help'], output, {}), 0);
    const text = output.stdout.join('\n');
    for (const command of ['start', 'watch', 'status', 'list', 'cancel', 'worker', 'simulator', 'demo']) {
      assert.match(text, new RegExp(`^  ${command} `, 'm'));
    }
    assert.match(text, /Exit codes:/);
  });

  it('an unknown command is a usage error (exit 2) on one line', async () => {
    const output = capture();
    assert.equal(await main(['restore-everything'], output, {}), 2);
    assert.deepEqual(output.stderr, [
      'atlas-restore: error: unknown command "restore-everything" (commands: start, watch, status, list, cancel, snapshot, drill, worker, simulator, demo)',
    ]);
  });

  it('worker: an invalid environment stops it with exit 4 naming the variable, without the secret', async () => {
    const output = capture();
    const code = await main(['worker', '--dotenv', '/nonexistent/.env'], output, {
      ATLAS_PUBLIC_KEY: 'pub',
      ATLAS_PRIVATE_KEY: 'TOPSECRET-value',
      TEMPORAL_ADDRESS: 'nope',
    });
    assert.equal(code, 4);
    assert.equal(output.stderr.length, 1);
    assert.match(output.stderr[0]!, /TEMPORAL_ADDRESS: must be host:port/);
    assert.ok(!output.stderr[0]!.includes('TOPSECRET'));
  });
});

describe('start request errors', () => {
  it('a bad --group is reported once, on --group, not on a --target-group nobody typed', async () => {
    const out = capture();
    const code = await main(
      ['start', '--group', 'nope', '--source', 'a', '--target', 'b', '--latest'],
      out,
      {},
    );
    assert.equal(code, 2);
    const line = out.stderr.join('\n');
    assert.ok(!line.includes('--target-group'), line);
    assert.match(line, /--group \(source\.groupId\): must be a 24-character lower-case hex id/);
    assert.equal(line.match(/--group/g)?.length, 1, line);
  });

  it('a bad --target-group that was given is blamed on it', async () => {
    const out = capture();
    const code = await main(
      [
        'start',
        '--group',
        '66320490d7a6931071338f34',
        '--target-group',
        'x',
        '--source',
        'a',
        '--target',
        'b',
        '--latest',
      ],
      out,
      {},
    );
    assert.equal(code, 2);
    assert.match(out.stderr.join('\n'), /--target-group \(target\.groupId\): must be a 24-character/);
  });
});

describe('start: validation and objectives from flags', () => {
  const base = { group: '66320490d7a6931071338f34', source: 'a', target: 'b', latest: true };
  it('--expect-count becomes a count check (= exact, >= at least), with --rto/--rpo as objectives', () => {
    const exact = requestFromFlags(
      { ...base, 'expect-count': 'shop.orders=2858', rto: '2h' },
      () => '',
    ) as Record<string, unknown>;
    assert.deepEqual(exact.validate, {
      checks: [{ kind: 'count', database: 'shop', collection: 'orders', equals: 2858 }],
    });
    assert.deepEqual(exact.objectives, { rto: '2h' });
    const atLeast = requestFromFlags({ ...base, 'expect-count': 'shop.orders>=100' }, () => '') as Record<
      string,
      unknown
    >;
    assert.deepEqual(atLeast.validate, {
      checks: [{ kind: 'count', database: 'shop', collection: 'orders', min: 100 }],
    });
  });

  it('--validate - reads the checks from stdin, and --expect-count adds to them', () => {
    const request = requestFromFlags({ ...base, validate: '-', 'expect-count': 'shop.orders>=1' }, () =>
      JSON.stringify([{ kind: 'exists', database: 'shop' }]),
    ) as { validate: { checks: unknown[] } };
    assert.equal(request.validate.checks.length, 2);
  });

  for (const bad of ['shop=1', 'shop.orders', 'shop.orders=x', 'shop.orders<5']) {
    it(`refuses --expect-count ${bad} naming the flag`, () => {
      assert.throws(
        () => requestFromFlags({ ...base, 'expect-count': bad }, () => ''),
        (e: unknown) => e instanceof UsageError && /--expect-count must read/.test(e.message),
      );
    });
  }
});
