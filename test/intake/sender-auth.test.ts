import { describe, expect, it } from 'vitest';
import { judge, judgeSender, parseAuthResults, trustedAuthResults } from '../../src/intake/sender-auth.ts';

const lines = (...fields: [string, string][]) => fields.map(([name, value]) => ({ name, value }));
const AR = 'authentication-results';
const ours = (results: string) => [AR, `mx.redress.test; ${results}`] as [string, string];

describe('trusted Authentication-Results: only our MTA, only the topmost run (RFC 8601 section 5)', () => {
  it('takes the run our MTA prepended, below the delivery trace', () => {
    const h = lines(['return-path', '<ann@telco.test>'], ['received', 'from mx by imap'], ours('dmarc=pass header.from=telco.test'), ['from', 'ann@telco.test']);
    expect(trustedAuthResults(h, 'mx.redress.test')).toEqual(['mx.redress.test; dmarc=pass header.from=telco.test']);
  });

  it('ignores a header with our authserv-id that the sender wrote into its own header block', () => {
    const h = lines(ours('dmarc=none'), ['received', 'from evil by mx'], ['from', 'ann@telco.test'], ours('dmarc=pass header.from=telco.test'));
    expect(trustedAuthResults(h, 'mx.redress.test')).toEqual(['mx.redress.test; dmarc=none']);
  });

  it('finds nothing when the first field is the message itself, even if a forged header follows', () => {
    const h = lines(['from', 'ann@telco.test'], ours('dmarc=pass header.from=telco.test'));
    expect(trustedAuthResults(h, 'mx.redress.test')).toEqual([]);
  });

  it('ignores results from another authserv-id', () => {
    const h = lines([AR, 'evil.test; dmarc=pass header.from=telco.test'], ['from', 'ann@telco.test']);
    expect(trustedAuthResults(h, 'mx.redress.test')).toEqual([]);
  });

  it('keeps OpenDKIM and OpenDMARC results together across their software headers', () => {
    const h = lines(ours('dmarc=pass header.from=telco.test'), ['dmarc-filter', 'OpenDMARC Filter v1.4.2'], ours('dkim=pass header.d=telco.test'), ['received', 'x'], ['from', 'a']);
    expect(trustedAuthResults(h, 'MX.Redress.Test')).toHaveLength(2);
  });
});

describe('trusted Authentication-Results from Microsoft 365 (AUTHSERV_ID=microsoft365)', () => {
  const m365 = 'spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=telco.test; dkim=pass (signature was verified) header.d=telco.test;dmarc=pass action=none header.from=telco.test;compauth=pass reason=100';

  it('trusts the topmost header without an authserv-id, below Exchange trace fields, and reads its results', () => {
    const h = lines(['received', 'from x'], ['x-ms-exchange-organization-network-message-id', 'abc'], [AR, m365], ['received', 'from y'], ['from', 'ann@telco.test']);
    const run = trustedAuthResults(h, 'microsoft365');
    expect(run).toEqual([m365]);
    expect(judge('authserv', parseAuthResults(run), 'telco.test').verdict).toBe('pass');
  });

  it('does not take a header that carries an authserv-id, nor one the sender wrote below the message fields', () => {
    const h = lines(['x-ms-has-attach', ''], ['from', 'ann@telco.test'], [AR, m365]);
    expect(trustedAuthResults(h, 'microsoft365')).toEqual([]);
    expect(trustedAuthResults(lines(ours('dmarc=pass header.from=telco.test')), 'microsoft365')).toEqual([]);
  });
});

describe('parseAuthResults', () => {
  it('reads methods, results and properties, ignoring comments and quoted semicolons', () => {
    expect(parseAuthResults(['mx.redress.test 1; dkim=pass (2048-bit key; secure) header.d=Telco.Test header.s="s;1"; spf=fail smtp.mailfrom=ann@telco.test; dmarc=pass (p=reject) header.from=telco.test'])).toEqual([
      { method: 'dkim', result: 'pass', props: { 'header.d': 'telco.test', 'header.s': 's' } },
      { method: 'spf', result: 'fail', props: { 'smtp.mailfrom': 'ann@telco.test' } },
      { method: 'dmarc', result: 'pass', props: { 'header.from': 'telco.test' } },
    ]);
  });

  it('reads "none" as no results', () => {
    expect(parseAuthResults(['mx.redress.test; none'])).toEqual([]);
  });
});

describe('judge: who the sender is', () => {
  const r = (text: string) => parseAuthResults([`mx; ${text}`]);

  it('dmarc=pass for the From domain passes', () => {
    expect(judge('authserv', r('dmarc=pass header.from=telco.test'), 'telco.test')).toMatchObject({ verdict: 'pass', detail: ['dmarc=pass for telco.test'] });
  });

  it('a dmarc=pass counts only for the header.from domain of the message', () => {
    expect(judge('authserv', r('dmarc=pass header.from=evil.test'), 'telco.test')).toMatchObject({ verdict: 'none' });
  });

  it('any dmarc=fail wins over a pass, above or below it', () => {
    expect(judge('authserv', r('dmarc=pass header.from=telco.test; dmarc=fail header.from=telco.test'), 'telco.test').verdict).toBe('fail');
    expect(judge('authserv', r('dmarc=fail header.from=telco.test; dmarc=pass header.from=telco.test'), 'telco.test').verdict).toBe('fail');
  });

  it('a dmarc=none beside a pass is not a pass', () => {
    expect(judge('authserv', r('dmarc=none header.from=telco.test; dmarc=pass header.from=telco.test'), 'telco.test').verdict).toBe('none');
  });

  it('without DMARC, a DKIM pass by an aligned domain vouches; an unaligned one does not', () => {
    expect(judge('authserv', r('dkim=pass header.d=mail.telco.test'), 'telco.test').verdict).toBe('pass');
    expect(judge('authserv', r('dkim=pass header.d=bulk-mailer.test'), 'telco.test').verdict).toBe('none');
  });

  it('without DMARC, an SPF fail for the From domain is evidence of forgery', () => {
    expect(judge('receiver', r('spf=fail smtp.mailfrom=ann@telco.test'), 'telco.test')).toMatchObject({ verdict: 'fail', detail: ['spf=fail for telco.test'] });
    expect(judge('receiver', r('spf=softfail smtp.mailfrom=ann@telco.test'), 'telco.test').verdict).toBe('none');
  });

  it('no evidence is "none", never a pass', () => {
    expect(judge('receiver', [], 'telco.test').verdict).toBe('none');
    expect(judge('receiver', r('dmarc=pass'), undefined).verdict).toBe('none');
  });
});

describe('judgeSender: the evidence this deployment trusts', () => {
  const h = lines(ours('dmarc=pass header.from=telco.test'), ['from', 'ann@telco.test']);

  it('trusts nothing in the headers without AUTHSERV_ID', () => {
    expect(judgeSender(undefined, undefined, h, 'ann@telco.test')).toMatchObject({ method: 'none', verdict: 'none' });
  });

  it('uses the MTA results under AUTHSERV_ID', () => {
    expect(judgeSender('mx.redress.test', undefined, h, 'ann@telco.test')).toMatchObject({ method: 'authserv', verdict: 'pass', dmarc: 'pass' });
  });

  it('prefers what Redress verified itself as the receiving server over any header', () => {
    const receiver = parseAuthResults(['redress.test; spf=fail smtp.mailfrom=ann@telco.test; dmarc=fail header.from=telco.test']);
    expect(judgeSender('mx.redress.test', receiver, h, 'Ann@Telco.test')).toMatchObject({ method: 'receiver', verdict: 'fail' });
  });
});
