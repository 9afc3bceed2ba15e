/** GitLab's membership access levels. */
export const AccessLevel = {
  NO_ACCESS: 0,
  GUEST: 10,
  REPORTER: 20,
  DEVELOPER: 30,
  MAINTAINER: 40,
  OWNER: 50,
} as const;

export type AccessLevelValue = (typeof AccessLevel)[keyof typeof AccessLevel];

export const ACCESS_LEVEL_VALUES: readonly number[] = Object.values(AccessLevel).filter((level) => level > 0);
