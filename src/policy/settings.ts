import type { Config } from '../config.ts';

/** POLICY.md's numbers, read from config once. */
export interface PolicySettings {
  ackBusinessDays: number; // R1
  reviewBusinessDays: number; // R4
  updateEveryBusinessDays: number; // R3
  engineeringTargetBusinessDays: number; // R6
  engineeringOverdueBusinessDays: number; // R6
  directorDays: number; // R7 (calendar days)
  silenceClosureBusinessDays: number; // R12
  adrDays: number; // R14 (calendar days)
  adrWarningDays: number; // R14 staff warning, days before
  graceSeconds: number; // a deadline kept this late still counts as met (the scheduler's tick)
}

export function policySettings(config: Config): PolicySettings {
  return {
    ackBusinessDays: config.ACK_BUSINESS_DAYS,
    reviewBusinessDays: config.REVIEW_BUSINESS_DAYS,
    updateEveryBusinessDays: config.UPDATE_EVERY_BUSINESS_DAYS,
    engineeringTargetBusinessDays: config.ENGINEERING_TARGET_BUSINESS_DAYS,
    engineeringOverdueBusinessDays: config.ENGINEERING_OVERDUE_BUSINESS_DAYS,
    directorDays: config.DIRECTOR_DAYS,
    silenceClosureBusinessDays: config.SILENCE_CLOSURE_BUSINESS_DAYS,
    adrDays: config.ADR_DAYS,
    adrWarningDays: config.ADR_WARNING_DAYS,
    graceSeconds: config.DEADLINE_GRACE_SECONDS,
  };
}

export const DEFAULT_POLICY: PolicySettings = {
  ackBusinessDays: 1,
  reviewBusinessDays: 1,
  updateEveryBusinessDays: 5,
  engineeringTargetBusinessDays: 3,
  engineeringOverdueBusinessDays: 5,
  directorDays: 5,
  silenceClosureBusinessDays: 5,
  adrDays: 56,
  adrWarningDays: 14,
  graceSeconds: 300,
};
