import type { JobStatus } from '../db/generated/enums.ts';

// How a job's status is presented (GitLab's Gitlab::Ci::Status::Build::Factory): a core status per state, then
// the extensions GitLab layers on it for builds — cancel or retry actions, the failure reason in the tooltip,
// "allowed to fail", and the play action of a manual job. Everything a DetailedStatus shows comes from here.

interface CoreStatus {
  readonly text: string;
  readonly label: string;
  readonly icon: string;
  readonly favicon: string;
}

const CORE: Record<JobStatus, CoreStatus> = {
  created: { text: 'Created', label: 'created', icon: 'status_created', favicon: 'favicon_status_created' },
  pending: { text: 'Pending', label: 'pending', icon: 'status_pending', favicon: 'favicon_status_pending' },
  running: { text: 'Running', label: 'running', icon: 'status_running', favicon: 'favicon_status_running' },
  success: { text: 'Passed', label: 'passed', icon: 'status_success', favicon: 'favicon_status_success' },
  failed: { text: 'Failed', label: 'failed', icon: 'status_failed', favicon: 'favicon_status_failed' },
  canceled: { text: 'Canceled', label: 'canceled', icon: 'status_canceled', favicon: 'favicon_status_canceled' },
  skipped: { text: 'Skipped', label: 'skipped', icon: 'status_skipped', favicon: 'favicon_status_skipped' },
  manual: { text: 'Manual', label: 'manual action', icon: 'status_manual', favicon: 'favicon_status_manual' },
};

/** GitLab's words for each failure reason in a failed job's tooltip (Status::Build::Failed::REASONS). */
const FAILURE_REASONS: Readonly<Record<string, string>> = {
  unknown_failure: 'unknown failure',
  script_failure: 'script failure',
  api_failure: 'API failure',
  stuck_or_timeout_failure: 'stuck or timeout failure',
  runner_system_failure: 'runner system failure',
  missing_dependency_failure: 'missing dependency failure',
  runner_unsupported: 'unsupported runner',
  stale_schedule: 'stale schedule',
  job_execution_timeout: 'job execution timeout',
  archived_failure: 'archived failure',
  unmet_prerequisites: 'unmet prerequisites',
  scheduler_failure: 'scheduler failure',
  data_integrity_failure: 'data integrity failure',
  no_matching_runner: 'no matching runner available',
  trace_size_exceeded: 'log size limit exceeded',
  builds_disabled: 'project builds are disabled',
  ci_quota_exceeded: 'no more CI minutes available',
  user_blocked: 'pipeline user was blocked',
  project_deleted: 'pipeline project was deleted',
};

export type JobActionKind = 'cancel' | 'retry' | 'play';

/** A button the status offers (GitLab's StatusAction); the path is relative to the project's web path. */
export interface JobStatusAction {
  readonly kind: JobActionKind;
  readonly icon: string;
  readonly title: string;
  readonly buttonTitle: string;
  readonly method: 'post';
}

const ACTIONS: Record<JobActionKind, JobStatusAction> = {
  cancel: { kind: 'cancel', icon: 'cancel', title: 'Cancel', buttonTitle: 'Cancel this job', method: 'post' },
  retry: { kind: 'retry', icon: 'retry', title: 'Run again', buttonTitle: 'Run this job again', method: 'post' },
  play: { kind: 'play', icon: 'play', title: 'Run', buttonTitle: 'Run job', method: 'post' },
};

export interface JobStatusPresentation extends CoreStatus {
  /** GitLab's status group: the CSS/status family (`success`, `failed-with-warnings`, …). */
  readonly group: string;
  /** Machine-readable name (`SUCCESS`, `FAILED`, …). */
  readonly name: string;
  readonly tooltip: string;
  readonly hasDetails: boolean;
  /** The action the viewer may take, if the state has one and they may update the job. */
  readonly action: JobStatusAction | null;
}

export interface JobStatusSubject {
  readonly status: JobStatus;
  readonly allowFailure: boolean;
  readonly failureReason: string | null;
}

/** The viewer's rights on the job, decided by the job rules (see jobs.ts). */
export interface JobStatusRights {
  readonly canRead: boolean;
  readonly canUpdate: boolean;
}

/** The action a job in this state offers: GitLab's `cancelable?`, `retryable?` and `playable?`. */
function actionFor(status: JobStatus): JobActionKind | null {
  switch (status) {
    case 'created':
    case 'pending':
    case 'running':
      return 'cancel';
    case 'success':
    case 'failed':
    case 'canceled':
      return 'retry';
    case 'manual':
      return 'play';
    case 'skipped':
      return null;
  }
}

export function presentJobStatus(job: JobStatusSubject, rights: JobStatusRights): JobStatusPresentation {
  const core = CORE[job.status];
  const kind = actionFor(job.status);
  const action = kind && rights.canUpdate ? ACTIONS[kind] : null;
  const base = {
    ...core,
    group: job.status,
    name: job.status.toUpperCase(),
    tooltip: core.label,
    hasDetails: rights.canRead,
    action,
  };
  if (job.status === 'failed') {
    const reason = FAILURE_REASONS[job.failureReason ?? 'unknown_failure'] ?? FAILURE_REASONS.unknown_failure;
    const tooltip = `failed - (${reason})`;
    if (!job.allowFailure) return { ...base, tooltip };
    return {
      ...base,
      label: 'failed (allowed to fail)',
      icon: 'status_warning',
      group: 'failed-with-warnings',
      tooltip: `${tooltip} (allowed to fail)`,
    };
  }
  if (job.status === 'manual') {
    // GitLab's Build::Play relabels a manual job and Build::Action says so when the viewer may not run it;
    // the tooltip stays the core status's label, as GitLab's extensions do not decorate it.
    return { ...base, label: action ? 'manual play action' : 'manual play action (not allowed)' };
  }
  return base;
}
