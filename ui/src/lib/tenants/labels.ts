// How the tenant list's values read on screen. Words, never colour alone; the values
// themselves (and what matches a filter) are the backend's.
import type { ChangeEnvironment, ComplianceMode, ProgressFilter, TenantSummary } from '../backend';
import { ENVIRONMENT_LABELS } from '../drafts/labels';

export const STAGE_OPTIONS: { value: ChangeEnvironment; label: string }[] = (
  ['draft', 'staging', 'production'] as const
).map((value) => ({ value, label: ENVIRONMENT_LABELS[value] }));

export const COMPLIANCE_LABELS: Record<ComplianceMode, string> = {
  standard: 'Standard',
  gdpr: 'GDPR',
  pci_dss: 'PCI DSS',
  hipaa: 'HIPAA',
};

export const COMPLIANCE_OPTIONS = (Object.keys(COMPLIANCE_LABELS) as ComplianceMode[]).map((value) => ({
  value,
  label: COMPLIANCE_LABELS[value],
}));

export const PROGRESS_OPTIONS: { value: ProgressFilter; label: string }[] = [
  { value: 'complete', label: 'Complete' },
  { value: 'in_progress', label: 'In progress' },
  { value: 'blocked', label: 'Blocked' },
  { value: 'unknown', label: 'Not evaluated yet' },
];

/** A compliance mode in words; an unknown one as the backend spells it. */
export function complianceLabel(mode: string): string {
  return (COMPLIANCE_LABELS as Record<string, string>)[mode] ?? mode;
}

/** A stage in words. */
export function stageLabel(stage: ChangeEnvironment): string {
  return ENVIRONMENT_LABELS[stage] ?? stage;
}

/** Where a tenant's onboarding is, in words: what the backend counted, not a rule of ours. */
export function progressOf(tenant: TenantSummary): { kind: 'blocked' | 'unknown' | 'steps'; text: string } {
  if (tenant.blocked) return { kind: 'blocked', text: 'Blocked' };
  if (tenant.steps_complete === null) return { kind: 'unknown', text: 'Not evaluated yet' };
  return { kind: 'steps', text: `${tenant.steps_complete} of 12 steps` };
}
