// The words the demo data set is made of, picked to look like a real GitLab instance's runner fleet.

export const DEMO_ADMIN = { username: 'demo-admin', name: 'Demo Administrator', email: 'demo-admin@example.com' } as const;

export const TOP_LEVEL_SUFFIXES = ['Labs', 'Systems', 'Cloud', 'Software', 'Digital', 'Engineering'] as const;

export const SUBGROUP_NAMES = [
  'Backend',
  'Frontend',
  'Infrastructure',
  'Mobile',
  'Data',
  'Security',
  'Quality',
  'Platform',
  'Developer Tools',
  'Payments',
] as const;

export const NESTED_SUBGROUP_NAMES = ['Observability', 'Kubernetes', 'Release Tools', 'Build Images'] as const;

export const PROJECT_NAMES = [
  'API Gateway',
  'Web App',
  'Billing Service',
  'Auth Service',
  'Docs',
  'Terraform Modules',
  'Helm Charts',
  'Data Pipeline',
  'ML Models',
  'Design System',
  'CLI',
  'Go SDK',
  'Python SDK',
  'Monitoring',
  'Search Service',
  'Notifications',
  'Payments API',
  'Inventory',
  'Analytics Dashboard',
  'E2E Tests',
  'CI Templates',
  'iOS App',
  'Android App',
  'Feature Flags',
  'Image Builder',
  'Status Page',
] as const;

export const RUNNER_VERSIONS = [
  { version: '16.11.1', weight: 2 },
  { version: '16.11.3', weight: 3 },
  { version: '17.0.2', weight: 3 },
  { version: '17.2.0', weight: 5 },
  { version: '17.4.1', weight: 6 },
  { version: '17.5.0', weight: 8 },
] as const;

export const MAINTENANCE_NOTES = [
  'Scheduled for decommission at the end of the quarter.',
  'Disk upgrade planned for Friday; expect a short outage.',
  'Owned by the platform team, ask in #ci-runners before changing tags.',
  'GPU drivers pinned to 535; do not upgrade without testing the ML jobs.',
] as const;

export type Platform = 'linux' | 'windows' | 'darwin';

/** What a host of each platform typically runs, with GitLab Runner's executor names. */
export const PLATFORMS: Record<Platform, { executors: readonly string[]; architectures: readonly string[]; tag: string }> = {
  linux: {
    executors: ['docker', 'docker', 'kubernetes', 'docker-autoscaler', 'shell'],
    architectures: ['amd64', 'amd64', 'amd64', 'arm64'],
    tag: 'linux',
  },
  windows: { executors: ['shell', 'docker-windows'], architectures: ['amd64'], tag: 'windows' },
  darwin: { executors: ['shell', 'instance'], architectures: ['arm64', 'arm64', 'amd64'], tag: 'macos' },
};

export interface JobTemplate {
  readonly name: string;
  readonly stage: string;
  /** Seconds the job usually runs. */
  readonly duration: readonly [number, number];
  readonly manual?: boolean;
  readonly allowFailure?: boolean;
  readonly coverage?: boolean;
}

const job = (stage: string, name: string, duration: [number, number], extra: Partial<JobTemplate> = {}): JobTemplate => ({
  name,
  stage,
  duration,
  ...extra,
});

/** A project's .gitlab-ci.yml, reduced to its jobs in stage order; every pipeline of a project runs the same one. */
export const PIPELINE_TEMPLATES: readonly (readonly JobTemplate[])[] = [
  [
    job('build', 'compile-assets', [60, 240]),
    job('test', 'rspec 1/3', [240, 900], { coverage: true }),
    job('test', 'rspec 2/3', [240, 900], { coverage: true }),
    job('test', 'rspec 3/3', [240, 900], { coverage: true }),
    job('test', 'rubocop', [30, 120]),
    job('deploy', 'deploy:staging', [60, 180]),
    job('deploy', 'deploy:production', [60, 240], { manual: true }),
  ],
  [
    job('build', 'install', [30, 120]),
    job('build', 'build', [60, 300]),
    job('test', 'lint', [20, 90]),
    job('test', 'jest', [60, 400], { coverage: true }),
    job('test', 'e2e', [300, 1200], { allowFailure: true }),
    job('deploy', 'pages', [20, 60]),
  ],
  [
    job('build', 'build:linux', [40, 180]),
    job('build', 'build:darwin', [40, 180]),
    job('test', 'go test', [60, 360], { coverage: true }),
    job('test', 'golangci-lint', [30, 150]),
    job('release', 'release', [30, 90], { manual: true }),
  ],
  [
    job('build', 'docker-build', [90, 600]),
    job('test', 'container_scanning', [60, 240], { allowFailure: true }),
    job('test', 'sast', [60, 300], { allowFailure: true }),
    job('deploy', 'deploy:k8s', [30, 180]),
  ],
  [
    job('validate', 'fmt', [10, 40]),
    job('validate', 'validate', [15, 60]),
    job('plan', 'plan', [40, 240]),
    job('apply', 'apply', [60, 600], { manual: true }),
  ],
  [
    job('test', 'pytest', [90, 600], { coverage: true }),
    job('test', 'flake8', [15, 60]),
    job('test', 'mypy', [30, 180]),
    job('build', 'wheel', [30, 120]),
    job('deploy', 'publish', [20, 90]),
  ],
  [
    job('build', 'build:ios', [400, 1500]),
    job('build', 'build:android', [300, 1200]),
    job('test', 'unit-tests', [120, 600], { coverage: true }),
    job('test', 'ui-tests', [600, 1800], { allowFailure: true }),
    job('deploy', 'testflight', [120, 400], { manual: true }),
  ],
];

export const FAILURE_REASONS = [
  { value: 'script_failure', weight: 80 },
  { value: 'runner_system_failure', weight: 6 },
  { value: 'stuck_or_timeout_failure', weight: 4 },
  { value: 'job_execution_timeout', weight: 6 },
  { value: 'api_failure', weight: 4 },
] as const;
