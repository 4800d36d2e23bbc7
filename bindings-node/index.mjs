// ESM entry: the same API as the CommonJS entry (index.js), whose `module.exports` lists the names.
export * from './index.js';
export { default } from './index.js';
