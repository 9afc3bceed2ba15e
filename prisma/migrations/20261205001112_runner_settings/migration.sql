-- AlterTable
ALTER TABLE "ApplicationSetting" ADD COLUMN     "groupRunnerTokenExpirationInterval" INTEGER,
ADD COLUMN     "projectRunnerTokenExpirationInterval" INTEGER,
ADD COLUMN     "validRunnerRegistrars" TEXT[] DEFAULT ARRAY['project', 'group']::TEXT[];
