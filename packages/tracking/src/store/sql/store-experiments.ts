// The SQL store's experiments area.
import type { Experiment, ExperimentSummary } from '../../types.js';
import type { SqlStoreCore } from './store-core.js';

/** Experiments: create, look up, list with run counts. */
export class SqlExperiments {
  constructor(private readonly core: SqlStoreCore) {}

  async createExperiment(input: { name: string; description?: string | null }): Promise<Experiment> {
    const id = await this.core.db.transaction((tx) =>
      this.core.ensureExperiment(tx, input.name, input.description ?? null),
    );
    const e = await this.getExperiment(id);
    if (!e) throw new Error(`experiment ${id} vanished`);
    return e;
  }

  async getExperiment(idOrName: number | string): Promise<Experiment | null> {
    const row = await this.core.db.get<{
      id: number;
      name: string;
      description: string | null;
      created_at: number;
    }>(
      `SELECT id, name, description, created_at FROM experiments WHERE ${typeof idOrName === 'number' ? 'id' : 'name'} = ?`,
      [idOrName],
    );
    return row
      ? { id: row.id, name: row.name, description: row.description, createdAt: row.created_at }
      : null;
  }

  async listExperiments(): Promise<ExperimentSummary[]> {
    await this.core.markCrashedRuns();
    const rows = await this.core.db.all<{
      id: number;
      name: string;
      description: string | null;
      created_at: number;
      run_count: number;
      last_run_at: number | null;
    }>(
      `SELECT e.id, e.name, e.description, e.created_at, count(r.id) AS run_count, max(r.started_at) AS last_run_at
       FROM experiments e LEFT JOIN runs r ON r.experiment_id = e.id
       GROUP BY e.id, e.name, e.description, e.created_at ORDER BY e.name`,
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      description: r.description,
      createdAt: r.created_at,
      runCount: r.run_count,
      lastRunAt: r.last_run_at,
    }));
  }
}
