// `createWebSocketStream(ws, options)`: a Duplex over a WebSocket, as ws 8
// makes it (lib/stream.js is the model): messages are read as chunks,
// writes are sent as messages, back-pressure pauses the WebSocket, and the
// end of either side ends the other.
import { Duplex } from 'node:stream';

function emitClose(stream) {
  stream.emit('close');
}

function duplexOnEnd() {
  if (!this.destroyed && this._writableState.finished) this.destroy();
}

function duplexOnError(err) {
  this.removeListener('error', duplexOnError);
  this.destroy();
  // Without another listener the error still throws, as it would unhandled.
  if (this.listenerCount('error') === 0) this.emit('error', err);
}

export function createWebSocketStream(ws, options) {
  let terminateOnDestroy = true;
  const duplex = new Duplex({
    ...options,
    autoDestroy: false,
    emitClose: false,
    objectMode: false,
    writableObjectMode: false,
  });

  ws.on('message', (message, isBinary) => {
    const data = !isBinary && duplex._readableState.objectMode ? message.toString() : message;
    if (!duplex.push(data)) ws.pause();
  });

  ws.once('error', (err) => {
    if (duplex.destroyed) return;
    // The WebSocket already closes itself (sending its close frame); a
    // terminate() from _destroy would cut that frame off.
    terminateOnDestroy = false;
    duplex.destroy(err);
  });

  ws.once('close', () => {
    if (duplex.destroyed) return;
    duplex.push(null);
  });

  duplex._destroy = (err, callback) => {
    if (ws.readyState === ws.CLOSED) {
      callback(err);
      process.nextTick(emitClose, duplex);
      return;
    }
    let called = false;
    ws.once('error', (error) => {
      called = true;
      callback(error);
    });
    ws.once('close', () => {
      if (!called) callback(err);
      process.nextTick(emitClose, duplex);
    });
    if (terminateOnDestroy) ws.terminate();
  };

  duplex._final = (callback) => {
    if (ws.readyState === ws.CONNECTING) {
      ws.once('open', () => duplex._final(callback));
      return;
    }
    // A client whose handshake failed has no socket: its 'error' comes.
    if (ws._socket === null) return;
    if (ws._socket._writableState.finished) {
      callback();
      if (duplex._readableState.endEmitted) duplex.destroy();
    } else {
      ws._socket.once('finish', () => {
        // 'end' follows on the duplex when the WebSocket emits 'close'.
        callback();
      });
      ws.close();
    }
  };

  duplex._read = () => {
    if (ws.isPaused) ws.resume();
  };

  duplex._write = (chunk, encoding, callback) => {
    if (ws.readyState === ws.CONNECTING) {
      ws.once('open', () => duplex._write(chunk, encoding, callback));
      return;
    }
    ws.send(chunk, callback);
  };

  duplex.on('end', duplexOnEnd);
  duplex.on('error', duplexOnError);
  return duplex;
}
