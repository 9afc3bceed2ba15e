import type { Db } from '../../db/client.ts';
import type { Progress } from '../progress.ts';
import type { ActivityPlan } from './rows.ts';

/** Rows per INSERT: large enough to be fast, small enough to stay far below PostgreSQL's 65535 parameters. */
export const BATCH_SIZE = 1000;

function* batches<T>(rows: readonly T[]): Generator<T[]> {
  for (let start = 0; start < rows.length; start += BATCH_SIZE) yield rows.slice(start, start + BATCH_SIZE);
}

/**
 * Writes commits, then pipelines, then jobs, a batch per statement. Each level needs the ids of the one
 * before, which come back from the insert and are matched on the natural keys (project + sha, project + iid).
 */
export async function insertActivity(db: Db, plan: ActivityPlan, progress: Progress): Promise<void> {
  const commitIds = new Map<string, number>();
  const commitsPhase = progress('commits', plan.commits.length);
  for (const batch of batches(plan.commits)) {
    const rows = await db.commit.createManyAndReturn({ data: batch, select: { id: true, projectId: true, sha: true } });
    for (const row of rows) commitIds.set(`${row.projectId}:${row.sha}`, row.id);
    commitsPhase.advance(batch.length);
  }
  commitsPhase.done();

  const pipelineIds = new Map<string, number>();
  const pipelinesPhase = progress('pipelines', plan.pipelines.length);
  for (const batch of batches(plan.pipelines)) {
    const data = batch.map(({ sha, ...pipeline }) => {
      const commitId = commitIds.get(`${pipeline.projectId}:${sha}`);
      if (commitId === undefined) throw new Error(`demo pipeline ${pipeline.projectId}#${pipeline.iid} has no commit ${sha}`);
      return { ...pipeline, commitId, updatedAt: pipeline.createdAt };
    });
    const rows = await db.pipeline.createManyAndReturn({ data, select: { id: true, projectId: true, iid: true } });
    for (const row of rows) pipelineIds.set(`${row.projectId}:${row.iid}`, row.id);
    pipelinesPhase.advance(batch.length);
  }
  pipelinesPhase.done();

  const jobsPhase = progress('jobs', plan.jobs.length);
  for (const batch of batches(plan.jobs)) {
    const data = batch.map(({ pipeline: index, ...job }) => {
      const pipeline = plan.pipelines[index];
      const pipelineId = pipeline && pipelineIds.get(`${pipeline.projectId}:${pipeline.iid}`);
      if (!pipelineId) throw new Error(`demo job ${job.name} has no pipeline`);
      return { ...job, pipelineId, updatedAt: job.finishedAt ?? job.startedAt ?? job.createdAt };
    });
    await db.job.createMany({ data });
    jobsPhase.advance(batch.length);
  }
  jobsPhase.done();
}
