import type { Db } from '../db/client.ts';
import type { User } from '../db/generated/client.ts';
import { ValidationFailed } from '../errors.ts';
import { routeTaken } from './namespaces.ts';
import {
  AttributeChecks,
  EMAIL_FORMAT,
  isHttpUrl,
  PATH_FORMAT,
  PATH_FORMAT_MESSAGE,
  sameText,
  TAKEN,
  violatesUnique,
} from './validation.ts';

export interface NewUser {
  username: string;
  name: string;
  email: string;
  admin?: boolean | null;
  bio?: string | null;
  location?: string | null;
  publicEmail?: string | null;
  skype?: string | null;
  linkedin?: string | null;
  twitter?: string | null;
  websiteUrl?: string | null;
  organization?: string | null;
  avatarUrl?: string | null;
}

const MAX_TEXT = 255;
const MAX_URL = 2048;
const PROFILE_TEXT = ['bio', 'location', 'skype', 'linkedin', 'twitter', 'organization'] as const;

/** GitLab's user validations that need no database: formats and column lengths. */
function checkAttributes(input: NewUser, email: string): AttributeChecks {
  const checks = new AttributeChecks().present('username', input.username, MAX_TEXT);
  if (!checks.has('username')) checks.format('username', PATH_FORMAT.test(input.username), PATH_FORMAT_MESSAGE);
  checks.present('name', input.name, MAX_TEXT).present('email', email, MAX_TEXT);
  if (!checks.has('email')) checks.format('email', EMAIL_FORMAT.test(email));
  for (const attribute of PROFILE_TEXT) checks.length(attribute, input[attribute], MAX_TEXT);
  checks.length('website_url', input.websiteUrl, MAX_TEXT);
  if (input.websiteUrl) checks.format('website_url', isHttpUrl(input.websiteUrl), 'is not a valid URL');
  checks.length('avatar_url', input.avatarUrl, MAX_URL);
  if (input.avatarUrl) checks.format('avatar_url', isHttpUrl(input.avatarUrl), 'is not a valid URL');
  // A user has one email here, so the only email they own and may make public is that one.
  const publicEmail = input.publicEmail?.trim().toLowerCase();
  if (publicEmail) checks.format('public_email', publicEmail === email, 'is not an email you own');
  return checks;
}

/**
 * Creates a user, as GitLab's Users::CreateService does for an admin: validated, with the username and email
 * unique regardless of case. A username is also a top-level namespace path, so it may not be a group's.
 */
export async function createUser(db: Db, input: NewUser): Promise<User> {
  // Devise keeps emails in lower case, so case never makes two addresses different.
  const email = input.email.trim().toLowerCase();
  const checks = checkAttributes(input, email);
  if (!checks.has('username') && (await routeTaken(db, input.username))) checks.add('username', TAKEN);
  if (!checks.has('email') && (await db.user.findFirst({ where: { email: sameText(email) }, select: { id: true } }))) {
    checks.add('email', TAKEN);
  }
  checks.verify();
  try {
    return await db.user.create({
      data: {
        username: input.username,
        name: input.name.trim(),
        email,
        admin: input.admin ?? false,
        bio: input.bio ?? '',
        location: input.location ?? '',
        publicEmail: input.publicEmail?.trim().toLowerCase() ?? '',
        skype: input.skype ?? '',
        linkedin: input.linkedin ?? '',
        twitter: input.twitter ?? '',
        websiteUrl: input.websiteUrl ?? '',
        organization: input.organization ?? null,
        avatarUrl: input.avatarUrl ?? null,
      },
    });
  } catch (error) {
    // Another request created the same user between the checks above and this insert.
    for (const attribute of ['username', 'email']) {
      if (violatesUnique(error, attribute)) throw new ValidationFailed([{ attribute, message: TAKEN }]);
    }
    throw error;
  }
}
