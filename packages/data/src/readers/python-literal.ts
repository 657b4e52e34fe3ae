// Parser for the Python literals that Amazon 2014 metadata lines are (written with Python's
// repr, so single-quoted strings, True/False/None, tuples): JSON.parse rejects them and eval
// would run them. Only literal syntax is accepted.

export type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

class PyParser {
  private i = 0;
  constructor(private readonly s: string) {}

  fail(what: string): never {
    throw new SyntaxError(`${what} at column ${this.i + 1}`);
  }

  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i] as string)) this.i++;
  }

  parseAll(): PyValue {
    const v = this.value();
    this.ws();
    if (this.i !== this.s.length) this.fail('unexpected text after the literal');
    return v;
  }

  private value(): PyValue {
    this.ws();
    const c = this.s[this.i];
    if (c === '{') return this.dict();
    if (c === '[') return this.seq('[', ']');
    if (c === '(') return this.seq('(', ')');
    if (c === "'" || c === '"') return this.str();
    if (c === 'u' || c === 'b' || c === 'r') {
      const q = this.s[this.i + 1];
      if (q === "'" || q === '"') {
        const raw = c === 'r';
        this.i++;
        return this.str(raw);
      }
    }
    for (const [word, v] of [
      ['True', true],
      ['False', false],
      ['None', null],
    ] as const) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return v;
      }
    }
    const m = /^[-+]?(\d+\.?\d*(e[-+]?\d+)?|\.\d+(e[-+]?\d+)?|inf|nan)/i.exec(
      this.s.slice(this.i, this.i + 64),
    );
    if (m) {
      this.i += m[0].length;
      return Number(m[0].replace(/inf/i, 'Infinity'));
    }
    return this.fail(
      c === undefined ? 'unexpected end of line' : `unexpected character ${JSON.stringify(c)}`,
    );
  }

  private dict(): { [key: string]: PyValue } {
    const out: { [key: string]: PyValue } = {};
    this.i++;
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return out;
    }
    for (;;) {
      const key = this.value();
      this.ws();
      if (this.s[this.i] !== ':') this.fail("expected ':'");
      this.i++;
      out[String(key)] = this.value();
      this.ws();
      const c = this.s[this.i++];
      if (c === '}') return out;
      if (c !== ',') this.fail("expected ',' or '}'");
      this.ws();
      if (this.s[this.i] === '}') {
        this.i++;
        return out;
      }
    }
  }

  private seq(open: string, close: string): PyValue[] {
    const out: PyValue[] = [];
    this.i++;
    this.ws();
    if (this.s[this.i] === close) {
      this.i++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.ws();
      const c = this.s[this.i++];
      if (c === close) return out;
      if (c !== ',') this.fail(`expected ',' or '${close}' in ${open}${close}`);
      this.ws();
      if (this.s[this.i] === close) {
        this.i++;
        return out;
      }
    }
  }

  private str(raw = false): string {
    const q = this.s[this.i] as string;
    this.i++;
    let out = '';
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined) this.fail('unterminated string');
      if (c === q) {
        this.i++;
        return out;
      }
      if (c === '\\' && !raw) {
        const e = this.s[this.i + 1];
        this.i += 2;
        switch (e) {
          case 'n':
            out += '\n';
            break;
          case 't':
            out += '\t';
            break;
          case 'r':
            out += '\r';
            break;
          case '0':
            out += '\0';
            break;
          case 'x':
            out += String.fromCharCode(this.hex(2));
            break;
          case 'u':
            out += String.fromCharCode(this.hex(4));
            break;
          case 'U':
            out += String.fromCodePoint(this.hex(8));
            break;
          case undefined:
            this.fail('unterminated string');
            break;
          default:
            // \\ \' \" and unknown escapes (which Python keeps verbatim minus nothing)
            out += e === '\\' || e === "'" || e === '"' ? e : `\\${e}`;
        }
        continue;
      }
      out += c;
      this.i++;
    }
  }

  private hex(n: number): number {
    const h = this.s.slice(this.i, this.i + n);
    if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(h)) this.fail('bad escape');
    this.i += n;
    return Number.parseInt(h, 16);
  }
}

/** Parse one Python literal (dict, list, tuple, str, number, True/False/None). */
export function parsePythonLiteral(text: string): PyValue {
  return new PyParser(text).parseAll();
}
