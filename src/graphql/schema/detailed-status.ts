import type { JobStatusAction, JobStatusPresentation } from '../../runners/job-status.ts';
import { builder } from '../builder.ts';

/** A presented status, with what its ids and paths are built from. */
export interface DetailedStatusShape {
  readonly presentation: JobStatusPresentation;
  readonly jobId: number;
  /** The project's web path, e.g. `/group/project`. */
  readonly projectPath: string;
}

interface StatusActionShape {
  readonly action: JobStatusAction;
  readonly status: DetailedStatusShape;
}

export const StatusAction = builder.objectRef<StatusActionShape>('StatusAction').implement({
  description: 'A button a status offers: run, retry or cancel the job.',
  fields: (t) => ({
    // GitLab's id: the subject's class, then the status id.
    id: t.string({
      description: 'ID for a status action.',
      resolve: ({ status }) => `Ci::Build-${status.presentation.group}-${status.jobId}`,
    }),
    buttonTitle: t.string({
      nullable: true,
      description: 'Title for the button, for example: Run this job again.',
      resolve: ({ action }) => action.buttonTitle,
    }),
    icon: t.string({ nullable: true, description: 'Icon used in the action button.', resolve: ({ action }) => action.icon }),
    method: t.string({ nullable: true, description: 'Method for the action, for example: post.', resolve: ({ action }) => action.method }),
    path: t.string({
      nullable: true,
      description: 'Path for the action.',
      resolve: ({ action, status }) => `${status.projectPath}/-/jobs/${status.jobId}/${action.kind}`,
    }),
    title: t.string({
      nullable: true,
      description: 'Title for the action, for example: Run again.',
      resolve: ({ action }) => action.title,
    }),
  }),
});

export const DetailedStatus = builder.objectRef<DetailedStatusShape>('DetailedStatus').implement({
  description: "How a job's status is shown: GitLab's detailed status, with its icon, texts and action.",
  fields: (t) => ({
    id: t.string({
      description: 'ID for a detailed status.',
      resolve: ({ presentation, jobId }) => `${presentation.group}-${jobId}-${jobId}`,
    }),
    action: t.field({
      type: StatusAction,
      nullable: true,
      description: 'The action the current user may take on the job in this status, if any.',
      resolve: (status) => (status.presentation.action ? { action: status.presentation.action, status } : null),
    }),
    detailsPath: t.string({
      nullable: true,
      description: "Path of the job's page.",
      resolve: ({ projectPath, jobId }) => `${projectPath}/-/jobs/${jobId}`,
    }),
    favicon: t.string({
      nullable: true,
      description: 'Favicon of the status.',
      resolve: ({ presentation }) => `/assets/ci_favicons/${presentation.favicon}.png`,
    }),
    group: t.string({
      nullable: true,
      description: 'Group of the status.',
      deprecationReason: 'The `group` attribute is deprecated. Use `name` instead. Deprecated in GitLab 16.4.',
      resolve: ({ presentation }) => presentation.group,
    }),
    hasDetails: t.boolean({
      nullable: true,
      description: 'Indicates if the status has further details (the current user may open the job).',
      resolve: ({ presentation }) => presentation.hasDetails,
    }),
    icon: t.string({
      nullable: true,
      description: 'Icon of the status.',
      deprecationReason:
        'The `icon` attribute is deprecated. Use `name` to identify the status to display instead. Deprecated in GitLab 16.4.',
      resolve: ({ presentation }) => presentation.icon,
    }),
    label: t.string({
      nullable: true,
      description: 'Human-readable label of the status (e.g. passed).',
      resolve: ({ presentation }) => presentation.label,
    }),
    name: t.string({
      nullable: true,
      description: 'Machine-readable status name (e.g. SUCCESS).',
      resolve: ({ presentation }) => presentation.name,
    }),
    text: t.string({
      nullable: true,
      description: 'Text of the status.',
      deprecationReason: 'The `text` attribute is being deprecated. Use `label` instead. Deprecated in GitLab 16.4.',
      resolve: ({ presentation }) => presentation.text,
    }),
    tooltip: t.string({
      nullable: true,
      description: 'Tooltip associated with the status.',
      resolve: ({ presentation }) => presentation.tooltip,
    }),
  }),
});
