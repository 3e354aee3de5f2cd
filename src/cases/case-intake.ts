import type { Db } from '../db/pool.ts';
import type { Classification, ParsedMessage } from '../intake/types.ts';
import { addCaseFlags, insertCase, type CaseRow } from './cases-repo.ts';
import { countEarlierComplaints, createNamedCustomer, setPreferredFormat, upsertCustomerByEmail } from './customers-repo.ts';
import { flagsFromSignals, isPriority } from './flags.ts';
import { appendHistory } from './history-repo.ts';
import { yearIn } from './reference.ts';

export interface CaseIntakeSettings {
  timeZone: string;
  repeatThreshold: number;
  repeatWindowDays: number;
}

export interface Arrival {
  msg: ParsedMessage;
  cls: Classification;
  inboundId: bigint;
  receivedAt: Date;
  /** MAIL FROM as the SMTP/LMTP session gave it; absent for IMAP and files. */
  envelopeFrom?: string;
  /** Set when an earlier, different message already carried this Message-ID. */
  collision?: Collision;
}

export interface Collision {
  firstInboundId: bigint;
  firstFrom: string | null;
}

const DAY_MS = 86_400_000;

/** A new complaint becomes a case: customer (and representative, R9), flags (R2, R6, R8), history (R18). */
export async function openCase(db: Db, settings: CaseIntakeSettings, a: Arrival): Promise<CaseRow> {
  const signals = a.cls.signals;
  const sender = await upsertCustomerByEmail(db, a.msg.from!.address, a.msg.from?.name);
  const third = signals?.thirdParty;
  const customer = third ? await createNamedCustomer(db, third.customerName, third.customerEmail) : sender;
  if (signals && signals.preferredFormat !== 'text') await setPreferredFormat(db, customer.id, signals.preferredFormat);
  const since = new Date(a.receivedAt.getTime() - settings.repeatWindowDays * DAY_MS);
  const earlier = await countEarlierComplaints(db, customer.id, since, a.receivedAt);
  const flags = signals ? flagsFromSignals(signals, earlier, settings.repeatThreshold) : [];
  const kase = await insertCase(db, {
    year: yearIn(a.receivedAt, settings.timeZone),
    customerId: customer.id,
    representativeId: third ? sender.id : undefined,
    subject: a.msg.subject.replaceAll('\u0000', '').slice(0, 500),
    receivedAt: a.receivedAt,
    flags,
    priority: isPriority(flags),
  });
  const actor = `customer:${a.msg.from!.address}`;
  await appendHistory(db, {
    caseId: kase.id,
    at: a.receivedAt,
    actor,
    event: 'case.opened',
    data: { reference: kase.reference, flags, priority: kase.priority, evidence: signals?.evidence ?? [], earlierComplaints: earlier, thirdParty: third ?? null },
    inboundMessageId: a.inboundId,
  });
  return kase;
}

/** A message that counts for (or concerns) an existing case is put on its record. */
export async function recordOnCase(db: Db, caseId: bigint, a: Arrival): Promise<void> {
  const raised = a.cls.kind === 'staff' ? [] : flagsFromSignals(a.cls.signals ?? noSignals, 0, Infinity).filter((f) => f !== 'missing_facts' && f !== 'third_party');
  if (raised.length > 0) await addCaseFlags(db, caseId, raised, isPriority(raised));
  await appendHistory(db, {
    caseId,
    at: a.receivedAt,
    actor: a.msg.from ? `${a.cls.kind === 'staff' ? 'staff' : 'sender'}:${a.msg.from.address}` : 'system',
    event: `message.${a.cls.kind}`,
    data: { reasons: a.cls.reasons, subject: a.msg.subject, flagsRaised: raised },
    inboundMessageId: a.inboundId,
  });
}

const noSignals = { vulnerable: false, urgent: false, harm: false, technical: false, missingFacts: false, preferredFormat: 'text' as const, evidence: [] };
