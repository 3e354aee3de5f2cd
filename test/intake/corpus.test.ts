import { describe, expect, it } from 'vitest';
import { classify } from '../../src/intake/classify.ts';
import { NO_AUTH } from '../../src/intake/sender-auth.ts';
import type { ClassifyContext } from '../../src/intake/types.ts';
import { classCounts, corpusFiles, expectedClasses, knownMisses, type Miss } from '../helpers/corpus-classes.ts';
import { parseCorpusFile } from '../helpers/fixtures.ts';

/** In isolation: no thread, no staff, so a message can be complaint, auto_reply, bounce, read_receipt, spam or other. */
const emptyContext: ClassifyContext = {
  ownAddresses: new Set(['complaints@redress.test']),
  staffAddresses: new Set(),
  staffAuthRequired: false,
  senderAuth: NO_AUTH,
  thread: null,
  namedReference: null,
  missingFactsMinWords: 8,
};

describe('the development corpus (545 real-world messages)', () => {
  it('classifies every message as reviewed by hand, except the known misses listed by name (POLICY: what is not a complaint)', async () => {
    const expected = expectedClasses();
    const files = corpusFiles();
    expect(files).toEqual([...expected.keys()].sort());

    const rows: Miss[] = [];
    for (const file of files) {
      const parsed = await parseCorpusFile(file);
      const actual = parsed.ok ? classify(parsed.message, emptyContext).kind : 'quarantined';
      rows.push({ file, expected: expected.get(file) ?? '?', actual });
    }
    const misses = rows.filter((r) => r.actual !== r.expected);
    console.log([`corpus: ${rows.length} messages, ${misses.length} known misses`, classCounts(rows)].join('\n'));

    expect(misses).toEqual(knownMisses());
  }, 120_000);
});
