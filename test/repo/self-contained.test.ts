import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A bare clone must build, test and explain itself: nothing it tracks may read or cite notes that live beside
 * the checkout instead of in it. The project's own reference is docs/, and links into it must resolve.
 */

const root = path.resolve(__dirname, '..', '..');
/** This file names the forbidden strings, so it is the one file the scans skip. */
const self = path.relative(root, __filename).split(path.sep).join('/');

/** Tracked files under the given paths (git's view, so build output and node_modules never count). */
function tracked(...pathspecs: string[]): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--', ...pathspecs], { cwd: root, encoding: 'utf8' });
  return out.split('\0').filter((file) => file !== '' && file !== self && existsSync(path.join(root, file)));
}

function offending(files: string[], pattern: RegExp): string[] {
  const hits: string[] = [];
  for (const file of files) {
    readFileSync(path.join(root, file), 'utf8')
      .split('\n')
      .forEach((line, index) => {
        if (pattern.test(line)) hits.push(`${file}:${index + 1}: ${line.trim()}`);
      });
  }
  return hits;
}

/** Reading or pointing at files outside the checkout. */
const OUTSIDE_PATHS = /\.\.\/shared\b|shared\/atlas/;

/** Citations of notes that are not in the repository; docs/atlas.md and docs/temporal.md replace them. */
const OUTSIDE_NOTES = /atlas-api\.md|atlas-api §|temporal-notes|research-2026-12/;

/** Everywhere those citations may appear: all of the project's code, tests and docs. */
const CITATIONS_CLEANED = [
  'test/',
  'bench/',
  'scripts/',
  '.ci/',
  'package.json',
  'src/worker/',
  'src/client/',
  'src/dev/',
  'src/atlas/',
  'src/activities/',
  'src/common/',
  'src/workflows/',
  'src/cli/',
  'src/simulator/',
  'eslint.config.mjs',
  'README.md',
  'docs/',
  'Dockerfile',
  'docker-compose.yml',
];

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsIn(doc: string): Set<string> {
  const anchors = new Set<string>();
  for (const line of readFileSync(path.join(root, doc), 'utf8').split('\n')) {
    const heading = /^#{1,6}\s+(.+)$/.exec(line);
    if (heading) anchors.add(anchorOf(heading[1]!));
  }
  return anchors;
}

describe('the repository is self-contained', () => {
  it('no tracked source, test, script, bench or CI file reads or names a path outside the checkout', () => {
    const files = tracked(
      'src/',
      'test/',
      'scripts/',
      'bench/',
      '.ci/',
      'package.json',
      'docs/',
      'README.md',
    );
    assert.ok(files.length > 50, `git ls-files found only ${files.length} files: is this a git checkout?`);
    assert.deepEqual(offending(files, OUTSIDE_PATHS), []);
  });

  it('the cleaned folders cite docs/ instead of notes kept outside the repository', () => {
    const files = tracked(...CITATIONS_CLEANED);
    assert.ok(files.length > 20, `git ls-files found only ${files.length} files`);
    assert.deepEqual(offending(files, OUTSIDE_NOTES), []);
  });

  it('every docs/<file>.md#<anchor> link in a tracked file names an existing heading', () => {
    const broken: string[] = [];
    const anchors = new Map<string, Set<string>>();
    for (const file of tracked('.')) {
      if (/\.(json|lock)$/.test(file)) continue;
      const text = readFileSync(path.join(root, file), 'utf8');
      for (const match of text.matchAll(/docs\/([\w-]+\.md)#([\w-]+)/g)) {
        const doc = `docs/${match[1]}`;
        if (!anchors.has(doc))
          anchors.set(doc, existsSync(path.join(root, doc)) ? anchorsIn(doc) : new Set());
        if (!anchors.get(doc)!.has(match[2]!)) broken.push(`${file}: ${match[0]}`);
      }
    }
    assert.deepEqual(broken, []);
  });

  it('the anchor rule matches the headings cited across the code', () => {
    assert.equal(anchorOf('Digest (API keys)'), 'digest-api-keys');
    assert.equal(anchorOf('History limits and continue-as-new'), 'history-limits-and-continue-as-new');
  });
});
