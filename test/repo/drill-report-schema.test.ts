import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { drillReportJsonSchema } from '../../src/common/drill-report';

it('docs/drill-report.schema.json is the JSON Schema of the report as the code defines it', () => {
  const committed = readFileSync(
    path.resolve(__dirname, '..', '..', 'docs', 'drill-report.schema.json'),
    'utf8',
  );
  assert.equal(committed, drillReportJsonSchema(), 'run: node --import tsx scripts/drill-report-schema.ts');
});
