/**
 * Types, zod schemas, permissions and annotations shared by the vod plugins.
 *
 * @packageDocumentation
 */

export * from './schemas';
export * from './types';
export * from './permissions';
export * from './annotations';
export * from './urls';
export * from './signals';
export * from './progress';
export * from './api';
