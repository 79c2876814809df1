// The CommonJS shape of `wsframe/socket.io`, as `require('socket.io')` has
// it: the module is a function making a Server, carrying the classes.
const io = require('./socket.io/index.mjs');

module.exports = (srv, opts) => new io.Server(srv, opts);
Object.assign(module.exports, io);
