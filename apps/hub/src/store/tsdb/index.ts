export { type Aggregate, aggregateRaw, mergeAggregates } from './aggregate.ts';
export { ChunkEncoder, CorruptChunk, decodeChunk } from './codec.ts';
export { TIER } from './db.ts';
export type { CustomResult, HistoryStore, SeriesInfo } from './history.ts';
export { HistoryThread } from './history-thread.ts';
export type { ProcessFrame, TopConsumer } from './process-history.ts';
export { chooseTier, type Query, type QueryResult, type QuerySeries, type TierName } from './query.ts';
export type { Series } from './series.ts';
export { type CustomSample, DEFAULT_RETENTION, type Retention, SqliteStorage, type Storage, type StorageOptions } from './storage.ts';
