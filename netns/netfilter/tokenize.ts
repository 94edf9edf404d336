// Word splitting and quoting exactly as iptables-restore and iptables-save do them
// (iptables' add_param_to_argv and xtables_save_string).

/**
 * Splits a restore line into words as iptables-restore does: blanks separate words, `"` opens
 * a quoted part in which a backslash escapes the next character, and a closing quote ends the
 * word. Backslashes outside quotes are ordinary characters.
 */
export function splitRestoreLine(line: string): string[] {
  const words: string[] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    let c = line.charCodeAt(i);
    if (isBlank(c)) {
      i++;
      continue;
    }
    // Plain words (nearly all of them) are sliced out whole.
    const start = i;
    while (i < n && !isBlank(c) && c !== QUOTE) c = line.charCodeAt(++i);
    if (i >= n || c !== QUOTE) {
      words.push(line.slice(start, i));
      continue;
    }
    // A quote: the word so far, then the quoted part with escapes, ended by the closing quote.
    let word = line.slice(start, i);
    i++;
    for (;;) {
      if (i >= n) throw new Error('unterminated quoted string');
      c = line.charCodeAt(i);
      if (c === BACKSLASH && i + 1 < n) {
        word += line[i + 1];
        i += 2;
      } else if (c === BACKSLASH) {
        throw new Error('unterminated quoted string');
      } else if (c === QUOTE) {
        i++;
        break;
      } else {
        const j = nextSpecial(line, i);
        word += line.slice(i, j);
        i = j;
      }
    }
    words.push(word);
  }
  return words;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Index of the next quote or backslash at or after `i` (or the end). */
function nextSpecial(line: string, i: number): number {
  while (i < line.length) {
    const c = line.charCodeAt(i);
    if (c === QUOTE || c === BACKSLASH) return i;
    i++;
  }
  return i;
}

const PLAIN = /^[_\-0-9a-zA-Z]+$/;

/**
 * Prints a string argument as iptables-save does: bare when it only has letters, digits, `_`
 * and `-`; otherwise double-quoted with `"`, `\` and `'` escaped by a backslash.
 */
export function quoteSaveString(value: string): string {
  if (PLAIN.test(value)) return value;
  return `"${value.replace(/["\\']/g, (c) => `\\${c}`)}"`;
}
