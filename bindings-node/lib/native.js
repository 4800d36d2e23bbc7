'use strict';
/** The native addon (napi-rs), found and loaded once by loader.js; every module of lib/ uses this one. */
module.exports = require('../loader.js').loadNative();
