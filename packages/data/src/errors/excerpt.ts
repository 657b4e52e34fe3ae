// Bounded quotes of user input in error messages. A reader quoting a bad field or line whole
// turns a 10 MB line into a 10 MB message (and a terminal full of its escape codes); every
// reader error quotes through excerpt(), and clipMessage() bounds whatever a message became.

/** Characters of input an error message quotes at most. */
export const EXCERPT_CHARS = 80;
/** Characters a reader's error message may have in all. */
export const MESSAGE_CHARS = 600;

function cut(text: string, max: number): string {
  let head = text.slice(0, max);
  // Do not split a surrogate pair.
  const last = head.charCodeAt(head.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) head = head.slice(0, -1);
  return head;
}

/**
 * `value` quoted for an error message: JSON string syntax (so control characters and quotes
 * are visible escapes), at most `maxChars` characters of it, and its full length when cut:
 * `"abc..." (10485760 chars)`. Non-strings are shown as JSON (undefined as `undefined`).
 */
export function excerpt(value: unknown, maxChars: number = EXCERPT_CHARS): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (value === undefined) return 'undefined';
  else {
    try {
      const json = JSON.stringify(value);
      if (json === undefined) return String(value);
      // Short JSON is shown as JSON; long JSON as a quoted excerpt of its text.
      if (json.length <= maxChars) return json;
      text = json;
    } catch {
      text = String(value);
    }
  }
  if (text.length <= maxChars) return JSON.stringify(text);
  return `${JSON.stringify(`${cut(text, maxChars)}...`)} (${text.length} chars)`;
}

/** A whole message cut to MESSAGE_CHARS (for messages built from parts not quoted by excerpt). */
export function clipMessage(message: string, maxChars: number = MESSAGE_CHARS): string {
  return message.length <= maxChars
    ? message
    : `${cut(message, maxChars)}... (message cut, ${message.length} chars)`;
}
