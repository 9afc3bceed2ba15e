// GitLab's REST entities (lib/api/entities), shaped from GraphQL results: the selections the REST operations
// make, and the functions that turn their answers into GitLab's JSON, keys in GitLab's order.

const USER_BASIC = /* GraphQL */ `fragment RestUserBasic on User { id username name state avatarUrl webUrl }`;
const PROJECT_IDENTITY = /* GraphQL */ `
  fragment RestProjectIdentity on Project { id description name nameWithNamespace path fullPath createdAt }
`;

/** Defines `...RestRunner`: the fields of GitLab's `Runner` entity. */
export const RUNNER_FRAGMENT = /* GraphQL */ `
  fragment RestRunner on CiRunner {
    id description paused runnerType name online legacyStatus createdAt jobExecutionStatus
    createdBy { ...RestUserBasic }
  }
  ${USER_BASIC}
`;

/** Defines `...RestRunnerDetails`: GitLab's `RunnerDetails`. */
export const RUNNER_DETAILS_FRAGMENT = /* GraphQL */ `
  fragment RestRunnerDetails on CiRunner {
    ...RestRunner
    tagList runUntagged locked maximumTimeout accessLevel version revision platformName architectureName contactedAt maintenanceNote
    projects(first: 100, membership: true) { edges { node { ...RestProjectIdentity } } }
    groups(membership: true) { edges { node { id webUrl name } } }
  }
  ${RUNNER_FRAGMENT}
  ${PROJECT_IDENTITY}
`;

/** Defines `...RestJob`: GitLab's `JobBasicWithProject`. */
export const JOB_FRAGMENT = /* GraphQL */ `
  fragment RestUser on User {
    id username name state avatarUrl webUrl createdAt bio location publicEmail skype linkedin twitter websiteUrl organization
  }
  fragment RestJob on CiJob {
    id status stage name ref tag coverage allowFailure createdAt startedAt finishedAt erasedAt duration queuedDuration
    failureReason webUrl
    user { ...RestUser }
    commit {
      sha shortId createdAt parentIds title message authorName authorEmail authoredDate committerName committerEmail
      committedDate webUrl
    }
    pipeline { id iid project { id } sha ref status source createdAt updatedAt webUrl }
    project { ...RestProjectIdentity }
  }
  ${PROJECT_IDENTITY}
`;

/** `gid://gitlab/Ci::Runner/6` → 6. */
export function numericId(globalId: string): number {
  return Number(globalId.slice(globalId.lastIndexOf('/') + 1));
}

export interface UserBasicNode {
  id: string;
  username: string;
  name: string;
  state: string;
  avatarUrl: string | null;
  webUrl: string;
}

export interface RunnerNode {
  id: string;
  description: string | null;
  paused: boolean;
  runnerType: string;
  name: string | null;
  online: boolean | null;
  legacyStatus: string;
  createdAt: string;
  jobExecutionStatus: string;
  createdBy: UserBasicNode | null;
}

export interface ProjectIdentityNode {
  id: string;
  description: string | null;
  name: string;
  nameWithNamespace: string;
  path: string;
  fullPath: string;
  createdAt: string;
}

export interface RunnerDetailsNode extends RunnerNode {
  tagList: string[] | null;
  runUntagged: boolean;
  locked: boolean | null;
  maximumTimeout: number | null;
  accessLevel: string;
  version: string | null;
  revision: string | null;
  platformName: string | null;
  architectureName: string | null;
  contactedAt: string | null;
  maintenanceNote: string | null;
  projects: { edges: { node: ProjectIdentityNode }[] } | null;
  groups: { edges: { node: { id: string; webUrl: string; name: string } }[] } | null;
}

export function userBasic(user: UserBasicNode) {
  return {
    id: numericId(user.id),
    username: user.username,
    name: user.name,
    state: user.state,
    avatar_url: user.avatarUrl,
    web_url: user.webUrl,
  };
}

/** GitLab's `Runner`. `ip_address` is null as in current GitLab: a runner's address is not an API fact any more. */
export function runnerEntity(runner: RunnerNode) {
  return {
    id: numericId(runner.id),
    description: runner.description ?? '',
    ip_address: null,
    active: !runner.paused,
    paused: runner.paused,
    is_shared: runner.runnerType === 'INSTANCE_TYPE',
    runner_type: runner.runnerType.toLowerCase(),
    name: runner.name,
    online: runner.online,
    ...(runner.createdBy ? { created_by: userBasic(runner.createdBy) } : {}),
    created_at: runner.createdAt,
    status: runner.legacyStatus,
    job_execution_status: runner.jobExecutionStatus.toLowerCase(),
  };
}

export function projectIdentity(project: ProjectIdentityNode) {
  return {
    id: numericId(project.id),
    description: project.description,
    name: project.name,
    name_with_namespace: project.nameWithNamespace,
    path: project.path,
    path_with_namespace: project.fullPath,
    created_at: project.createdAt,
  };
}

/** GitLab's `RunnerDetails`: the runner plus its settings, host facts and (visible) projects and groups. */
export function runnerDetailsEntity(runner: RunnerDetailsNode, includeProjects = true) {
  return {
    ...runnerEntity(runner),
    tag_list: runner.tagList ?? [],
    run_untagged: runner.runUntagged,
    locked: runner.locked ?? false,
    maximum_timeout: runner.maximumTimeout,
    access_level: runner.accessLevel.toLowerCase(),
    version: runner.version,
    revision: runner.revision,
    platform: runner.platformName,
    architecture: runner.architectureName,
    contacted_at: runner.contactedAt,
    maintenance_note: runner.maintenanceNote,
    ...(includeProjects ? { projects: (runner.projects?.edges ?? []).map((edge) => projectIdentity(edge.node)) } : {}),
    groups: (runner.groups?.edges ?? []).map(({ node }) => ({ id: numericId(node.id), web_url: node.webUrl, name: node.name })),
  };
}

export interface UserNode extends UserBasicNode {
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

export function userEntity(user: UserNode) {
  return {
    ...userBasic(user),
    created_at: user.createdAt,
    bio: user.bio,
    location: user.location,
    public_email: user.publicEmail,
    skype: user.skype,
    linkedin: user.linkedin,
    twitter: user.twitter,
    website_url: user.websiteUrl,
    organization: user.organization,
  };
}

export interface JobNode {
  id: string;
  status: string;
  stage: string;
  name: string;
  ref: string;
  tag: boolean;
  coverage: number | null;
  allowFailure: boolean;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  erasedAt: string | null;
  duration: number | null;
  queuedDuration: number | null;
  failureReason: string | null;
  webUrl: string;
  user: UserNode | null;
  commit: {
    sha: string;
    shortId: string;
    createdAt: string;
    parentIds: string[];
    title: string;
    message: string;
    authorName: string;
    authorEmail: string;
    authoredDate: string;
    committerName: string;
    committerEmail: string;
    committedDate: string;
    webUrl: string;
  } | null;
  pipeline: {
    id: string;
    iid: string;
    project: { id: string };
    sha: string;
    ref: string;
    status: string;
    source: string;
    createdAt: string;
    updatedAt: string;
    webUrl: string;
  };
  project: ProjectIdentityNode;
}

/** GitLab's `JobBasicWithProject`; `failure_reason` appears only on failed jobs. */
export function jobEntity(job: JobNode) {
  const { commit, pipeline } = job;
  return {
    id: numericId(job.id),
    status: job.status.toLowerCase(),
    stage: job.stage,
    name: job.name,
    ref: job.ref,
    tag: job.tag,
    coverage: job.coverage,
    allow_failure: job.allowFailure,
    created_at: job.createdAt,
    started_at: job.startedAt,
    finished_at: job.finishedAt,
    erased_at: job.erasedAt,
    duration: job.duration,
    queued_duration: job.queuedDuration,
    user: job.user ? userEntity(job.user) : null,
    commit: commit && {
      id: commit.sha,
      short_id: commit.shortId,
      created_at: commit.createdAt,
      parent_ids: commit.parentIds,
      title: commit.title,
      message: commit.message,
      author_name: commit.authorName,
      author_email: commit.authorEmail,
      authored_date: commit.authoredDate,
      committer_name: commit.committerName,
      committer_email: commit.committerEmail,
      committed_date: commit.committedDate,
      web_url: commit.webUrl,
    },
    pipeline: {
      id: numericId(pipeline.id),
      iid: Number(pipeline.iid),
      project_id: numericId(pipeline.project.id),
      sha: pipeline.sha,
      ref: pipeline.ref,
      status: pipeline.status.toLowerCase(),
      source: pipeline.source,
      created_at: pipeline.createdAt,
      updated_at: pipeline.updatedAt,
      web_url: pipeline.webUrl,
    },
    ...(job.status === 'FAILED' ? { failure_reason: job.failureReason } : {}),
    web_url: job.webUrl,
    project: projectIdentity(job.project),
  };
}
