-- CreateTable
CREATE TABLE "PlanLimit" (
    "plan" VARCHAR(255) NOT NULL,
    "ciRegisteredGroupRunners" INTEGER NOT NULL DEFAULT 1000,
    "ciRegisteredProjectRunners" INTEGER NOT NULL DEFAULT 1000,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PlanLimit_pkey" PRIMARY KEY ("plan")
);
