import type { JobStatus } from '../../db/generated/enums.ts';
import type { DemoProject } from './people.ts';
import type { DemoRunner } from './runners.ts';
import type { JobTemplate } from './vocabulary.ts';

// The rows the demo's CI history is made of, before they have ids, and what the planner keeps per project.

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const DAY = 24 * 60 * MINUTE;
/** How far back the demo's CI history goes. */
export const HISTORY_MS = 30 * DAY;

export interface CommitRow {
  projectId: number;
  sha: string;
  title: string;
  message: string;
  authorName: string;
  authorEmail: string;
  authoredDate: Date;
  committerName: string;
  committerEmail: string;
  committedDate: Date;
  parentIds: string[];
  createdAt: Date;
}

/** A pipeline before it has an id; its commit is named by sha, as it has no id yet either. */
export interface PipelineRow {
  projectId: number;
  iid: number;
  sha: string;
  userId: number | null;
  ref: string;
  tag: boolean;
  source: string;
  status: JobStatus;
  createdAt: Date;
}

export interface JobRow {
  /** Index of the job's pipeline in the plan's `pipelines`. */
  pipeline: number;
  name: string;
  stage: string;
  status: JobStatus;
  ref: string;
  tag: boolean;
  coverage: number | null;
  allowFailure: boolean;
  tagList: string[];
  failureReason: string | null;
  projectId: number;
  runnerId: number | null;
  runnerManagerId: number | null;
  userId: number | null;
  createdAt: Date;
  queuedAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface ActivityPlan {
  commits: CommitRow[];
  pipelines: PipelineRow[];
  jobs: JobRow[];
}

export interface ProjectState {
  readonly project: DemoProject;
  readonly template: readonly JobTemplate[];
  /** Its runners, each as often as it should be picked: own runners first, shared ones least. */
  readonly runners: readonly DemoRunner[];
  iid: number;
  head: CommitRow | null;
  release: [number, number, number];
}
