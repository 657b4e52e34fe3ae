// Conversion benchmark: writes a MovieLens-1M-format ratings.dat (1,000,000 ratings by default),
// then times, each in a fresh child process so peak RSS is its own:
//   bare     read the file and split every line into its '::' fields (the floor any reader pays)
//   read     @glorank/data's streaming ML-1M reader (parse, intern ids, typed columns)
//   convert  the whole `glorank data convert ml-1m` path (read, k-core, split, requests, Arrow write)
// and prints ratings/s, peak RSS and the ratio of each to the bare pass.
//
//   node bench/data-convert.mjs [--ratings 1000000] [--users 6040] [--items 3706]
//                               [--retriever popularity|bpr|cooccurrence] [--bpr-epochs 20] [--keep]
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: flags } = parseArgs({
  options: {
    ratings: { type: 'string', default: '1000000' },
    users: { type: 'string', default: '6040' },
    items: { type: 'string', default: '3706' },
    retriever: { type: 'string', default: 'popularity' },
    'bpr-epochs': { type: 'string', default: '20' },
    keep: { type: 'boolean', default: false },
    child: { type: 'string' },
    dir: { type: 'string' },
  },
});

async function bare(dir) {
  // The same chunked read and Latin-1 decode a careful hand-written reader would do.
  let lines = 0;
  let fields = 0;
  let carry = '';
  for await (const chunk of createReadStream(path.join(dir, 'ratings.dat'), { highWaterMark: 1 << 20 })) {
    const text = carry + chunk.toString('latin1');
    const parts = text.split('\n');
    carry = parts.pop() ?? '';
    for (const line of parts) {
      if (line.length === 0) continue;
      fields += line.split('::').length;
      lines++;
    }
  }
  if (carry.length > 0) {
    fields += carry.split('::').length;
    lines++;
  }
  return { lines, fields };
}

async function child(kind, dir) {
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  let result;
  if (kind === 'bare') {
    result = await bare(dir);
  } else {
    const data = await import('@glorank/data');
    if (kind === 'read') {
      const s = await data.readSource('ml-1m', dir);
      result = { lines: s.linesRead, users: s.log.users.size, items: s.log.items.size };
    } else {
      const out = path.join(dir, 'converted');
      const m = await data.convertDataset({
        format: 'ml-1m',
        src: dir,
        out,
        force: true,
        protocol: { retriever: flags.retriever, bprEpochs: Number(flags['bpr-epochs']) },
      });
      result = {
        lines: m.conversion.linesRead,
        requests: m.rows.requests,
        interactions: m.rows.interactions,
      };
    }
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  process.stdout.write(
    JSON.stringify({ ...result, seconds, cpuSeconds, maxRssMB: process.resourceUsage().maxRSS / 1024 }),
  );
}

/** A ratings.dat with MovieLens-1M-like skew: heavy users, popular items, 1-5 stars, 2000-2003. */
async function writeRatings(dir, n, users, items) {
  mkdirSync(dir, { recursive: true });
  let seed = 12345;
  const rand = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 4294967296;
  };
  const out = createWriteStream(path.join(dir, 'ratings.dat'), { encoding: 'latin1' });
  const perUser = Math.ceil(n / users);
  let written = 0;
  let buf = '';
  for (let u = 1; written < n; u++) {
    const count = Math.min(n - written, Math.max(20, Math.round(perUser * (0.2 + 1.6 * rand()))));
    const seen = new Set();
    let t = 956703932 + Math.floor(rand() * 3e7);
    for (let k = 0; k < count; k++) {
      let item = 1 + Math.floor(items * rand() ** 2.2);
      while (seen.has(item)) item = 1 + Math.floor(items * rand());
      seen.add(item);
      t += Math.floor(rand() * 4000);
      buf += `${((u - 1) % users) + 1}::${item}::${1 + Math.floor(rand() * 5)}::${t}\n`;
      written++;
    }
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise((r) => out.once('drain', r));
      buf = '';
    }
  }
  out.end(buf);
  await new Promise((r) => out.on('finish', r));
  const movies = createWriteStream(path.join(dir, 'movies.dat'), { encoding: 'latin1' });
  for (let i = 1; i <= items; i++) movies.write(`${i}::Movie ${i} (${1920 + (i % 80)})::Drama|Comedy\n`);
  movies.end();
  await new Promise((r) => movies.on('finish', r));
}

function runChild(kind, dir) {
  const self = fileURLToPath(import.meta.url);
  const text = execFileSync(process.execPath, [self, '--child', kind, '--dir', dir, ...passThrough()], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  return JSON.parse(text);
}

function passThrough() {
  return ['--retriever', flags.retriever, '--bpr-epochs', flags['bpr-epochs']];
}

if (flags.child) {
  await child(flags.child, flags.dir);
} else {
  const n = Number(flags.ratings);
  const dir = path.join(os.tmpdir(), `glorank-bench-ml1m-${n}`);
  if (!existsSync(path.join(dir, 'ratings.dat')))
    await writeRatings(dir, n, Number(flags.users), Number(flags.items));
  console.log(`ratings.dat with ${n} ratings in ${dir} (node ${process.version}, ${os.cpus().length} cpus)`);
  const rows = [];
  for (const kind of ['bare', 'read', 'convert']) {
    const r = runChild(kind, dir);
    rows.push({ kind, ...r });
  }
  // Wall time and CPU time (user + system) both: on a shared machine CPU time is the steadier one.
  const [b] = rows;
  console.log('stage      wall s   ratings/s  x bare   cpu s  x bare  peak RSS MB');
  for (const r of rows) {
    console.log(
      [
        r.kind.padEnd(8),
        r.seconds.toFixed(2).padStart(8),
        Math.round(n / r.seconds)
          .toLocaleString('en-US')
          .padStart(11),
        (r.seconds / b.seconds).toFixed(2).padStart(7),
        r.cpuSeconds.toFixed(2).padStart(7),
        (r.cpuSeconds / b.cpuSeconds).toFixed(2).padStart(7),
        r.maxRssMB.toFixed(0).padStart(12),
      ].join(' '),
    );
  }
  const conv = rows[2];
  console.log(
    `convert (retriever ${flags.retriever}): ${conv.requests} requests over ${conv.interactions} interactions; aim: read within 3x of bare, < 500 MB`,
  );
  if (!flags.keep) rmSync(dir, { recursive: true, force: true });
}
