/** Writes docs/drill-report.schema.json from the report's zod schema (a test checks it is up to date). */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { drillReportJsonSchema } from '../src/common/drill-report';

const out = path.resolve(__dirname, '..', 'docs', 'drill-report.schema.json');
writeFileSync(out, drillReportJsonSchema());
console.log(`wrote ${path.relative(process.cwd(), out)}`);
