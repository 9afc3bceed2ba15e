-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "UserState" AS ENUM ('active', 'blocked');

-- CreateEnum
CREATE TYPE "TokenScope" AS ENUM ('api', 'read_api', 'manage_runner', 'create_runner');

-- CreateEnum
CREATE TYPE "RunnerType" AS ENUM ('instance_type', 'group_type', 'project_type');

-- CreateEnum
CREATE TYPE "RunnerAccessLevel" AS ENUM ('not_protected', 'ref_protected');

-- CreateEnum
CREATE TYPE "RegistrationType" AS ENUM ('registration_token', 'authenticated_user');

-- CreateEnum
CREATE TYPE "JobStatus" AS ENUM ('created', 'pending', 'running', 'success', 'failed', 'canceled', 'skipped', 'manual');

-- CreateTable
CREATE TABLE "ApplicationSetting" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "allowRunnerRegistrationToken" BOOLEAN NOT NULL DEFAULT true,
    "runnerTokenExpirationInterval" INTEGER,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ApplicationSetting_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "User" (
    "id" SERIAL NOT NULL,
    "username" VARCHAR(255) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "email" VARCHAR(255) NOT NULL,
    "state" "UserState" NOT NULL DEFAULT 'active',
    "admin" BOOLEAN NOT NULL DEFAULT false,
    "avatarUrl" VARCHAR(2048),
    "bio" VARCHAR(255) NOT NULL DEFAULT '',
    "location" VARCHAR(255) NOT NULL DEFAULT '',
    "publicEmail" VARCHAR(255) NOT NULL DEFAULT '',
    "skype" VARCHAR(255) NOT NULL DEFAULT '',
    "linkedin" VARCHAR(255) NOT NULL DEFAULT '',
    "twitter" VARCHAR(255) NOT NULL DEFAULT '',
    "websiteUrl" VARCHAR(255) NOT NULL DEFAULT '',
    "organization" VARCHAR(255),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PersonalAccessToken" (
    "id" SERIAL NOT NULL,
    "userId" INTEGER NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "digest" CHAR(64) NOT NULL,
    "scopes" "TokenScope"[],
    "expiresAt" TIMESTAMP(3),
    "revoked" BOOLEAN NOT NULL DEFAULT false,
    "lastUsedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PersonalAccessToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Group" (
    "id" SERIAL NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "path" VARCHAR(255) NOT NULL,
    "fullPath" VARCHAR(2048) NOT NULL,
    "fullName" VARCHAR(2048) NOT NULL,
    "description" VARCHAR(2048) NOT NULL DEFAULT '',
    "parentId" INTEGER,
    "traversalIds" INTEGER[],
    "sharedRunnersEnabled" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Group_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Project" (
    "id" SERIAL NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "path" VARCHAR(255) NOT NULL,
    "description" VARCHAR(2048),
    "groupId" INTEGER,
    "ownerId" INTEGER,
    "traversalIds" INTEGER[],
    "pathWithNamespace" VARCHAR(2048) NOT NULL,
    "nameWithNamespace" VARCHAR(2048) NOT NULL,
    "sharedRunnersEnabled" BOOLEAN NOT NULL DEFAULT true,
    "groupRunnersEnabled" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Project_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "GroupMember" (
    "groupId" INTEGER NOT NULL,
    "userId" INTEGER NOT NULL,
    "accessLevel" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "GroupMember_pkey" PRIMARY KEY ("groupId","userId")
);

-- CreateTable
CREATE TABLE "ProjectMember" (
    "projectId" INTEGER NOT NULL,
    "userId" INTEGER NOT NULL,
    "accessLevel" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ProjectMember_pkey" PRIMARY KEY ("projectId","userId")
);

-- CreateTable
CREATE TABLE "RegistrationToken" (
    "id" SERIAL NOT NULL,
    "digest" CHAR(64) NOT NULL,
    "groupId" INTEGER,
    "projectId" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RegistrationToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Runner" (
    "id" SERIAL NOT NULL,
    "runnerType" "RunnerType" NOT NULL,
    "description" VARCHAR(1024) NOT NULL DEFAULT '',
    "name" VARCHAR(256),
    "paused" BOOLEAN NOT NULL DEFAULT false,
    "locked" BOOLEAN NOT NULL DEFAULT false,
    "runUntagged" BOOLEAN NOT NULL DEFAULT true,
    "accessLevel" "RunnerAccessLevel" NOT NULL DEFAULT 'not_protected',
    "maximumTimeout" INTEGER,
    "tagList" TEXT[],
    "maintenanceNote" VARCHAR(1024),
    "tokenDigest" CHAR(64) NOT NULL,
    "tokenPrefix" VARCHAR(16) NOT NULL,
    "tokenExpiresAt" TIMESTAMP(3),
    "registrationType" "RegistrationType" NOT NULL DEFAULT 'registration_token',
    "contactedAt" TIMESTAMP(3),
    "ipAddress" VARCHAR(64),
    "version" VARCHAR(64),
    "revision" VARCHAR(64),
    "platform" VARCHAR(64),
    "architecture" VARCHAR(64),
    "executor" VARCHAR(64),
    "groupId" INTEGER,
    "creatorId" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Runner_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RunnerProject" (
    "id" SERIAL NOT NULL,
    "runnerId" INTEGER NOT NULL,
    "projectId" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RunnerProject_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Commit" (
    "id" SERIAL NOT NULL,
    "projectId" INTEGER NOT NULL,
    "sha" CHAR(40) NOT NULL,
    "title" VARCHAR(1024) NOT NULL,
    "message" TEXT NOT NULL,
    "authorName" VARCHAR(255) NOT NULL,
    "authorEmail" VARCHAR(255) NOT NULL,
    "authoredDate" TIMESTAMP(3) NOT NULL,
    "committerName" VARCHAR(255) NOT NULL,
    "committerEmail" VARCHAR(255) NOT NULL,
    "committedDate" TIMESTAMP(3) NOT NULL,
    "parentIds" TEXT[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Commit_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Pipeline" (
    "id" SERIAL NOT NULL,
    "iid" INTEGER NOT NULL,
    "projectId" INTEGER NOT NULL,
    "commitId" INTEGER NOT NULL,
    "userId" INTEGER,
    "ref" VARCHAR(255) NOT NULL,
    "tag" BOOLEAN NOT NULL DEFAULT false,
    "source" VARCHAR(64) NOT NULL DEFAULT 'push',
    "status" "JobStatus" NOT NULL DEFAULT 'created',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Pipeline_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Job" (
    "id" SERIAL NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "stage" VARCHAR(255) NOT NULL,
    "status" "JobStatus" NOT NULL DEFAULT 'created',
    "ref" VARCHAR(255) NOT NULL,
    "tag" BOOLEAN NOT NULL DEFAULT false,
    "coverage" DOUBLE PRECISION,
    "allowFailure" BOOLEAN NOT NULL DEFAULT false,
    "failureReason" VARCHAR(64),
    "pipelineId" INTEGER NOT NULL,
    "projectId" INTEGER NOT NULL,
    "runnerId" INTEGER,
    "userId" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "queuedAt" TIMESTAMP(3),
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Job_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_username_key" ON "User"("username");

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE UNIQUE INDEX "PersonalAccessToken_digest_key" ON "PersonalAccessToken"("digest");

-- CreateIndex
CREATE INDEX "PersonalAccessToken_userId_idx" ON "PersonalAccessToken"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "Group_fullPath_key" ON "Group"("fullPath");

-- CreateIndex
CREATE INDEX "Group_traversalIds_idx" ON "Group" USING GIN ("traversalIds");

-- CreateIndex
CREATE UNIQUE INDEX "Group_parentId_path_key" ON "Group"("parentId", "path");

-- CreateIndex
CREATE UNIQUE INDEX "Project_pathWithNamespace_key" ON "Project"("pathWithNamespace");

-- CreateIndex
CREATE INDEX "Project_groupId_idx" ON "Project"("groupId");

-- CreateIndex
CREATE INDEX "Project_ownerId_idx" ON "Project"("ownerId");

-- CreateIndex
CREATE INDEX "Project_traversalIds_idx" ON "Project" USING GIN ("traversalIds");

-- CreateIndex
CREATE INDEX "GroupMember_userId_idx" ON "GroupMember"("userId");

-- CreateIndex
CREATE INDEX "ProjectMember_userId_idx" ON "ProjectMember"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "RegistrationToken_digest_key" ON "RegistrationToken"("digest");

-- CreateIndex
CREATE UNIQUE INDEX "RegistrationToken_groupId_key" ON "RegistrationToken"("groupId");

-- CreateIndex
CREATE UNIQUE INDEX "RegistrationToken_projectId_key" ON "RegistrationToken"("projectId");

-- CreateIndex
CREATE UNIQUE INDEX "Runner_tokenDigest_key" ON "Runner"("tokenDigest");

-- CreateIndex
CREATE INDEX "Runner_runnerType_id_idx" ON "Runner"("runnerType", "id");

-- CreateIndex
CREATE INDEX "Runner_groupId_idx" ON "Runner"("groupId");

-- CreateIndex
CREATE INDEX "Runner_contactedAt_idx" ON "Runner"("contactedAt");

-- CreateIndex
CREATE INDEX "Runner_createdAt_idx" ON "Runner"("createdAt");

-- CreateIndex
CREATE INDEX "Runner_tokenExpiresAt_idx" ON "Runner"("tokenExpiresAt");

-- CreateIndex
CREATE INDEX "Runner_creatorId_idx" ON "Runner"("creatorId");

-- CreateIndex
CREATE INDEX "Runner_tagList_idx" ON "Runner" USING GIN ("tagList");

-- CreateIndex
CREATE INDEX "RunnerProject_projectId_idx" ON "RunnerProject"("projectId");

-- CreateIndex
CREATE UNIQUE INDEX "RunnerProject_runnerId_projectId_key" ON "RunnerProject"("runnerId", "projectId");

-- CreateIndex
CREATE UNIQUE INDEX "Commit_projectId_sha_key" ON "Commit"("projectId", "sha");

-- CreateIndex
CREATE UNIQUE INDEX "Pipeline_projectId_iid_key" ON "Pipeline"("projectId", "iid");

-- CreateIndex
CREATE INDEX "Job_runnerId_id_idx" ON "Job"("runnerId", "id");

-- CreateIndex
CREATE INDEX "Job_runnerId_status_id_idx" ON "Job"("runnerId", "status", "id");

-- CreateIndex
CREATE INDEX "Job_pipelineId_idx" ON "Job"("pipelineId");

-- CreateIndex
CREATE INDEX "Job_projectId_id_idx" ON "Job"("projectId", "id");

-- AddForeignKey
ALTER TABLE "PersonalAccessToken" ADD CONSTRAINT "PersonalAccessToken_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Group" ADD CONSTRAINT "Group_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "Group"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Project" ADD CONSTRAINT "Project_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "Group"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Project" ADD CONSTRAINT "Project_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GroupMember" ADD CONSTRAINT "GroupMember_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "Group"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GroupMember" ADD CONSTRAINT "GroupMember_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProjectMember" ADD CONSTRAINT "ProjectMember_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProjectMember" ADD CONSTRAINT "ProjectMember_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RegistrationToken" ADD CONSTRAINT "RegistrationToken_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "Group"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RegistrationToken" ADD CONSTRAINT "RegistrationToken_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Runner" ADD CONSTRAINT "Runner_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "Group"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Runner" ADD CONSTRAINT "Runner_creatorId_fkey" FOREIGN KEY ("creatorId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RunnerProject" ADD CONSTRAINT "RunnerProject_runnerId_fkey" FOREIGN KEY ("runnerId") REFERENCES "Runner"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RunnerProject" ADD CONSTRAINT "RunnerProject_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Commit" ADD CONSTRAINT "Commit_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Pipeline" ADD CONSTRAINT "Pipeline_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Pipeline" ADD CONSTRAINT "Pipeline_commitId_fkey" FOREIGN KEY ("commitId") REFERENCES "Commit"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Pipeline" ADD CONSTRAINT "Pipeline_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Job" ADD CONSTRAINT "Job_pipelineId_fkey" FOREIGN KEY ("pipelineId") REFERENCES "Pipeline"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Job" ADD CONSTRAINT "Job_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Job" ADD CONSTRAINT "Job_runnerId_fkey" FOREIGN KEY ("runnerId") REFERENCES "Runner"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Job" ADD CONSTRAINT "Job_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;
