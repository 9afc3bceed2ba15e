// The baseline's answers: rows straight from PostgreSQL turned into the gateway's JSON, in both shapes (GitLab's
// REST entities and the GraphQL results of the same selections), with nothing in between.
import { isOnline, restRunnerStatus } from '../src/runners/status.ts';

/** Timestamps arrive as ISO strings: top-level columns through our type parser, JSONB ones without a zone. */
export const iso = (value: string | null): string | null =>
  value === null ? null : new Date(value.endsWith('Z') ? value : `${value}Z`).toISOString();
const isoDate = (value: string | null) => (value === null ? null : new Date(value.endsWith('Z') ? value : `${value}Z`));

export interface UserJson {
  id: number;
  username: string;
  name: string;
  state: string;
  avatarUrl: string | null;
  createdAt: string;
  bio: string;
  location: string;
  publicEmail: string;
  skype: string;
  linkedin: string;
  twitter: string;
  websiteUrl: string;
  organization: string | null;
}
export interface ProjectJson {
  id: number;
  name: string;
  path: string;
  description: string | null;
  pathWithNamespace: string;
  nameWithNamespace: string;
  createdAt: string;
}
export interface GroupJson {
  id: number;
  name: string;
  fullPath: string;
}
export interface CommitJson {
  sha: string;
  title: string;
  message: string;
  authorName: string;
  authorEmail: string;
  authoredDate: string;
  committerName: string;
  committerEmail: string;
  committedDate: string;
  parentIds: string[];
  createdAt: string;
  project: { pathWithNamespace: string };
}
export interface PipelineJson {
  id: number;
  iid: number;
  projectId: number;
  ref: string;
  source: string;
  status: string;
  createdAt: string;
  updatedAt: string;
  commit: CommitJson;
  project: ProjectJson;
}
export interface JobJson {
  id: number;
  name: string;
  stage: string;
  status: string;
  ref: string;
  tag: boolean;
  coverage: number | null;
  allowFailure: boolean;
  failureReason: string | null;
  createdAt: string;
  queuedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  project: ProjectJson;
  user: UserJson | null;
  pipeline: PipelineJson;
}
export interface RunnerRow {
  id: number;
  runnerType: string;
  description: string;
  name: string | null;
  paused: boolean;
  locked: boolean;
  runUntagged: boolean;
  accessLevel: string;
  maximumTimeout: number | null;
  tagList: string[] | null;
  maintenanceNote: string | null;
  contactedAt: string | null;
  createdAt: string;
  creator: UserJson | null;
  runnerProjects?: { id: number; projectId: number; project: ProjectJson }[];
  group?: GroupJson | null;
  jobs?: JobJson[];
}

const gid = (modelClass: string, id: number) => `gid://gitlab/${modelClass}/${id}`;

function statusFacts(runner: RunnerRow) {
  return { contactedAt: isoDate(runner.contactedAt), createdAt: new Date(runner.createdAt), paused: runner.paused };
}

// --- REST (GitLab's entities) ---

const restUserBasic = (user: UserJson, base: string) => ({
  id: user.id,
  username: user.username,
  name: user.name,
  state: user.state,
  avatar_url: user.avatarUrl,
  web_url: `${base}/${user.username}`,
});

export function restRunner(runner: RunnerRow, running: boolean, base: string) {
  const facts = statusFacts(runner);
  return {
    id: runner.id,
    description: runner.description,
    ip_address: null,
    active: !runner.paused,
    paused: runner.paused,
    is_shared: runner.runnerType === 'instance_type',
    runner_type: runner.runnerType,
    name: runner.name,
    online: isOnline(facts),
    ...(runner.creator ? { created_by: restUserBasic(runner.creator, base) } : {}),
    created_at: iso(runner.createdAt),
    status: restRunnerStatus(facts),
    job_execution_status: running ? 'active' : 'idle',
  };
}

const restProject = (project: ProjectJson) => ({
  id: project.id,
  description: project.description,
  name: project.name,
  name_with_namespace: project.nameWithNamespace,
  path: project.path,
  path_with_namespace: project.pathWithNamespace,
  created_at: iso(project.createdAt),
});

export function restRunnerDetails(runner: RunnerRow, running: boolean, base: string) {
  return {
    ...restRunner(runner, running, base),
    tag_list: runner.tagList ?? [],
    run_untagged: runner.runUntagged,
    locked: runner.locked,
    maximum_timeout: runner.maximumTimeout,
    access_level: runner.accessLevel,
    // Host facts are runner managers' now, and the bench data set has none: null on both servers.
    version: null,
    revision: null,
    platform: null,
    architecture: null,
    contacted_at: iso(runner.contactedAt),
    maintenance_note: runner.maintenanceNote,
    projects: (runner.runnerProjects ?? []).slice(0, 100).map((link) => restProject(link.project)),
    groups: runner.group ? [{ id: runner.group.id, web_url: `${base}/groups/${runner.group.fullPath}`, name: runner.group.name }] : [],
  };
}

function seconds(from: string | null, until: Date | null): number | null {
  return from && until ? (until.getTime() - new Date(`${from}Z`).getTime()) / 1000 : null;
}

function durations(job: JobJson) {
  const duration = job.startedAt ? seconds(job.startedAt, job.finishedAt ? new Date(`${job.finishedAt}Z`) : new Date()) : null;
  const until = job.startedAt ? new Date(`${job.startedAt}Z`) : job.status === 'pending' ? new Date() : null;
  return { duration, queued: seconds(job.queuedAt ?? job.createdAt, until) };
}

const restUser = (user: UserJson, base: string) => ({
  ...restUserBasic(user, base),
  created_at: iso(user.createdAt),
  bio: user.bio,
  location: user.location,
  public_email: user.publicEmail,
  skype: user.skype,
  linkedin: user.linkedin,
  twitter: user.twitter,
  website_url: user.websiteUrl,
  organization: user.organization,
});

export function restJob(job: JobJson, base: string) {
  const { commit, project } = job.pipeline;
  const { duration, queued } = durations(job);
  return {
    id: job.id,
    status: job.status,
    stage: job.stage,
    name: job.name,
    ref: job.ref,
    tag: job.tag,
    coverage: job.coverage,
    allow_failure: job.allowFailure,
    created_at: iso(job.createdAt),
    started_at: iso(job.startedAt),
    finished_at: iso(job.finishedAt),
    erased_at: null,
    duration,
    queued_duration: queued,
    user: job.user ? restUser(job.user, base) : null,
    commit: {
      id: commit.sha,
      short_id: commit.sha.slice(0, 8),
      created_at: iso(commit.createdAt),
      parent_ids: commit.parentIds,
      title: commit.title,
      message: commit.message,
      author_name: commit.authorName,
      author_email: commit.authorEmail,
      authored_date: iso(commit.authoredDate),
      committer_name: commit.committerName,
      committer_email: commit.committerEmail,
      committed_date: iso(commit.committedDate),
      web_url: `${base}/${commit.project.pathWithNamespace}/-/commit/${commit.sha}`,
    },
    pipeline: {
      id: job.pipeline.id,
      iid: job.pipeline.iid,
      project_id: job.pipeline.projectId,
      sha: commit.sha,
      ref: job.pipeline.ref,
      status: job.pipeline.status,
      source: job.pipeline.source,
      created_at: iso(job.pipeline.createdAt),
      updated_at: iso(job.pipeline.updatedAt),
      web_url: `${base}/${project.pathWithNamespace}/-/pipelines/${job.pipeline.id}`,
    },
    ...(job.status === 'failed' ? { failure_reason: job.failureReason ?? 'unknown_failure' } : {}),
    web_url: `${base}/${job.project.pathWithNamespace}/-/jobs/${job.id}`,
    project: restProject(job.project),
  };
}

// --- GraphQL (the results of the REST shim's own selections) ---

const gqlUserBasic = (user: UserJson, base: string) => ({
  id: gid('User', user.id),
  username: user.username,
  name: user.name,
  state: user.state,
  avatarUrl: user.avatarUrl,
  webUrl: `${base}/${user.username}`,
});

export function gqlRunner(runner: RunnerRow, running: boolean, base: string) {
  const facts = statusFacts(runner);
  return {
    id: gid('Ci::Runner', runner.id),
    description: runner.description,
    active: !runner.paused,
    paused: runner.paused,
    runnerType: runner.runnerType.toUpperCase(),
    name: runner.name,
    online: isOnline(facts),
    legacyStatus: restRunnerStatus(facts),
    createdAt: iso(runner.createdAt),
    jobExecutionStatus: running ? 'ACTIVE' : 'IDLE',
    createdBy: runner.creator ? gqlUserBasic(runner.creator, base) : null,
  };
}

const gqlProject = (project: ProjectJson) => ({
  id: gid('Project', project.id),
  description: project.description,
  name: project.name,
  nameWithNamespace: project.nameWithNamespace,
  path: project.path,
  fullPath: project.pathWithNamespace,
  createdAt: iso(project.createdAt),
});

export function gqlRunnerDetails(runner: RunnerRow, running: boolean, base: string) {
  return {
    ...gqlRunner(runner, running, base),
    tagList: runner.tagList,
    runUntagged: runner.runUntagged,
    locked: runner.locked,
    maximumTimeout: runner.maximumTimeout,
    accessLevel: runner.accessLevel.toUpperCase(),
    version: null,
    revision: null,
    platformName: null,
    architectureName: null,
    contactedAt: iso(runner.contactedAt),
    maintenanceNote: runner.maintenanceNote,
    projects: { edges: (runner.runnerProjects ?? []).slice(0, 100).map((link) => ({ node: gqlProject(link.project) })) },
    groups: {
      edges: runner.group
        ? [{ node: { id: gid('Group', runner.group.id), webUrl: `${base}/groups/${runner.group.fullPath}`, name: runner.group.name } }]
        : [],
    },
  };
}

const gqlUser = (user: UserJson, base: string) => ({
  ...gqlUserBasic(user, base),
  createdAt: iso(user.createdAt),
  bio: user.bio,
  location: user.location,
  publicEmail: user.publicEmail,
  skype: user.skype,
  linkedin: user.linkedin,
  twitter: user.twitter,
  websiteUrl: user.websiteUrl,
  organization: user.organization,
});

export function gqlJob(job: JobJson, base: string) {
  const { commit, project } = job.pipeline;
  const { duration, queued } = durations(job);
  return {
    id: gid('Ci::Build', job.id),
    status: job.status.toUpperCase(),
    stage: job.stage,
    name: job.name,
    ref: job.ref,
    tag: job.tag,
    coverage: job.coverage,
    allowFailure: job.allowFailure,
    createdAt: iso(job.createdAt),
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
    erasedAt: null,
    duration,
    queuedDuration: queued,
    failureReason: job.status === 'failed' ? (job.failureReason ?? 'unknown_failure') : null,
    webUrl: `${base}/${job.project.pathWithNamespace}/-/jobs/${job.id}`,
    user: job.user ? gqlUser(job.user, base) : null,
    commit: {
      sha: commit.sha,
      shortId: commit.sha.slice(0, 8),
      createdAt: iso(commit.createdAt),
      parentIds: commit.parentIds,
      title: commit.title,
      message: commit.message,
      authorName: commit.authorName,
      authorEmail: commit.authorEmail,
      authoredDate: iso(commit.authoredDate),
      committerName: commit.committerName,
      committerEmail: commit.committerEmail,
      committedDate: iso(commit.committedDate),
      webUrl: `${base}/${commit.project.pathWithNamespace}/-/commit/${commit.sha}`,
    },
    pipeline: {
      id: gid('Ci::Pipeline', job.pipeline.id),
      iid: String(job.pipeline.iid),
      project: { id: gid('Project', job.pipeline.projectId) },
      sha: commit.sha,
      ref: job.pipeline.ref,
      status: job.pipeline.status.toUpperCase(),
      source: job.pipeline.source,
      createdAt: iso(job.pipeline.createdAt),
      updatedAt: iso(job.pipeline.updatedAt),
      webUrl: `${base}/${project.pathWithNamespace}/-/pipelines/${job.pipeline.id}`,
    },
    project: gqlProject(job.project),
  };
}

/** Pothos's cursor for an id-ordered connection: base64 of `GPC:N:<id>`. */
export const cursorOf = (id: number) => Buffer.from(`GPC:N:${id}`).toString('base64');
export const idOfCursor = (cursor: string) => {
  const match = /^GPC:N:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString());
  return match?.[1] ? Number(match[1]) : null;
};
