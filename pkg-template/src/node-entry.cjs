// The CommonJS shape of `wsframe/node`, as `require('ws')` has it: the
// module is the WebSocket class (its properties carry the rest).
module.exports = require('./node/index.mjs').default;
