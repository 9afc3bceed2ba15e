// The web pages of a runner, at GitLab's routes under the external URL: clients written for GitLab link to them.

export function runnerUrls(base: string, runnerId: number) {
  const admin = `${base}/admin/runners/${runnerId}`;
  return { admin, editAdmin: `${admin}/edit`, registerAdmin: `${admin}/register` };
}

/** Where a runner is listed: in a group's runner list, or in a project's. */
export type RunnerListOwner =
  | { readonly kind: 'group'; readonly fullPath: string }
  | { readonly kind: 'project'; readonly fullPath: string };

/** A runner's page, edit form and registration page as seen from a group's or a project's settings. */
export function ownerRunnerUrls(base: string, owner: RunnerListOwner, runnerId: number) {
  const web =
    owner.kind === 'group' ? `${base}/groups/${owner.fullPath}/-/runners/${runnerId}` : `${base}/${owner.fullPath}/-/runners/${runnerId}`;
  return { web, edit: `${web}/edit`, register: `${web}/register` };
}
