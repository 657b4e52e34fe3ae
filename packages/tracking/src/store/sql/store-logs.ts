// The SQL store's logs area.
import { UserError } from '@glorank/base';
import type { LogLine, LogLineInput, LogPage, TailLogsOptions } from '../../types.js';
import type { SqlParam } from '../sql-driver.js';
import { checkId, LOG_LEVELS, type SqlStoreCore } from './store-core.js';

/** Log lines: append, tail. */
export class SqlLogs {
  constructor(private readonly core: SqlStoreCore) {}

  async appendLogs(runId: number, lines: readonly LogLineInput[]): Promise<void> {
    if (lines.length === 0) return;
    const now = Date.now();
    const rows = lines.map((l, i): SqlParam[] => {
      const level = l.level ?? 'info';
      if (!LOG_LEVELS.includes(level)) {
        throw new UserError(`expected one of ${LOG_LEVELS.join(', ')}, got '${level}'`, {
          field: `lines[${i}].level`,
        });
      }
      return [runId, l.time ?? now, level, String(l.message)];
    });
    await this.core.db.transaction(async (tx) => {
      await this.core.requireRun(tx, runId);
      await tx.bulkInsert(
        'logs',
        [
          { name: 'run_id', type: 'int' },
          { name: 'time', type: 'float' },
          { name: 'level', type: 'text' },
          { name: 'message', type: 'text' },
        ],
        rows,
      );
    });
  }

  async tailLogs(runId: number, options: TailLogsOptions = {}): Promise<LogPage> {
    checkId(runId, 'run');
    const limit = options.limit ?? 200;
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
      throw new UserError(`expected an integer in [1, 10000], got ${limit}`, { field: 'limit' });
    }
    const rows =
      options.afterSeq === undefined
        ? (
            await this.core.db.all<LogLine>(
              'SELECT seq, time, level, message FROM logs WHERE run_id = ? ORDER BY seq DESC LIMIT ?',
              [runId, limit],
            )
          ).reverse()
        : await this.core.db.all<LogLine>(
            'SELECT seq, time, level, message FROM logs WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?',
            [runId, options.afterSeq, limit],
          );
    const lastSeq = rows[rows.length - 1]?.seq;
    return { lines: rows, nextSeq: lastSeq ?? options.afterSeq ?? 0 };
  }
}
