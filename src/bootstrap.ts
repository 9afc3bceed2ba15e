import { digestToken } from './auth/tokens.ts';
import type { Db } from './db/client.ts';
import { ALL_SCOPES, createPersonalAccessToken, resetRegistrationToken } from './services/tokens.ts';

/**
 * First boot, as GitLab's initial_root_password and initial_shared_runners_registration_token: on an empty
 * database, INITIAL_ROOT_TOKEN becomes the token of the admin `root`, and INITIAL_REGISTRATION_TOKEN the
 * instance's runner registration token. Later boots change nothing; `ignoredRootToken` tells that INITIAL_ROOT_TOKEN
 * names a token the database does not have (it was changed after the first boot), so the operator can be told.
 */
export async function bootstrap(
  db: Db,
  settings: { initialRootToken: string | null; initialRegistrationToken: string | null },
): Promise<{ createdRoot: boolean; setRegistrationToken: boolean; ignoredRootToken: boolean }> {
  let createdRoot = false;
  let ignoredRootToken = false;
  let setRegistrationToken = false;
  if (settings.initialRootToken && (await db.user.count()) === 0) {
    const root = await db.user.create({
      data: { username: 'root', name: 'Administrator', email: 'admin@example.com', admin: true },
    });
    await createPersonalAccessToken(db, {
      userId: root.id,
      name: 'initial root token',
      scopes: ALL_SCOPES,
      token: settings.initialRootToken,
    });
    createdRoot = true;
  } else if (settings.initialRootToken) {
    ignoredRootToken = (await db.personalAccessToken.count({ where: { digest: digestToken(settings.initialRootToken) } })) === 0;
  }
  const instanceToken = await db.registrationToken.findFirst({ where: { groupId: null, projectId: null } });
  if (settings.initialRegistrationToken && !instanceToken) {
    await resetRegistrationToken(db, { kind: 'instance' }, settings.initialRegistrationToken);
    setRegistrationToken = true;
  }
  // INSERT … ON CONFLICT DO NOTHING: replicas starting together on a new database must not both insert the row.
  await db.applicationSetting.createMany({ data: [{ id: 1 }], skipDuplicates: true });
  return { createdRoot, setRegistrationToken, ignoredRootToken };
}
