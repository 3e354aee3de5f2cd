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
