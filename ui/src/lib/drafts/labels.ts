// How the draft screen's states read on screen. Words, never colour alone.
import type { ChangeEnvironment, Finding, Severity, StepStatus, SubmissionState } from '../backend';

export const SUBMISSION_LABELS: Record<SubmissionState, string> = {
  notSubmitted: 'Not submitted',
  submitted: 'Submitted',
  editedSinceSubmission: 'Edited since submission',
};

export const STEP_STATUS_LABELS: Record<StepStatus, string> = {
  complete: 'Complete',
  incomplete: 'Incomplete',
  blocked: 'Blocked',
};

const SEVERITY_LABELS: Record<Severity, string> = {
  error: 'Error',
  warning: 'Warning',
};

export const ENVIRONMENT_LABELS: Record<ChangeEnvironment, string> = {
  draft: 'Draft',
  staging: 'Staging',
  production: 'Production',
};

/** "Error", "Warning", or "Warning (justified)" when the document gives a reason. */
export function severityLabel(finding: Finding): string {
  const label = SEVERITY_LABELS[finding.severity] ?? finding.severity;
  return finding.severity === 'warning' && finding.justified ? `${label} (justified)` : label;
}
