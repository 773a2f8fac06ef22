import { mongo } from 'mongoose';

/** MongoDB's (and FerretDB's) code for a write that met an existing unique key. */
export const DUPLICATE_KEY = 11000;

/** A document of an insertMany that was not stored, and why. */
export interface InsertFailure {
  index: number;
  code?: number;
  message: string;
}

/**
 * One unordered insertMany in which a document whose unique key is stored already counts as
 * stored (insert-if-absent, the same on MongoDB and FerretDB). Returns the documents that failed
 * otherwise; throws when the write failed as a whole (the server could not be reached).
 */
export async function insertMissing(
  collection: Pick<mongo.Collection, 'insertMany'>,
  docs: mongo.OptionalId<mongo.Document>[],
): Promise<InsertFailure[]> {
  if (docs.length === 0) return [];
  try {
    await collection.insertMany(docs, { ordered: false });
    return [];
  } catch (error) {
    if (!(error instanceof mongo.MongoBulkWriteError)) throw error;
    const failures = [error.writeErrors].flat();
    if (failures.length === 0) throw error;
    return failures
      .filter((failure) => failure.code !== DUPLICATE_KEY)
      .map((failure) => ({
        index: failure.index,
        code: failure.code,
        message: failure.errmsg ?? error.message,
      }));
  }
}
