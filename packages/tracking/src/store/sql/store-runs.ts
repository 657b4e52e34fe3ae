// The SQL store's runs area: the run record and what hangs off it directly (tags, params).
import { UserError } from '@glorank/base';
import type {
  CreateRunInput,
  ListRunsOptions,
  ParamValue,
  RunDetail,
  RunPage,
  RunRecord,
  RunStatus,
} from '../../types.js';
import { RUN_STATUSES } from '../../types.js';
import { buildRunQuery } from '../run-query.js';
import type { SqlExecutor, SqlParam } from '../sql-driver.js';
import {
  checkId,
  DEFAULT_HEARTBEAT_TIMEOUT_MS,
  paramText,
  placeholders,
  type SqlStoreCore,
  TRANSITIONS,
} from './store-core.js';

/** Runs: create, read, list, status transitions, heartbeats, tags, params, delete. */
export class SqlRuns {
  constructor(private readonly core: SqlStoreCore) {}

  async createRun(input: CreateRunInput): Promise<RunRecord> {
    if (input.name.trim().length === 0) throw new UserError('run name must not be empty', { field: 'name' });
    const timeout = input.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS;
    if (!(timeout > 0)) {
      throw new UserError(`expected a positive number of ms, got ${timeout}`, {
        field: 'heartbeatTimeoutMs',
      });
    }
    const id = await this.core.db.transaction(async (tx) => {
      const experimentId = await this.core.ensureExperiment(tx, input.experiment ?? 'default', null);
      const row = await tx.get<{ id: number }>(
        `INSERT INTO runs (experiment_id, name, status, config, code_version, dataset_hash, backend, host, pid,
           started_at, heartbeat_at, heartbeat_timeout_ms)
         VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?, ${this.core.nowSql}, ${this.core.nowSql}, ?) RETURNING id`,
        [
          experimentId,
          input.name,
          JSON.stringify(input.config ?? null),
          input.codeVersion ?? null,
          input.datasetHash ?? null,
          input.backend ?? null,
          input.host ?? null,
          input.pid ?? null,
          timeout,
        ],
      );
      if (!row) throw new Error('INSERT ... RETURNING returned no row');
      await this.insertTags(tx, row.id, input.tags ?? []);
      await this.upsertParams(tx, row.id, input.params ?? {});
      return row.id;
    });
    return this.core.requireRecord(id);
  }

  async getRun(id: number): Promise<RunDetail | null> {
    checkId(id, 'run');
    await this.core.markCrashedRuns();
    const page = await this.core.pageDetails([id]);
    return page[0] ?? null;
  }

  async listRuns(options: ListRunsOptions = {}): Promise<RunPage> {
    const limit = options.limit ?? 50;
    const offset = options.offset ?? 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new UserError(`expected an integer in [1, 1000], got ${limit}`, { field: 'limit' });
    }
    if (!Number.isInteger(offset) || offset < 0) {
      throw new UserError(`expected a non-negative integer, got ${offset}`, { field: 'offset' });
    }
    const q = buildRunQuery(options);
    await this.core.markCrashedRuns();
    const base = 'FROM runs r JOIN experiments e ON e.id = r.experiment_id';
    const [count, ids] = await Promise.all([
      this.core.db.get<{ n: number }>(`SELECT count(*) AS n ${base} ${q.where}`, q.whereParams),
      this.core.db.all<{ id: number }>(
        `SELECT r.id ${base} ${q.sortJoin} ${q.where} ORDER BY ${q.orderBy} LIMIT ? OFFSET ?`,
        [...q.sortParams, ...q.whereParams, limit, offset],
      ),
    ]);
    return {
      runs: await this.core.pageDetails(ids.map((r) => r.id)),
      total: count?.n ?? 0,
      limit,
      offset,
    };
  }

  async setRunStatus(id: number, status: RunStatus, options: { error?: string } = {}): Promise<RunRecord> {
    if (!RUN_STATUSES.includes(status)) {
      throw new UserError(`expected one of ${RUN_STATUSES.join(', ')}, got '${status}'`, { field: 'status' });
    }
    await this.core.db.transaction(async (tx) => {
      await this.core.requireRun(tx, id);
      const row = await tx.get<{ status: RunStatus }>(
        `SELECT status FROM runs WHERE id = ?${this.core.db.forUpdate}`,
        [id],
      );
      const from = row?.status ?? 'running';
      if (from === status) return;
      if (!TRANSITIONS[from].includes(status)) {
        throw new UserError(`run ${id} is ${from} and cannot become ${status}`, { field: 'status' });
      }
      if (status === 'running') {
        await tx.run(
          `UPDATE runs SET status = 'running', ended_at = NULL, heartbeat_at = ${this.core.nowSql} WHERE id = ?`,
          [id],
        );
      } else if (status === 'crashed') {
        await tx.run(`UPDATE runs SET status = 'crashed', ended_at = heartbeat_at WHERE id = ?`, [id]);
      } else {
        await tx.run(
          `UPDATE runs SET status = ?, ended_at = ${this.core.nowSql}, heartbeat_at = ${this.core.nowSql}, error = ? WHERE id = ?`,
          [status, options.error ?? null, id],
        );
      }
    });
    return this.core.requireRecord(id);
  }

  async heartbeat(id: number): Promise<void> {
    checkId(id, 'run');
    const changed = await this.core.db.run(
      `UPDATE runs SET heartbeat_at = ${this.core.nowSql}, status = 'running', ended_at = NULL
       WHERE id = ? AND status IN ('running', 'crashed')`,
      [id],
    );
    if (changed === 0) await this.core.requireRun(this.core.db, id);
  }

  async reopenRun(
    id: number,
    process: { host?: string | null; pid?: number | null } = {},
  ): Promise<RunRecord> {
    await this.core.db.transaction(async (tx) => {
      await this.core.requireRun(tx, id);
      await tx.run(
        `UPDATE runs SET status = 'running', ended_at = NULL, error = NULL, heartbeat_at = ${this.core.nowSql},
           host = ?, pid = ? WHERE id = ?`,
        [process.host ?? null, process.pid ?? null, id],
      );
    });
    return this.core.requireRecord(id);
  }

  private async insertTags(tx: SqlExecutor, id: number, tags: readonly string[]): Promise<void> {
    const clean = [...new Set(tags.map((t) => t.trim()))];
    for (const tag of clean) {
      if (tag.length === 0) throw new UserError('tags must not be empty', { field: 'tags' });
    }
    if (clean.length === 0) return;
    await tx.bulkInsert(
      'run_tags',
      [
        { name: 'run_id', type: 'int' },
        { name: 'tag', type: 'text' },
      ],
      clean.map((t) => [id, t]),
      'ON CONFLICT (run_id, tag) DO NOTHING',
    );
  }

  async addTags(id: number, tags: string[]): Promise<void> {
    await this.core.db.transaction(async (tx) => {
      await this.core.requireRun(tx, id);
      await this.insertTags(tx, id, tags);
    });
  }

  async removeTags(id: number, tags: string[]): Promise<void> {
    if (tags.length === 0) return;
    await this.core.db.transaction(async (tx) => {
      await this.core.requireRun(tx, id);
      await tx.run(`DELETE FROM run_tags WHERE run_id = ? AND tag IN (${placeholders(tags.length)})`, [
        id,
        ...tags.map((t) => t.trim()),
      ]);
    });
  }

  private async upsertParams(tx: SqlExecutor, id: number, params: Record<string, ParamValue>): Promise<void> {
    const rows: SqlParam[][] = [];
    for (const [key, value] of Object.entries(params)) {
      if (key.length === 0) throw new UserError('param names must not be empty', { field: 'params' });
      if (!['string', 'number', 'boolean'].includes(typeof value)) {
        throw new UserError(`expected a string, number or boolean, got ${typeof value}`, {
          field: `params.${key}`,
        });
      }
      const { text, num } = paramText(value);
      rows.push([id, key, text, num]);
    }
    if (rows.length === 0) return;
    await tx.bulkInsert(
      'params',
      [
        { name: 'run_id', type: 'int' },
        { name: 'key', type: 'text' },
        { name: 'value', type: 'text' },
        { name: 'num_value', type: 'float' },
      ],
      rows,
      'ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, num_value = excluded.num_value',
    );
  }

  async logParams(id: number, params: Record<string, ParamValue>): Promise<void> {
    await this.core.db.transaction(async (tx) => {
      await this.core.requireRun(tx, id);
      await this.upsertParams(tx, id, params);
    });
  }

  async deleteRun(id: number): Promise<boolean> {
    checkId(id, 'run');
    return (await this.core.db.transaction((tx) => tx.run('DELETE FROM runs WHERE id = ?', [id]))) > 0;
  }
}
