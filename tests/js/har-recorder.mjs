// A HAR of what a Chromium page did on the network, as DevTools' "Save all
// as HAR" writes it (entries with request and response, WebSocket entries
// with `_resourceType: "websocket"` and `_webSocketMessages`), built from
// the Chrome DevTools Protocol's Network events, which are what DevTools
// itself builds its HAR from.

/** Starts recording `page`; `stop()` resolves with the HAR object. */
export async function recordHar(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const requests = new Map();
  const sockets = new Map();
  const bodies = [];
  cdp.on('Network.requestWillBeSent', ({ requestId, request, wallTime, type }) => {
    requests.set(requestId, { request, wallTime, type, response: null, body: null });
  });
  cdp.on('Network.responseReceived', ({ requestId, response }) => {
    const entry = requests.get(requestId);
    if (entry) entry.response = response;
  });
  cdp.on('Network.loadingFinished', ({ requestId }) => {
    const entry = requests.get(requestId);
    if (!entry) return;
    bodies.push(
      cdp
        .send('Network.getResponseBody', { requestId })
        .then(({ body, base64Encoded }) => (entry.body = { text: body, ...(base64Encoded ? { encoding: 'base64' } : {}) }))
        .catch(() => {}),
    );
  });
  cdp.on('Network.webSocketCreated', ({ requestId, url }) => sockets.set(requestId, { url, messages: [], request: null, response: null, clock: 0 }));
  cdp.on('Network.webSocketWillSendHandshakeRequest', ({ requestId, timestamp, wallTime, request }) => {
    const socket = sockets.get(requestId);
    if (!socket) return;
    socket.request = request;
    socket.wallTime = wallTime;
    // Frame events carry the monotonic clock: its offset to wall time.
    socket.clock = wallTime - timestamp;
  });
  cdp.on('Network.webSocketHandshakeResponseReceived', ({ requestId, response }) => {
    const socket = sockets.get(requestId);
    if (socket) socket.response = response;
  });
  const frame = (type) => ({ requestId, timestamp, response }) => {
    const socket = sockets.get(requestId);
    if (!socket) return;
    socket.messages.push({ type, time: timestamp + socket.clock, opcode: response.opcode, data: response.payloadData });
  };
  cdp.on('Network.webSocketFrameSent', frame('send'));
  cdp.on('Network.webSocketFrameReceived', frame('receive'));

  const headers = (object = {}) => Object.entries(object).map(([name, value]) => ({ name, value: String(value) }));
  return async function stop() {
    await Promise.all(bodies);
    const entries = [];
    for (const { request, wallTime, type, response, body } of requests.values()) {
      if (type === 'WebSocket') continue;
      entries.push({
        startedDateTime: new Date(wallTime * 1000).toISOString(),
        _resourceType: type?.toLowerCase(),
        request: {
          method: request.method,
          url: request.url,
          headers: headers(request.headers),
          ...(request.postData !== undefined ? { postData: { mimeType: 'text/plain;charset=UTF-8', text: request.postData } } : {}),
        },
        response: {
          status: response?.status ?? 0,
          headers: headers(response?.headers),
          content: { size: body?.text.length ?? 0, mimeType: response?.mimeType ?? '', ...(body ?? {}) },
        },
      });
    }
    for (const socket of sockets.values()) {
      entries.push({
        startedDateTime: new Date((socket.wallTime ?? 0) * 1000).toISOString(),
        _resourceType: 'websocket',
        request: { method: 'GET', url: socket.url, headers: headers(socket.request?.headers) },
        response: { status: socket.response?.status ?? 0, headers: headers(socket.response?.headers), content: { size: 0, mimeType: '' } },
        _webSocketMessages: socket.messages,
      });
    }
    await cdp.detach();
    return { log: { version: '1.2', creator: { name: 'WebInspector', version: '537.36' }, pages: [], entries } };
  };
}
