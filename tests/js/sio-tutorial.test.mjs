// socket.io's "Get started" chat, as its tutorial writes it (the page loads
// the client from the server with <script src="/socket.io/socket.io.js">
// and calls io()), with only the server's import changed: two Chromium pages
// chat through socket.io 4.8 and through wsframe/socket.io, and see the
// same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import * as socketIo from 'socket.io';
import * as wsframeIo from 'wsframe/socket.io';
import { launchChromium, strictPage } from './helpers.mjs';

const INDEX_HTML = `<!DOCTYPE html>
<html>
  <head><meta charset="utf-8"><title>Socket.IO chat</title><link rel="icon" href="data:,"></head>
  <body>
    <ul id="messages"></ul>
    <form id="form" action=""><input id="input" autocomplete="off" /><button>Send</button></form>
    <script src="/socket.io/socket.io.js"></script>
    <script>
      const socket = io();
      const form = document.getElementById('form');
      const input = document.getElementById('input');
      const messages = document.getElementById('messages');
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        if (input.value) {
          socket.emit('chat message', input.value);
          input.value = '';
        }
      });
      socket.on('chat message', (msg) => {
        const item = document.createElement('li');
        item.textContent = msg;
        messages.appendChild(item);
      });
    </script>
  </body>
</html>`;

/** The tutorial's server on `lib`: the page at `/`, the chat relayed to everyone. */
async function chatServer(lib) {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(INDEX_HTML);
  });
  const io = new lib.Server(server);
  io.on('connection', (socket) => {
    socket.on('chat message', (msg) => {
      io.emit('chat message', msg);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, io };
}

const messagesOf = (page) => page.$$eval('#messages li', (items) => items.map((item) => item.textContent));

test('socket.io\'s chat tutorial in Chromium, its client served by the server, on socket.io 4.8 and on wsframe/socket.io', { timeout: 60_000 }, async () => {
  const browser = await launchChromium();
  const seen = {};
  try {
    for (const [name, lib] of [['socket.io', socketIo], ['wsframe', wsframeIo]]) {
      const { url, io } = await chatServer(lib);
      const problems = [];
      const alice = await strictPage(browser, problems);
      const bob = await strictPage(browser, problems);
      try {
        await alice.goto(url);
        await bob.goto(url);
        await Promise.all([alice, bob].map((page) => page.waitForFunction(() => socket.connected)));
        for (const text of ['hello', 'héllo 👋']) {
          await alice.fill('#input', text);
          await alice.click('button');
          await bob.waitForFunction((n) => document.querySelectorAll('#messages li').length === n, text === 'hello' ? 1 : 2);
        }
        await alice.waitForFunction(() => document.querySelectorAll('#messages li').length === 2);
        // The page starts on long-polling and upgrades, as the tutorial's does.
        await bob.waitForFunction(() => socket.io.engine.transport.name === 'websocket');
        seen[name] = {
          alice: await messagesOf(alice),
          bob: await messagesOf(bob),
          transport: await bob.evaluate(() => socket.io.engine.transport.name),
          problems,
        };
      } finally {
        await alice.close();
        await bob.close();
        await io.close();
      }
    }
  } finally {
    await browser.close();
  }
  assert.deepEqual(seen['socket.io'], { alice: ['hello', 'héllo 👋'], bob: ['hello', 'héllo 👋'], transport: 'websocket', problems: [] });
  assert.deepEqual(seen.wsframe, seen['socket.io']);
});
