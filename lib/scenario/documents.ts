// Reads YAML/JSON manifest files into documents, keeping where each came from. Multi-document
// YAML, JSON, and `kind: List` are all accepted, as `kubectl apply -f` accepts them.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

export interface RawDocument {
  /** 1-based index of the document in its file. */
  index: number;
  value: unknown;
}

export interface ReadResult {
  documents: RawDocument[];
  errors: string[];
}

/** Parses the text of a manifest file; syntax errors name the document and line. */
export function parseDocuments(text: string, file: string): ReadResult {
  const documents: RawDocument[] = [];
  const errors: string[] = [];
  const docs = parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [docs];
  let index = 0;
  for (const doc of list) {
    index++;
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const line = e.linePos?.[0];
        const where = line ? `line ${line.line}, column ${line.col}` : 'unknown position';
        errors.push(`${file}: document ${index}: ${where}: ${firstLine(e.message).replace(/ at line \d+, column \d+:?$/, '')}`);
      }
      continue;
    }
    const value: unknown = doc.toJS({ maxAliasCount: 1000 });
    // An empty document (`---` followed by nothing) is skipped, as kubectl does.
    if (value === null || value === undefined) continue;
    documents.push({ index, value });
  }
  return { documents, errors };
}

/** Reads and parses a manifest file. A missing or unreadable file is an error, not a crash. */
export function readDocuments(path: string, shownAs = path): ReadResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String((e as Error).message);
    return { documents: [], errors: [`${shownAs}: cannot read: ${why}`] };
  }
  return parseDocuments(text, shownAs);
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return i < 0 ? s : s.slice(0, i);
}
