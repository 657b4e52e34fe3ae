// The SQL store's artifacts area.
import { UserError } from '@glorank/base';
import type { Artifact, ArtifactInput } from '../../types.js';
import { checkId, type SqlStoreCore } from './store-core.js';

/** Artifact records (the files themselves live beside the store). */
export class SqlArtifacts {
  constructor(private readonly core: SqlStoreCore) {}

  async addArtifact(runId: number, artifact: ArtifactInput): Promise<Artifact> {
    if (!/^[0-9a-f]{64}$/.test(artifact.sha256)) {
      throw new UserError(`expected 64 lowercase hex digits, got '${artifact.sha256}'`, { field: 'sha256' });
    }
    if (!Number.isSafeInteger(artifact.bytes) || artifact.bytes < 0) {
      throw new UserError(`expected a non-negative integer, got ${artifact.bytes}`, { field: 'bytes' });
    }
    const createdAt = artifact.createdAt ?? Date.now();
    const id = await this.core.db.transaction(async (tx) => {
      await this.core.requireRun(tx, runId);
      const row = await tx.get<{ id: number }>(
        `INSERT INTO artifacts (run_id, path, kind, bytes, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id, path) DO UPDATE SET kind = excluded.kind, bytes = excluded.bytes,
           sha256 = excluded.sha256, created_at = excluded.created_at
         RETURNING id`,
        [runId, artifact.path, artifact.kind, artifact.bytes, artifact.sha256, createdAt],
      );
      if (!row) throw new Error('INSERT ... RETURNING returned no row');
      return row.id;
    });
    return {
      id,
      runId,
      path: artifact.path,
      kind: artifact.kind,
      bytes: artifact.bytes,
      sha256: artifact.sha256,
      createdAt,
    };
  }

  async listArtifacts(runId: number): Promise<Artifact[]> {
    checkId(runId, 'run');
    const rows = await this.core.db.all<{
      id: number;
      run_id: number;
      path: string;
      kind: Artifact['kind'];
      bytes: number;
      sha256: string;
      created_at: number;
    }>('SELECT * FROM artifacts WHERE run_id = ? ORDER BY created_at, id', [runId]);
    return rows.map((r) => ({
      id: r.id,
      runId: r.run_id,
      path: r.path,
      kind: r.kind,
      bytes: r.bytes,
      sha256: r.sha256,
      createdAt: r.created_at,
    }));
  }
}
