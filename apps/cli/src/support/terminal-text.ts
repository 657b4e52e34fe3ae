// Text from the run store printed to a terminal. Run names, tags, params, log lines and
// artifact paths are written by whoever can reach the store, so escape codes in them could
// move the cursor, rewrite earlier lines or retitle the window. Every control character
// (C0, DEL, C1) and every bidirectional override is shown as a visible \x.. / \u.... escape.

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is replaced.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function printable(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
