// One CSV/TSV record into fields (RFC 4180 quoting: "a, b" and "" for a quote). Records that
// span lines are not supported; an unbalanced quote is an error the caller reports by line.

export function splitDelimited(line: string, delimiter: string): string[] {
  if (!line.includes('"')) return line.split(delimiter);
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let field = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q === -1) throw new Error('unterminated quoted field');
        field += line.slice(i, q);
        if (line[q + 1] === '"') {
          field += '"';
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      out.push(field);
      if (i === line.length) return out;
      if (!line.startsWith(delimiter, i))
        throw new Error(`expected '${delimiter === '\t' ? '\\t' : delimiter}' after a quoted field`);
      i += delimiter.length;
    } else {
      const d = line.indexOf(delimiter, i);
      if (d === -1) {
        out.push(line.slice(i));
        return out;
      }
      out.push(line.slice(i, d));
      i = d + delimiter.length;
    }
  }
}
