import { builder } from '../builder.ts';

// GitLab's GraphQL enums, mapped onto the database's lower-case values.

export const CiRunnerType = builder.enumType('CiRunnerType', {
  values: {
    INSTANCE_TYPE: { value: 'instance_type' as const, description: 'A runner that is instance type.' },
    GROUP_TYPE: { value: 'group_type' as const, description: 'A runner that is group type.' },
    PROJECT_TYPE: { value: 'project_type' as const, description: 'A runner that is project type.' },
  },
});

export const CiRunnerStatus = builder.enumType('CiRunnerStatus', {
  values: {
    ONLINE: { value: 'online' as const, description: 'Runner that contacted this instance within the last 2 hours.' },
    OFFLINE: { value: 'offline' as const, description: 'Runner that has not contacted this instance within the last 2 hours.' },
    STALE: {
      value: 'stale' as const,
      description: 'Runner that has not contacted this instance within the last 7 days, or was never contacted and is older than 7 days.',
    },
    NEVER_CONTACTED: { value: 'never_contacted' as const, description: 'Runner that has never contacted this instance.' },
    ACTIVE: { value: 'active' as const, deprecationReason: 'Use the `paused: false` argument instead.' },
    PAUSED: { value: 'paused' as const, deprecationReason: 'Use the `paused: true` argument instead.' },
  },
});

export const CiRunnerAccessLevel = builder.enumType('CiRunnerAccessLevel', {
  values: {
    NOT_PROTECTED: { value: 'not_protected' as const, description: 'The runner can run jobs from any pipeline.' },
    REF_PROTECTED: { value: 'ref_protected' as const, description: 'The runner only runs jobs from protected branches and tags.' },
  },
});

export const CiRunnerSort = builder.enumType('CiRunnerSort', {
  values: {
    CONTACTED_ASC: { value: 'contacted_asc' as const },
    CONTACTED_DESC: { value: 'contacted_desc' as const },
    CREATED_ASC: { value: 'created_asc' as const },
    CREATED_DESC: { value: 'created_desc' as const },
    CREATED_ID_ASC: { value: 'id_asc' as const, description: 'Ordered by id ascending, as the REST API lists runners.' },
    TOKEN_EXPIRES_AT_ASC: { value: 'token_expires_at_asc' as const },
    TOKEN_EXPIRES_AT_DESC: { value: 'token_expires_at_desc' as const },
  },
});

export const CiRunnerMembershipFilter = builder.enumType('CiRunnerMembershipFilter', {
  values: {
    DIRECT: { value: 'direct' as const, description: 'Include runners that have a direct relationship.' },
    DESCENDANTS: {
      value: 'descendants' as const,
      description:
        'Include runners that have either a direct or inherited relationship, including runners of subgroups and their projects.',
    },
    ALL_AVAILABLE: {
      value: 'all_available' as const,
      description: "Include runners available to the group: its own, its ancestors' and instance runners.",
    },
  },
});

export const CiJobStatus = builder.enumType('CiJobStatus', {
  values: {
    CREATED: { value: 'created' as const },
    PENDING: { value: 'pending' as const },
    RUNNING: { value: 'running' as const },
    SUCCESS: { value: 'success' as const },
    FAILED: { value: 'failed' as const },
    CANCELED: { value: 'canceled' as const },
    SKIPPED: { value: 'skipped' as const },
    MANUAL: { value: 'manual' as const },
  },
});

export const CiJobSort = builder.enumType('CiJobSort', {
  values: {
    ID_ASC: { value: 'id_asc' as const, description: 'Oldest job first.' },
    ID_DESC: { value: 'id_desc' as const, description: 'Newest job first.' },
  },
});

export const CiRunnerJobExecutionStatus = builder.enumType('CiRunnerJobExecutionStatus', {
  values: {
    IDLE: { value: 'idle' as const, description: 'Runner is idle.' },
    ACTIVE: { value: 'active' as const, description: 'Runner is executing jobs.' },
  },
});

export const UserState = builder.enumType('UserState', {
  values: { active: { value: 'active' as const }, blocked: { value: 'blocked' as const } },
});

export const AccessTokenScope = builder.enumType('AccessTokenScope', {
  values: {
    API: { value: 'api' as const, description: 'Full read and write access to the API.' },
    READ_API: { value: 'read_api' as const, description: 'Read access to the API.' },
    MANAGE_RUNNER: { value: 'manage_runner' as const, description: 'Manage runners: read, update, delete one runner by id.' },
    CREATE_RUNNER: { value: 'create_runner' as const, description: 'Create runners.' },
  },
});

export const AccessLevelEnum = builder.enumType('AccessLevelEnum', {
  values: {
    GUEST: { value: 10 as const },
    REPORTER: { value: 20 as const },
    DEVELOPER: { value: 30 as const },
    MAINTAINER: { value: 40 as const },
    OWNER: { value: 50 as const },
  },
});

/** GitLab's `VisibilityLevelsEnum` (lower-case names, as GitLab's), for setting a group's or project's visibility. */
export const VisibilityLevelsEnum = builder.enumType('VisibilityLevelsEnum', {
  values: {
    private: { value: 'private' as const, description: 'Private visibility level.' },
    internal: { value: 'internal' as const, description: 'Internal visibility level.' },
    public: { value: 'public' as const, description: 'Public visibility level.' },
  },
});
