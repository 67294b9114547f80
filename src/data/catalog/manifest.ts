import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { InputError } from '../../core/errors.js';

export const MANIFEST_FILE = '_catalog.json';

/** One import into the catalog, as recorded in `_catalog.json`. */
export const ImportRecordSchema = z
  .object({
    /** The imported file's name (or e.g. "generated:seed=7"), for people. */
    source: z.string(),
    /** SHA-256 of the source's bytes: the same file imported again is recognised by it. */
    sha256: z.string(),
    kind: z.enum(['bar', 'quote', 'trade', 'book']),
    symbol: z.string(),
    side: z.enum(['bid', 'ask', 'trade']).optional(),
    /** Valid rows read from the source. */
    rows: z.number().int().nonnegative(),
    /** Rows the catalog did not have before. */
    added: z.number().int().nonnegative(),
    /** Rows already in the catalog with the same key and the same values. */
    duplicates: z.number().int().nonnegative(),
    /** Rows already in the catalog with the same key but other values. */
    conflicts: z.number().int().nonnegative(),
    /** How conflicts were resolved: the catalog's values kept, or replaced by the source's. */
    onConflict: z.enum(['keep', 'replace']),
    /** Rows rejected by validation and skipped (under --on-invalid skip). */
    invalid: z.number().int().nonnegative(),
    /** Rows whose time is the same as the previous row's (kept, ranked by n). */
    sameTime: z.number().int().nonnegative(),
    first: z.string().nullable(),
    last: z.string().nullable(),
    /**
     * Order books: sequence gaps (updates missing between a snapshot and its
     * updates, or between updates) and events after which the book was
     * crossed, found on import. The rows were stored as written; these are
     * facts about the data. Absent in records of other kinds and of older
     * catalogs.
     */
    sequenceGaps: z.number().int().nonnegative().optional(),
    crossedBooks: z.number().int().nonnegative().optional(),
    /** The first of those, as the import reported it (file:line, column, value, message). */
    firstBookWarning: z.string().optional(),
    /**
     * Recorded sets (`quantflow record`): the recording session this record
     * counts, and how many flushes (chunks) it has added so far. One record
     * per session and data set, updated at every flush; its sha256 is ''.
     */
    session: z.string().optional(),
    chunks: z.number().int().nonnegative().optional(),
  })
  .strict();

export type ImportRecord = z.infer<typeof ImportRecordSchema>;

export const ManifestSchema = z
  .object({
    format: z.literal('quantflow-catalog'),
    version: z.literal(1),
    imports: z.array(ImportRecordSchema),
  })
  .strict();

export type Manifest = z.infer<typeof ManifestSchema>;

export function emptyManifest(): Manifest {
  return { format: 'quantflow-catalog', version: 1, imports: [] };
}

/** Reads `<root>/_catalog.json` (an empty manifest when the catalog is new). */
export function readManifest(root: string): Manifest {
  const path = join(root, MANIFEST_FILE);
  if (!existsSync(path)) return emptyManifest();
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new InputError({ code: 'invalid_config', file: path, message: `not a catalog manifest: ${e instanceof Error ? e.message : String(e)}` });
  }
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new InputError({
      code: 'invalid_config',
      file: path,
      ...(first !== undefined && first.path.length > 0 ? { field: first.path.map(String).join('.') } : {}),
      message: `not a catalog manifest: ${first?.message ?? 'invalid'}`,
    });
  }
  return parsed.data;
}

/** Writes the manifest atomically (a temp file renamed over the old one). */
export function writeManifest(root: string, manifest: Manifest): void {
  mkdirSync(root, { recursive: true });
  const path = join(root, MANIFEST_FILE);
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(tmp, path);
}
