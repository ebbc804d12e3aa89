/** An object as read back: its text and its ETag (for a conditional write over it). */
export interface StoredObject {
  body: string;
  etag: string | null;
}

export interface PutOptions {
  /** Write only if the object still has this ETag (S3 conditional writes, `If-Match`). */
  ifMatch?: string;
  /** '*': write only if the object does not exist yet (`If-None-Match: *`). */
  ifNoneMatch?: '*';
  signal?: AbortSignal;
}

/**
 * What the archiver needs of a bucket: read an object, write one, with or without a condition. The S3
 * implementation is in s3.ts (which loads the AWS SDK); tests may give a fake.
 */
export interface ObjectStore {
  /** The object, or null when there is no such key (a missing bucket is an error, not null). */
  get(key: string, signal?: AbortSignal): Promise<StoredObject | null>;
  put(key: string, body: string, options?: PutOptions): Promise<void>;
}

/** A conditional write lost: the object changed since it was read (HTTP 412, or 409 for a concurrent one). */
export class ConditionFailedError extends Error {
  override name = 'ConditionFailedError';
}

/** The store does not implement conditional writes (HTTP 501 NotImplemented for If-Match / If-None-Match). */
export class ConditionsUnsupportedError extends Error {
  override name = 'ConditionsUnsupportedError';
}

/**
 * A read refused (HTTP 403). Without s3:ListBucket, S3 answers 403 rather than 404 for a key that does not
 * exist (S3 API reference, GetObject, "Permissions"), so this may mean "no such object" as well.
 */
export class ReadDeniedError extends Error {
  override name = 'ReadDeniedError';
}
