import { ValidationFailed } from '../errors.ts';

/** The runner attributes users set, before validation. `undefined` leaves an attribute as it is. */
export interface RunnerAttributes {
  description?: string | null;
  maintenanceNote?: string | null;
  maximumTimeout?: number | null;
  accessLevel?: 'not_protected' | 'ref_protected' | null;
  paused?: boolean | null;
  locked?: boolean | null;
  runUntagged?: boolean | null;
  tagList?: readonly string[] | null;
}

export const MAX_TAGS = 50;
const MAX_TEXT = 1024;
const MAX_TAG_LENGTH = 255;
const MIN_TIMEOUT = 600;

/** GitLab's tag parsing: trimmed, blanks and duplicates dropped, order kept. */
export function normalizeTags(tags: readonly string[]): string[] {
  return [
    ...new Set(
      tags
        .flatMap((tag) => tag.split(','))
        .map((tag) => tag.trim())
        .filter(Boolean),
    ),
  ];
}

/**
 * Checks the attributes as they will be after the change (GitLab's model validations), so a change is judged
 * together with what the runner already has. Throws every failure at once.
 */
export function validateRunner(
  next: {
    description: string;
    maintenanceNote: string | null;
    maximumTimeout: number | null;
    runUntagged: boolean;
    tagList: readonly string[];
  },
  tagsChanged: boolean,
): void {
  const errors: { attribute: string; message: string }[] = [];
  const tooLong = `is too long (maximum is ${MAX_TEXT} characters)`;
  if (next.description.length > MAX_TEXT) errors.push({ attribute: 'description', message: tooLong });
  if ((next.maintenanceNote?.length ?? 0) > MAX_TEXT) errors.push({ attribute: 'maintenance_note', message: tooLong });
  if (next.maximumTimeout !== null && next.maximumTimeout < MIN_TIMEOUT) {
    errors.push({ attribute: 'maximum_timeout', message: 'needs to be at least 10 minutes' });
  }
  if (!next.runUntagged && next.tagList.length === 0) {
    errors.push({ attribute: 'tags_list', message: 'can not be empty when runner is not allowed to pick untagged jobs' });
  }
  if (tagsChanged && next.tagList.length > MAX_TAGS) {
    errors.push({ attribute: 'tags_list', message: `Too many tags specified. Please limit the number of tags to ${MAX_TAGS}` });
  }
  if (tagsChanged && next.tagList.some((tag) => tag.length > MAX_TAG_LENGTH)) {
    errors.push({ attribute: 'tags_list', message: `tag is too long (maximum is ${MAX_TAG_LENGTH} characters)` });
  }
  if (errors.length) throw new ValidationFailed(errors);
}

/** The update Prisma needs, and a check of the result, for a change of `attributes` on `current`. */
export function runnerChanges(
  current: { description: string; maintenanceNote: string | null; maximumTimeout: number | null; runUntagged: boolean; tagList: string[] },
  attributes: RunnerAttributes,
) {
  const data: {
    description?: string;
    maintenanceNote?: string | null;
    maximumTimeout?: number | null;
    accessLevel?: 'not_protected' | 'ref_protected';
    paused?: boolean;
    locked?: boolean;
    runUntagged?: boolean;
    tagList?: string[];
  } = {};
  if (attributes.description !== undefined) data.description = attributes.description ?? '';
  if (attributes.maintenanceNote !== undefined) data.maintenanceNote = attributes.maintenanceNote;
  if (attributes.maximumTimeout !== undefined) data.maximumTimeout = attributes.maximumTimeout;
  if (attributes.accessLevel) data.accessLevel = attributes.accessLevel;
  if (attributes.paused !== undefined && attributes.paused !== null) data.paused = attributes.paused;
  if (attributes.locked !== undefined && attributes.locked !== null) data.locked = attributes.locked;
  if (attributes.runUntagged !== undefined && attributes.runUntagged !== null) data.runUntagged = attributes.runUntagged;
  if (attributes.tagList !== undefined) data.tagList = normalizeTags(attributes.tagList ?? []);
  validateRunner(
    {
      description: data.description ?? current.description,
      maintenanceNote: data.maintenanceNote !== undefined ? data.maintenanceNote : current.maintenanceNote,
      maximumTimeout: data.maximumTimeout !== undefined ? data.maximumTimeout : current.maximumTimeout,
      runUntagged: data.runUntagged ?? current.runUntagged,
      tagList: data.tagList ?? current.tagList,
    },
    data.tagList !== undefined && data.tagList.join(',') !== current.tagList.join(','),
  );
  return data;
}
