import { describe, expect, it } from 'vitest';

import {
  COMMAND_VERBS,
  ESCALATION_TARGETS,
  looksLikeCommand,
  parseCommand,
  REFUSAL_REASONS,
  STAFF_FLAGS,
  type ParsedCommand,
  type StaffCommand,
} from '../../src/staff/commands.ts';

const ok = (command: StaffCommand): ParsedCommand => ({ ok: true, command });

/** The error of a parse that must fail; fails the test when it parsed. */
function errorOf(text: string): string {
  const parsed = parseCommand(text);
  if (parsed.ok) throw new Error(`expected ${JSON.stringify(text)} to be refused, got ${JSON.stringify(parsed.command)}`);
  return parsed.error;
}

describe('staff commands: one vocabulary for email and CLI', () => {
  it('knows exactly the verbs the lifecycle acts on (R1, R4-R8, R10, R11, R15, R17), the two that undo, and #open', () => {
    expect([...COMMAND_VERBS].sort()).toEqual(['acknowledged', 'assign', 'confirmed-by-post', 'deadlock', 'escalate', 'flag', 'note', 'open', 'outcome', 'refuse-deadlock', 'reopen', 'reply', 'unflag', 'withdrawn']);
  });

  describe('#open and #acknowledged phone: a complaint that reached staff another way (R1)', () => {
    it('#open alone opens with an acknowledgement email; the forwarded text below it is not an argument', () => {
      expect(parseCommand('#open\n\n---------- Forwarded message ---------\nFrom: Alice <alice@example.com>')).toEqual(ok({ verb: 'open' }));
    });

    it.each([
      ['on the next line', '#open\n#acknowledged phone\n\n---------- Forwarded message ---------'],
      ['on the next line that is not blank', '#open\n\n  #Acknowledged phone\nBegin forwarded message:'],
      ['on the same line', '#open #acknowledged phone'],
    ])('#open with #acknowledged phone %s records the phone acknowledgement', (_where, text) => {
      expect(parseCommand(text)).toEqual(ok({ verb: 'open', acknowledgedBy: 'phone' }));
    });

    it('#acknowledged phone later, as a command of its own', () => {
      expect(parseCommand('#acknowledged phone\nCalled her at 10:15.')).toEqual(ok({ verb: 'acknowledged', by: 'phone' }));
    });

    it.each([
      ['#open with something else after it', '#open please', '#open takes nothing after it but #acknowledged phone; got "please"'],
      ['an acknowledgement by another channel', '#open\n#acknowledged fax', '#acknowledged takes one of phone; got "fax"'],
      ['#acknowledged without how', '#acknowledged', '#acknowledged takes one of phone; got ""'],
    ])('refuses %s', (_what, text, error) => {
      expect(errorOf(text)).toBe(error);
    });
  });

  describe('R11 #confirmed-by-post DATE: the customer confirmed in a letter', () => {
    it('takes the letter date as YYYY-MM-DD', () => {
      expect(parseCommand('#confirmed-by-post 2026-03-02\nLetter scanned to the shared drive.')).toEqual(ok({ verb: 'confirmed-by-post', on: '2026-03-02' }));
    });

    it.each([['no date', '#confirmed-by-post', '""'], ['a day that does not exist', '#confirmed-by-post 2026-02-30', '"2026-02-30"'], ['another layout', '#confirmed-by-post 02/03/2026', '"02/03/2026"']])(
      'refuses %s, saying how to write it',
      (_what, text, got) => {
        expect(errorOf(text)).toBe(`#confirmed-by-post takes the date of the customer's letter as YYYY-MM-DD, for example #confirmed-by-post 2026-03-02; got ${got}`);
      },
    );
  });

  describe('R10 #outcome, R3 #note, #reply: text on the same line or the lines below', () => {
    it.each(['outcome', 'note', 'reply'] as const)('#%s takes the rest of the first line as its text', (verb) => {
      expect(parseCommand(`#${verb} We refunded the charge.`)).toEqual(ok({ verb, text: 'We refunded the charge.' }));
    });

    it.each(['outcome', 'note', 'reply'] as const)('#%s takes the following lines as its text', (verb) => {
      expect(parseCommand(`#${verb}\nWe refunded the charge.\n\nRegards, Sam`)).toEqual(ok({ verb, text: 'We refunded the charge.\n\nRegards, Sam' }));
    });

    it.each(['outcome', 'note', 'reply'] as const)('#%s joins same-line text and the lines below it', (verb) => {
      expect(parseCommand(`#${verb} First line.\nSecond line.`)).toEqual(ok({ verb, text: 'First line.\nSecond line.' }));
    });

    it('skips blank lines between the command and its text, and trims the ends', () => {
      expect(parseCommand('#outcome   \n\n\n  Refund issued.  \n\n')).toEqual(ok({ verb: 'outcome', text: 'Refund issued.' }));
    });

    it('keeps the inner layout of the text (indentation, blank lines)', () => {
      expect(parseCommand('#note Checked:\n  - line test\n\n  - router swap')).toEqual(ok({ verb: 'note', text: 'Checked:\n  - line test\n\n  - router swap' }));
    });

    it.each(['outcome', 'note', 'reply'] as const)('#%s without text is refused, saying where the text goes', (verb) => {
      expect(errorOf(`#${verb}`)).toBe(`#${verb} needs text after it (on the same line or the lines below)`);
      expect(errorOf(`#${verb}   \n  \n\t`)).toContain(`#${verb} needs text`);
    });
  });

  describe('R5-R7 #escalate', () => {
    it.each(ESCALATION_TARGETS)('#escalate %s', (to) => {
      expect(parseCommand(`#escalate ${to}`)).toEqual(ok({ verb: 'escalate', to }));
    });

    it('takes the first word and ignores the rest of the line and the message', () => {
      expect(parseCommand('#escalate director  customer very unhappy\nmore context')).toEqual(ok({ verb: 'escalate', to: 'director' }));
    });

    it('accepts any spacing between verb and target, tabs included', () => {
      expect(parseCommand('#escalate\t   supervisor')).toEqual(ok({ verb: 'escalate', to: 'supervisor' }));
    });

    it('is refused without a target, naming every allowed value', () => {
      expect(errorOf('#escalate')).toBe('#escalate takes one of supervisor, engineering, director; got ""');
    });

    it('is refused with an unknown target, quoting it and naming the allowed values', () => {
      const error = errorOf('#escalate ceo');
      expect(error).toContain('"ceo"');
      for (const target of ESCALATION_TARGETS) expect(error).toContain(target);
    });

    it('wants the target on the first line, not below it', () => {
      expect(errorOf('#escalate\ndirector')).toContain('#escalate takes one of');
    });
  });

  describe('R6/R8/R14/R16 #flag', () => {
    it.each(STAFF_FLAGS)('#flag %s', (flag) => {
      expect(parseCommand(`#flag ${flag}`)).toEqual(ok({ verb: 'flag', flag }));
    });

    it('spells out-of-jurisdiction with hyphens (the lifecycle stores out_of_jurisdiction)', () => {
      expect(errorOf('#flag out_of_jurisdiction')).toContain('out-of-jurisdiction');
    });

    it('is refused without a flag, naming every allowed value', () => {
      expect(errorOf('#flag')).toBe('#flag takes one of vulnerable, urgent, harm, technical, vexatious, out-of-jurisdiction; got ""');
    });

    it('is refused for flags staff cannot set by command (repeat is computed, R8)', () => {
      expect(errorOf('#flag repeat')).toContain('got "repeat"');
    });
  });

  describe('R15 #deadlock and #refuse-deadlock', () => {
    it('#deadlock takes no argument and ignores any text', () => {
      expect(parseCommand('#deadlock')).toEqual(ok({ verb: 'deadlock' }));
      expect(parseCommand('#deadlock as requested\nthanks')).toEqual(ok({ verb: 'deadlock' }));
    });

    it.each(REFUSAL_REASONS)('#refuse-deadlock %s', (reason) => {
      expect(parseCommand(`#refuse-deadlock ${reason}`)).toEqual(ok({ verb: 'refuse-deadlock', reason }));
    });

    it('has exactly the three refusal reasons of R15', () => {
      expect([...REFUSAL_REASONS]).toEqual(['timely', 'vexatious', 'jurisdiction']);
    });

    it('is refused without a reason, naming the three allowed reasons', () => {
      expect(errorOf('#refuse-deadlock')).toBe('#refuse-deadlock takes one of timely, vexatious, jurisdiction; got ""');
    });

    it('is refused with another reason', () => {
      expect(errorOf('#refuse-deadlock busy')).toContain('got "busy"');
    });
  });

  describe('R17 #withdrawn and R4 #assign', () => {
    it.each(['withdrawn', 'assign'] as const)('#%s takes no argument', (verb) => {
      expect(parseCommand(`#${verb}`)).toEqual(ok({ verb }));
      expect(parseCommand(`#${verb} by phone today\nsigned`)).toEqual(ok({ verb }));
    });
  });

  describe('case-insensitivity', () => {
    it.each([
      ['#OUTCOME Done', ok({ verb: 'outcome', text: 'Done' })],
      ['#Note Called back', ok({ verb: 'note', text: 'Called back' })],
      ['#ESCALATE DIRECTOR', ok({ verb: 'escalate', to: 'director' })],
      ['#Flag Out-Of-Jurisdiction', ok({ verb: 'flag', flag: 'out-of-jurisdiction' })],
      ['#Refuse-Deadlock Timely', ok({ verb: 'refuse-deadlock', reason: 'timely' })],
      ['#WITHDRAWN', ok({ verb: 'withdrawn' })],
    ])('%s', (text, expected) => {
      expect(parseCommand(text)).toEqual(expected);
    });

    it('keeps the case of the text itself', () => {
      expect(parseCommand('#REPLY Dear Ms SMITH')).toEqual(ok({ verb: 'reply', text: 'Dear Ms SMITH' }));
    });
  });

  describe('line endings and surrounding whitespace', () => {
    it('normalises CRLF line endings in the text', () => {
      expect(parseCommand('#outcome Refunded.\r\nSecond line.\r\n')).toEqual(ok({ verb: 'outcome', text: 'Refunded.\nSecond line.' }));
    });

    it('normalises bare CR line endings', () => {
      expect(parseCommand('#note a\rb')).toEqual(ok({ verb: 'note', text: 'a\nb' }));
    });

    it('reads an argument that ends in CRLF', () => {
      expect(parseCommand('#escalate engineering\r\n\r\n-- \r\nSam')).toEqual(ok({ verb: 'escalate', to: 'engineering' }));
    });

    it('ignores blank lines and spaces before the command', () => {
      expect(parseCommand('\r\n\n   #assign')).toEqual(ok({ verb: 'assign' }));
    });
  });

  describe('what is not a command', () => {
    it('refuses an unknown verb, listing every known one', () => {
      const error = errorOf('#close now');
      expect(error).toContain('unknown command #close');
      for (const verb of COMMAND_VERBS) expect(error).toContain(`#${verb}`);
    });

    it('refuses a near miss rather than guessing (#escalated, #outcomes)', () => {
      expect(errorOf('#escalated director')).toContain('unknown command #escalated');
      expect(errorOf('#outcomes text')).toContain('unknown command #outcomes');
    });

    it.each([
      ['plain prose', 'Please close this case', 'Please close this case'],
      ['a hash followed by a space', '# note text', '# note text'],
      ['an empty message', '', ''],
      ['a command on the second line', 'Hi team\n#note x', 'Hi team'],
    ])('refuses %s, quoting the first line', (_what, text, quoted) => {
      const error = errorOf(text);
      expect(error).toContain('the first line must be a command such as #outcome');
      expect(error).toContain(JSON.stringify(quoted));
    });

    it('quotes at most 60 characters of a long first line', () => {
      const error = errorOf('x'.repeat(200));
      expect(error).toContain(JSON.stringify('x'.repeat(60)));
      expect(error).not.toContain('x'.repeat(61));
    });
  });

  describe('looksLikeCommand: is the message meant as a command at all', () => {
    it.each([
      ['#note hello', true],
      ['#OUTCOME', true],
      ['#refuse-deadlock timely', true],
      ['#unknownverb', true],
      ['\n\n  #assign', true],
      ['\r\n#note x\r\n', true],
      ['Hello\n#note x', false],
      ['# note', false],
      ['#1 priority please', false],
      ['note: #outcome', false],
      ['', false],
      ['   \n  ', false],
    ])('%j -> %s', (text, expected) => {
      expect(looksLikeCommand(text)).toBe(expected);
    });

    it('agrees with parseCommand on which line is read: an unknown verb looks like a command and parses to a clear error', () => {
      expect(looksLikeCommand('#close')).toBe(true);
      expect(errorOf('#close')).toContain('unknown command');
    });
  });
});
