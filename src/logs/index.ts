export * from './chunks.js';
export * from './diff.js';
export * from './profile.js';
export * from './read.js';
