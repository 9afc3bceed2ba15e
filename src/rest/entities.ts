// GitLab's REST entities (lib/api/entities) other than the runner's (runner-entities.ts), shaped from GraphQL
// results: the selections the REST operations make, and the functions that turn their answers into GitLab's JSON,
// keys in GitLab's order.
import { graphql, type ResultOf } from './graphql.ts';

export const UserBasicFragment = graphql(`fragment RestUserBasic on User { id username name state avatarUrl webUrl }`);

export const ProjectIdentityFragment = graphql(`
  fragment RestProjectIdentity on Project { id description name nameWithNamespace path fullPath createdAt }
`);

/** GitLab's `User`, as a job names its user. */
export const UserFragment = graphql(`
  fragment RestUser on User {
    id username name state avatarUrl webUrl createdAt bio location publicEmail skype linkedin twitter websiteUrl organization
  }
`);

/** GitLab's `JobBasicWithProject`. */
export const JobFragment = graphql(
  `
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
`,
  [UserFragment, ProjectIdentityFragment],
);

type UserBasicNode = ResultOf<typeof UserBasicFragment>;
type ProjectIdentityNode = ResultOf<typeof ProjectIdentityFragment>;
export type UserNode = ResultOf<typeof UserFragment>;
export type JobNode = ResultOf<typeof JobFragment>;

/** `gid://gitlab/Ci::Runner/6` → 6. (The schema declares ids nullable, as GitLab's does; they are never null.) */
export function numericId(globalId: string | null): number {
  return globalId === null ? Number.NaN : Number(globalId.slice(globalId.lastIndexOf('/') + 1));
}

/** GitLab's REST enums are GraphQL's in lower case. */
export const lower = (value: string | null) => value?.toLowerCase() ?? null;

/** A connection's nodes (edges and nodes are nullable in the schema, as in GitLab's; none is null). */
export function nodes<Node>(connection: { readonly edges: readonly ({ readonly node: Node | null } | null)[] | null } | null): Node[] {
  return (connection?.edges ?? []).flatMap((edge) => (edge?.node ? [edge.node] : []));
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

/** GitLab's `JobBasicWithProject`; `failure_reason` appears only on failed jobs. */
export function jobEntity(job: JobNode) {
  const { commit, pipeline } = job;
  return {
    id: numericId(job.id),
    status: lower(job.status),
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
    pipeline: pipeline && {
      id: numericId(pipeline.id),
      iid: Number(pipeline.iid),
      project_id: numericId(pipeline.project?.id ?? null),
      sha: pipeline.sha,
      ref: pipeline.ref,
      status: lower(pipeline.status),
      source: pipeline.source,
      created_at: pipeline.createdAt,
      updated_at: pipeline.updatedAt,
      web_url: pipeline.webUrl,
    },
    ...(job.status === 'FAILED' ? { failure_reason: job.failureReason } : {}),
    web_url: job.webUrl,
    project: job.project && projectIdentity(job.project),
  };
}
