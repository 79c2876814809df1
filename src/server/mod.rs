//! A sans-I/O Engine.IO (protocols 3 and 4) and Socket.IO (protocol 5)
//! server: TCP bytes in, TCP bytes and application events out, time given
//! by the caller. It speaks HTTP/1.1 long-polling and WebSocket on one port
//! and behaves on the wire as engine.io 6 and socket.io 4 do (handshake,
//! error answers, heartbeat, the upgrade probe, closing), so real clients
//! cannot tell the difference.
//!
//! Two endpoints: [`ServerConfig::engine_path`] is a raw Engine.IO echo
//! (every message sent back unchanged) and [`ServerConfig::socketio_path`]
//! carries Socket.IO, whose sockets the application drives with
//! [`Server::emit`], [`Server::ack`] and [`Server::disconnect`] after the
//! [`Output::Connect`] and [`Output::Event`] it receives.
//!
//! The caller owns sockets and timers: it feeds each connection's bytes to
//! [`Server::receive`], reports closed connections with [`Server::closed`],
//! calls [`Server::tick`] at [`Server::next_deadline`], and after every call
//! carries out [`Server::take_output`] in order.

mod rooms;
mod session;
mod socketio;

use crate::engineio::{self, Packet, PacketData, PacketType, PayloadLimits, Version, WsMessage};
use crate::error::{Error, ErrorKind, Result};
use crate::frame::{encode_frame, FrameHeader, Opcode};
use crate::handshake::{reject_for, HandshakeRequest, HeadLimits};
use crate::http::{response, Request, RequestLimits, RequestReader};
use crate::protocol::{Config as WsConfig, Connection, OwnedEvent, State as WsState};
use base64::Engine as _;
pub use rooms::RoomId;
use rooms::Rooms;
use serde::{Deserialize, Serialize};
use session::{Endpoint, Probe, Session, Transport};
use socketio::{SioAction, SioClient, SioContext};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// The caller's name for a TCP connection.
pub type ConnId = u32;
/// The server's name for a Socket.IO socket (one namespace of one client).
pub type SocketHandle = u32;

/// How long a WebSocket we closed may take to answer our close frame.
const WS_CLOSE_TIMEOUT_MS: u64 = 10_000;
/// How long a polling session that is closing waits for a GET to tell.
const POLLING_CLOSE_TIMEOUT_MS: u64 = 30_000;

/// Settings, with engine.io's and socket.io's defaults.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Milliseconds between the server's pings (protocol 4).
    pub ping_interval: u64,
    /// Milliseconds a pong may take after a ping is queued.
    pub ping_timeout: u64,
    /// Largest HTTP body or WebSocket message (engine.io's `maxHttpBufferSize`).
    pub max_payload: usize,
    /// Most packets one polling body may hold.
    pub max_packets: usize,
    /// Milliseconds a Socket.IO client has to join a namespace.
    pub connect_timeout: u64,
    /// Milliseconds an upgrade may take from the probe WebSocket's opening.
    pub upgrade_timeout: u64,
    /// Path prefix of a raw Engine.IO echo endpoint (`None`, the default:
    /// off; tests and the example turn it on).
    pub engine_path: Option<String>,
    /// Path prefix of the Socket.IO endpoint (`None`: off).
    pub socketio_path: Option<String>,
    /// Most attachments one Socket.IO binary packet may announce.
    pub max_attachments: usize,
    /// Serve protocol 3 clients (`EIO=3`), as engine.io's `allowEIO3`.
    pub allow_eio3: bool,
    /// Polling sessions may move to WebSocket (engine.io's `allowUpgrades`).
    pub allow_upgrades: bool,
    /// Milliseconds an HTTP request may take to arrive whole once it has
    /// begun (Node's `headersTimeout`); past it, 408 and the connection ends.
    pub request_timeout: u64,
    /// Most bytes of packets a polling session holds for a GET that does
    /// not come; past it the session ends with "transport error".
    pub max_buffered_bytes: usize,
    /// `Access-Control-Allow-Origin` for polling answers: an origin (sent
    /// with credentials), or `*` (sent as it is, without). `None`: no CORS.
    pub cors_origin: Option<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            ping_interval: 25_000,
            ping_timeout: 20_000,
            max_payload: 1_000_000,
            max_packets: 16_384,
            connect_timeout: 45_000,
            upgrade_timeout: 10_000,
            engine_path: None,
            socketio_path: Some("/socket.io/".into()),
            max_attachments: 10,
            allow_eio3: true,
            allow_upgrades: true,
            request_timeout: 60_000,
            max_buffered_bytes: 4 << 20,
            cors_origin: None,
        }
    }
}

/// What the caller must do, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// Write these bytes to the connection.
    Write { conn: ConnId, bytes: Vec<u8> },
    /// Write these bytes to each of the connections (a broadcast, framed once).
    WriteShared { conns: Vec<ConnId>, bytes: Vec<u8> },
    /// Answer the request given to [`Server::http_request`] (its HTTP
    /// server writes the head, the body and keeps the connection).
    Respond {
        conn: ConnId,
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Close the connection once everything before has been written.
    End { conn: ConnId },
    /// An Engine.IO session opened, by the request on `conn`.
    SessionOpen {
        conn: ConnId,
        sid: String,
        version: u8,
        transport: &'static str,
        socketio: bool,
    },
    /// A session moved from polling to WebSocket.
    Upgrade { sid: String },
    /// A session ended (engine.io's close reasons: `"transport close"`,
    /// `"ping timeout"`, `"parse error"`, `"transport error"`, `"forced close"`).
    SessionClose { sid: String, reason: &'static str },
    /// A Socket.IO client asks to join a namespace: answer with
    /// [`Server::accept`] or [`Server::refuse`].
    Connect {
        socket: SocketHandle,
        /// The Engine.IO session.
        sid: String,
        /// The socket's id (socket.io's `socket.id`).
        id: String,
        nsp: String,
        /// The CONNECT payload (`{}` when there was none), as JSON.
        auth_json: String,
    },
    /// A Socket.IO event. Placeholders in `args_json` refer to `attachments`.
    Event {
        socket: SocketHandle,
        name_json: String,
        args_json: String,
        attachments: Vec<Vec<u8>>,
        /// Answer with [`Server::ack`] when present.
        ack: Option<u64>,
    },
    /// The answer to an [`Server::emit`] that asked for one.
    Ack {
        socket: SocketHandle,
        id: u64,
        args_json: String,
        attachments: Vec<Vec<u8>>,
    },
    /// A Socket.IO socket left (socket.io's disconnect reasons).
    Disconnect {
        socket: SocketHandle,
        reason: &'static str,
    },
}

/// A fresh id as engine.io makes them: 15 random bytes in URL-safe base64,
/// from the OS random source. `None` when that source fails: an id anyone
/// could guess is a session anyone could take over, so there is no fallback.
pub(crate) fn random_id() -> Option<String> {
    id_from(getrandom::getrandom)
}

fn id_from<E>(fill: impl FnOnce(&mut [u8]) -> std::result::Result<(), E>) -> Option<String> {
    let mut bytes = [0u8; 15];
    fill(&mut bytes).ok()?;
    Some(base64::engine::general_purpose::URL_SAFE.encode(bytes))
}

#[derive(Debug)]
struct HttpConn {
    /// A request handed over by an HTTP server ([`Server::http_request`]):
    /// answered with [`Output::Respond`], never read from or ended here.
    external: bool,
    reader: RequestReader,
    /// Bytes received and not yet given to the reader.
    backlog: Vec<u8>,
    /// The session whose long-poll GET this connection holds open.
    parked_for: Option<String>,
    /// When the request being read must be whole.
    request_deadline: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum WsLink {
    /// The session's transport.
    Transport(String),
    /// An upgrade probe for the session.
    Probe(String),
    /// Nothing: being closed.
    Orphan,
}

struct WsConn {
    ws: Connection,
    link: WsLink,
    close_deadline: Option<u64>,
    /// Since when the client has not read what was written to it
    /// ([`Server::congestion`]).
    congested_since: Option<u64>,
}

/// How far behind a client's reading is, as the caller sees its socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Congestion {
    /// Everything written has been taken.
    Drained,
    /// More is waiting than the caller allows: volatile packets skip this
    /// client, and unless it drains within `ping_timeout` it is dropped.
    Backlogged,
    /// Far more is waiting: the client is dropped now.
    Overflowing,
}

enum Conn {
    Http(Box<HttpConn>),
    Ws(Box<WsConn>),
    /// `End` was output; input is ignored until [`Server::closed`].
    Ended,
}

/// A scheduled wake. A session has at most one live entry (the one equal
/// to its `wake`); entries it has moved away from are skipped when popped.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Timer {
    Session(String),
    Conn(ConnId),
}

/// The Engine.IO error answers (engine.io's `Server.errors`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EngineError {
    UnknownTransport = 0,
    UnknownSid = 1,
    BadHandshakeMethod = 2,
    BadRequest = 3,
    UnsupportedProtocolVersion = 5,
}

impl EngineError {
    fn message(self) -> &'static str {
        match self {
            EngineError::UnknownTransport => "Transport unknown",
            EngineError::UnknownSid => "Session ID unknown",
            EngineError::BadHandshakeMethod => "Bad handshake method",
            EngineError::BadRequest => "Bad request",
            EngineError::UnsupportedProtocolVersion => "Unsupported protocol version",
        }
    }
}

/// The server. See the module documentation.
pub struct Server {
    config: ServerConfig,
    conns: HashMap<ConnId, Conn>,
    sessions: HashMap<String, Session>,
    sockets: HashMap<SocketHandle, String>,
    next_handle: SocketHandle,
    rooms: Rooms,
    /// The next ack id per namespace (shared by emits and broadcasts, as
    /// socket.io's `nsp._ids`).
    ack_ids: HashMap<String, u64>,
    timers: BinaryHeap<Reverse<(u64, Timer)>>,
    /// Each connection's one live timer entry (as [`Session::wake`]).
    conn_wakes: HashMap<ConnId, u64>,
    /// Connections whose long-poll was answered: their backlog is read next.
    released: Vec<ConnId>,
    /// Polling sessions holding more than `max_buffered_bytes`: closed next.
    overflowed: Vec<String>,
    out: Vec<Output>,
}

impl Server {
    pub fn new(config: ServerConfig) -> Self {
        Server {
            config,
            conns: HashMap::new(),
            sessions: HashMap::new(),
            sockets: HashMap::new(),
            next_handle: 1,
            rooms: Rooms::default(),
            ack_ids: HashMap::new(),
            timers: BinaryHeap::new(),
            conn_wakes: HashMap::new(),
            released: Vec::new(),
            overflowed: Vec::new(),
            out: Vec::new(),
        }
    }

    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// Open Engine.IO sessions.
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }

    /// What to do, in order, since the last call.
    pub fn take_output(&mut self) -> Vec<Output> {
        std::mem::take(&mut self.out)
    }

    /// The earliest time [`Server::tick`] has something to do.
    pub fn next_deadline(&self) -> Option<u64> {
        self.timers.peek().map(|Reverse((at, _))| *at)
    }

    /// Bytes received on a connection (a new id starts an HTTP connection).
    pub fn receive(&mut self, conn: ConnId, data: &[u8], now: u64) {
        let max_body_bytes = self.config.max_payload;
        let entry = self
            .conns
            .entry(conn)
            .or_insert_with(|| http_conn(false, max_body_bytes));
        match entry {
            Conn::Http(http) => {
                http.backlog.extend_from_slice(data);
                self.read_http(conn, now);
            }
            Conn::Ws(_) => self.read_ws(conn, data, now),
            Conn::Ended => {}
        }
        self.read_released(now);
    }

    /// A request an HTTP server read (Node's `http`, attached to): answered
    /// with [`Output::Respond`] on `conn`, a name for this request alone.
    /// A WebSocket upgrade goes to [`Server::upgrade`] instead.
    pub fn http_request(&mut self, conn: ConnId, request: Request, now: u64) {
        self.conns.insert(conn, http_conn(true, self.config.max_payload));
        self.handle_request(conn, request, now);
        self.read_released(now);
    }

    /// An upgrade request an HTTP server read; `conn` is its socket from
    /// now on: the answer is written to it, and what the client sends next
    /// goes to [`Server::receive`].
    pub fn upgrade(&mut self, conn: ConnId, request: Request, now: u64) {
        self.conns.insert(conn, http_conn(false, self.config.max_payload));
        self.handle_request(conn, request, now);
        self.read_released(now);
    }

    /// How far behind the client on `conn` is in reading what was written
    /// to it (the caller sees its socket's buffer). A WebSocket transport
    /// that stays backlogged for `ping_timeout`, or overflows, ends its
    /// session with "transport error".
    pub fn congestion(&mut self, conn: ConnId, level: Congestion, now: u64) {
        let Some(Conn::Ws(ws)) = self.conns.get_mut(&conn) else {
            return;
        };
        match level {
            Congestion::Drained => ws.congested_since = None,
            Congestion::Backlogged => {
                if ws.congested_since.is_none() {
                    ws.congested_since = Some(now);
                    self.wake_conn(conn, now + self.config.ping_timeout);
                }
            }
            Congestion::Overflowing => self.fail_ws(conn, now),
        }
        self.read_released(now);
    }

    /// The connection is gone (closed by the peer, or after `End`).
    pub fn closed(&mut self, conn: ConnId, now: u64) {
        self.conn_wakes.remove(&conn);
        match self.conns.remove(&conn) {
            Some(Conn::Http(http)) => {
                if let Some(sid) = http.parked_for {
                    if let Some(session) = self.sessions.get_mut(&sid) {
                        if let Transport::Polling { get, .. } = &mut session.transport {
                            if get.map(|(c, _)| c) == Some(conn) {
                                *get = None;
                            }
                        }
                    }
                    // engine.io: "poll connection closed prematurely".
                    self.close_session(&sid, "transport error", now);
                }
            }
            Some(Conn::Ws(ws)) => match ws.link {
                WsLink::Transport(sid) => self.close_session(&sid, "transport close", now),
                WsLink::Probe(sid) => {
                    if let Some(session) = self.sessions.get_mut(&sid) {
                        session.probe = None;
                    }
                }
                WsLink::Orphan => {}
            },
            _ => {}
        }
        self.read_released(now);
    }

    /// Closes a session as engine.io's `socket.close()` does: what is
    /// queued goes first; its sockets leave with "forced close".
    pub fn close_session_by_id(&mut self, sid: &str, now: u64) {
        self.close_session_gracefully(sid, now);
        self.read_released(now);
    }

    /// Ends everything (socket.io's `close()`): every socket leaves with
    /// "server shutting down", every session is closed on its transport.
    pub fn shutdown(&mut self, now: u64) {
        let mut handles: Vec<SocketHandle> = self.sockets.keys().copied().collect();
        handles.sort_unstable();
        for socket in handles {
            self.forget_socket(socket, "server shutting down");
        }
        let sids: Vec<String> = self.sessions.keys().cloned().collect();
        for sid in sids {
            self.close_session(&sid, "forced close", now);
        }
        self.read_released(now);
    }

    /// Runs the timers due at `now`.
    pub fn tick(&mut self, now: u64) {
        while let Some(Reverse((at, _))) = self.timers.peek() {
            if *at > now {
                break;
            }
            let Some(Reverse((at, timer))) = self.timers.pop() else {
                break;
            };
            match timer {
                Timer::Session(sid) => {
                    let Some(session) = self.sessions.get_mut(&sid) else {
                        continue;
                    };
                    if session.wake != Some(at) {
                        continue;
                    }
                    session.wake = None;
                    self.session_timers(&sid, now);
                }
                Timer::Conn(conn) => {
                    if self.conn_wakes.get(&conn) != Some(&at) {
                        continue;
                    }
                    self.conn_wakes.remove(&conn);
                    self.conn_timers(conn, now);
                }
            }
        }
        self.read_released(now);
    }

    /// Sends an event to a Socket.IO socket. `name_json` is the event name
    /// as JSON (a string or a number), `args_json` a JSON array whose
    /// placeholders refer to `attachments`. With `want_ack`, returns the id
    /// of the [`Output::Ack`] that will answer.
    pub fn emit(
        &mut self,
        socket: SocketHandle,
        name_json: &str,
        args_json: &str,
        attachments: &[Vec<u8>],
        want_ack: bool,
        now: u64,
    ) -> Result<Option<u64>> {
        let (_, client) = self.client_of(socket)?;
        let nsp = client.socket(socket).map(|s| s.nsp.clone()).ok_or_else(gone)?;
        let id = want_ack.then(|| next_ack_id(&mut self.ack_ids, &nsp));
        let (sid, client) = self.client_of(socket)?;
        let packets = client.emit(socket, name_json, args_json, attachments, id)?;
        self.send(&sid, packets);
        self.read_released(now);
        Ok(id)
    }

    /// Sends one event to every connected socket of `nsp` in any of `rooms`
    /// and in none of `except`, encoded and framed once: WebSocket clients
    /// of one protocol version get the same bytes. `volatile` skips clients
    /// that cannot take it now (a polling client without a waiting GET).
    /// With `want_ack`, every recipient is asked to answer with the one ack
    /// id returned. Returns how many sockets it went to.
    #[allow(clippy::too_many_arguments)]
    pub fn broadcast(
        &mut self,
        nsp: &str,
        rooms: &[RoomId],
        except: &[RoomId],
        name_json: &str,
        args_json: &str,
        attachments: &[Vec<u8>],
        volatile: bool,
        want_ack: bool,
        now: u64,
    ) -> Result<(u32, Option<u64>)> {
        let id = want_ack.then(|| next_ack_id(&mut self.ack_ids, nsp));
        let packets = socketio::event_packets(nsp, name_json, args_json, attachments, id)?;
        let mut count = 0u32;
        // WebSocket recipients per protocol version (3, 4), written together.
        let mut ws_conns: [Vec<ConnId>; 2] = [Vec::new(), Vec::new()];
        let mut polls: Vec<(String, bool)> = Vec::new();
        for handle in self.rooms.recipients(rooms, except) {
            let Some(sid) = self.sockets.get(&handle) else {
                continue;
            };
            let Some(session) = self.sessions.get_mut(sid) else {
                continue;
            };
            let Endpoint::SocketIo(client) = &mut session.endpoint else {
                continue;
            };
            if session.closing || !client.socket(handle).is_some_and(|s| s.connected && s.nsp == nsp) {
                continue;
            }
            let conn = match session.transport {
                Transport::WebSocket(conn) => match self.conns.get(&conn) {
                    Some(Conn::Ws(ws)) if ws.ws.state() == WsState::Open => {
                        if volatile && ws.congested_since.is_some() {
                            continue;
                        }
                        Some(conn)
                    }
                    _ => continue,
                },
                Transport::Polling { get, .. } => {
                    if volatile && get.is_none() {
                        continue;
                    }
                    None
                }
            };
            if let Some(id) = id {
                client.await_ack(handle, id);
            }
            count += 1;
            match conn {
                Some(conn) => ws_conns[usize::from(session.version == Version::V4)].push(conn),
                None => {
                    let waiting = session.queue(packets.iter().cloned());
                    polls.push((sid.clone(), waiting > self.config.max_buffered_bytes));
                }
            }
        }
        for (conns, version) in ws_conns.into_iter().zip([Version::V3, Version::V4]) {
            if conns.is_empty() {
                continue;
            }
            let bytes = ws_frames(&packets, version);
            match <[ConnId; 1]>::try_from(conns) {
                Ok([conn]) => self.write(conn, bytes),
                Err(conns) => self.out.push(Output::WriteShared { conns, bytes }),
            }
        }
        for (sid, overflowing) in polls {
            if overflowing {
                self.close_session(&sid, "transport error", now);
                continue;
            }
            let waiting = self
                .sessions
                .get(&sid)
                .is_some_and(|s| matches!(s.transport, Transport::Polling { get: Some(_), .. }));
            if waiting {
                self.flush_poll(&sid, None);
            }
        }
        self.read_released(now);
        Ok((count, id))
    }

    /// Lets a pending socket into its namespace (its middlewares passed).
    pub fn accept(&mut self, socket: SocketHandle, now: u64) -> Result<()> {
        let (sid, client) = self.client_of(socket)?;
        let packets = client.accept(socket)?;
        self.send(&sid, packets);
        self.read_released(now);
        Ok(())
    }

    /// Refuses a pending socket: the client gets CONNECT_ERROR with
    /// `data_json` (socket.io sends `{"message", "data"}`).
    pub fn refuse(&mut self, socket: SocketHandle, data_json: &str, now: u64) -> Result<()> {
        let (sid, client) = self.client_of(socket)?;
        let packets = client.refuse(socket, data_json)?;
        self.sockets.remove(&socket);
        self.rooms.leave_all(socket);
        self.send(&sid, packets);
        self.read_released(now);
        Ok(())
    }

    /// Puts a socket in a room.
    pub fn join(&mut self, socket: SocketHandle, room: RoomId) -> Result<()> {
        self.socket_sid(socket)?;
        self.rooms.join(socket, room);
        Ok(())
    }

    /// Takes a socket out of a room.
    pub fn leave(&mut self, socket: SocketHandle, room: RoomId) -> Result<()> {
        self.socket_sid(socket)?;
        self.rooms.leave(socket, room);
        Ok(())
    }

    /// socket.io's `socket.disconnect(true)`: closes the socket's whole
    /// client (every namespace, then the Engine.IO session).
    pub fn close_client(&mut self, socket: SocketHandle, now: u64) -> Result<()> {
        let sid = self.socket_sid(socket)?;
        let handles: Vec<SocketHandle> = match self.sessions.get(&sid).map(|s| &s.endpoint) {
            Some(Endpoint::SocketIo(client)) => client
                .sockets
                .iter()
                .filter(|s| s.connected)
                .map(|s| s.handle)
                .collect(),
            _ => Vec::new(),
        };
        for handle in handles {
            self.disconnect(handle, now)?;
        }
        self.close_session_gracefully(&sid, now);
        self.read_released(now);
        Ok(())
    }

    /// Answers the event whose [`Output::Event::ack`] was `id`.
    pub fn ack(
        &mut self,
        socket: SocketHandle,
        id: u64,
        args_json: &str,
        attachments: &[Vec<u8>],
        now: u64,
    ) -> Result<()> {
        let (sid, client) = self.client_of(socket)?;
        let packets = client.ack(socket, id, args_json, attachments)?;
        self.send(&sid, packets);
        self.read_released(now);
        Ok(())
    }

    /// Makes a socket leave its namespace (sends DISCONNECT).
    pub fn disconnect(&mut self, socket: SocketHandle, now: u64) -> Result<()> {
        let (sid, client) = self.client_of(socket)?;
        let packets = client.disconnect(socket)?;
        self.forget_socket(socket, "server namespace disconnect");
        self.send(&sid, packets);
        self.read_released(now);
        Ok(())
    }

    /// The socket left: out of its rooms, and the application is told.
    fn forget_socket(&mut self, socket: SocketHandle, reason: &'static str) {
        if self.sockets.remove(&socket).is_some() {
            self.rooms.leave_all(socket);
            self.out.push(Output::Disconnect { socket, reason });
        }
    }

    /// The session of a socket and its Socket.IO client.
    fn client_of(&mut self, socket: SocketHandle) -> Result<(String, &mut SioClient)> {
        let sid = self.socket_sid(socket)?;
        match self.sessions.get_mut(&sid).map(|s| &mut s.endpoint) {
            Some(Endpoint::SocketIo(client)) => Ok((sid, client)),
            _ => Err(gone()),
        }
    }

    fn socket_sid(&self, socket: SocketHandle) -> Result<String> {
        self.sockets.get(&socket).cloned().ok_or_else(gone)
    }

    /// Makes sure the session wakes by `at`: a later or equal wake already
    /// scheduled is kept, an earlier one replaces it (the old entry goes
    /// stale), so a session holds one live entry however busy it is.
    fn wake_session(&mut self, sid: &str, at: Option<u64>) {
        let (Some(at), Some(session)) = (at, self.sessions.get_mut(sid)) else {
            return;
        };
        if session.wake.is_some_and(|wake| wake <= at) {
            return;
        }
        session.wake = Some(at);
        self.timers.push(Reverse((at, Timer::Session(sid.to_string()))));
    }

    /// Makes sure the connection wakes by `at` (see [`Server::wake_session`]).
    fn wake_conn(&mut self, conn: ConnId, at: u64) {
        if self.conn_wakes.get(&conn).is_some_and(|&wake| wake <= at) {
            return;
        }
        self.conn_wakes.insert(conn, at);
        self.timers.push(Reverse((at, Timer::Conn(conn))));
    }

    /// Scheduled entries (live and stale), for the bound tests.
    #[cfg(test)]
    fn timer_entries(&self) -> usize {
        self.timers.len()
    }

    fn write(&mut self, conn: ConnId, bytes: Vec<u8>) {
        if !bytes.is_empty() {
            self.out.push(Output::Write { conn, bytes });
        }
    }

    fn end(&mut self, conn: ConnId) {
        if let Some(entry) = self.conns.get_mut(&conn) {
            if !matches!(entry, Conn::Ended) {
                *entry = Conn::Ended;
                self.out.push(Output::End { conn });
            }
        }
    }

    // ----- HTTP -----

    /// What every entry point does last: sessions that overflowed are
    /// closed, connections whose long-poll was answered are read on.
    fn read_released(&mut self, now: u64) {
        while let Some(sid) = self.overflowed.pop() {
            self.close_session(&sid, "transport error", now);
        }
        while let Some(conn) = self.released.pop() {
            self.read_http(conn, now);
        }
    }

    /// Reads requests from a connection's backlog until one is parked or
    /// the bytes run out.
    fn read_http(&mut self, conn: ConnId, now: u64) {
        loop {
            let Some(Conn::Http(http)) = self.conns.get_mut(&conn) else {
                return;
            };
            if http.parked_for.is_some() {
                // A client does not send more on a connection whose request
                // is pending; if one does, only so much is kept.
                if http.backlog.len() > self.config.max_payload + HeadLimits::default().max_head_bytes {
                    self.end(conn);
                }
                return;
            }
            if http.backlog.is_empty() {
                return;
            }
            match http.reader.feed(&http.backlog) {
                Ok(None) => {
                    http.backlog.clear();
                    // A request has begun: it has so long to arrive whole.
                    if http.request_deadline.is_none() {
                        let at = now + self.config.request_timeout;
                        http.request_deadline = Some(at);
                        self.wake_conn(conn, at);
                    }
                    return;
                }
                Ok(Some((request, used))) => {
                    http.backlog.drain(..used);
                    http.request_deadline = None;
                    self.handle_request(conn, request, now);
                }
                Err(e) => {
                    self.write(conn, reject_for(&e));
                    self.end(conn);
                    return;
                }
            }
        }
    }

    fn cors_headers(&self) -> Vec<(&'static str, String)> {
        let Some(allowed) = &self.config.cors_origin else {
            return Vec::new();
        };
        // `*` is sent as it is, never with credentials: a browser refuses
        // that pair, and reflecting any Origin with credentials would hand
        // every site the user's cookies.
        let mut headers = vec![("Access-Control-Allow-Origin", allowed.clone())];
        if allowed != "*" {
            headers.push(("Access-Control-Allow-Credentials", "true".into()));
            headers.push(("Vary", "Origin".into()));
        }
        headers
    }

    /// Writes an HTTP answer; ends the connection unless it is kept alive.
    fn respond(
        &mut self,
        conn: ConnId,
        request: &Request,
        status: u16,
        headers: &[(&str, &str)],
        body: &[u8],
    ) {
        let cors = self.cors_headers();
        let mut all: Vec<(&str, &str)> = headers.to_vec();
        all.extend(cors.iter().map(|(n, v)| (*n, v.as_str())));
        if let Some(Conn::Http(http)) = self.conns.get(&conn) {
            if http.external {
                self.conns.remove(&conn);
                self.out.push(Output::Respond {
                    conn,
                    status,
                    headers: all.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
                    body: body.to_vec(),
                });
                return;
            }
        }
        let keep_alive = request.keep_alive();
        if !keep_alive {
            all.push(("Connection", "close"));
        }
        self.write(conn, response(status, &all, body));
        if !keep_alive {
            self.end(conn);
        }
    }

    fn respond_error(&mut self, conn: ConnId, request: &Request, error: EngineError) {
        let body = format!(r#"{{"code":{},"message":"{}"}}"#, error as u8, error.message());
        self.respond(
            conn,
            request,
            400,
            &[("Content-Type", "application/json")],
            body.as_bytes(),
        );
    }

    fn endpoint_for(&self, path: &str) -> Option<bool> {
        let matches = |p: &Option<String>| p.as_deref().is_some_and(|p| path.starts_with(p));
        if matches(&self.config.socketio_path) {
            Some(true)
        } else if matches(&self.config.engine_path) {
            Some(false)
        } else {
            None
        }
    }

    fn version_for(&self, eio: Option<&str>) -> Option<Version> {
        match eio.and_then(Version::from_query) {
            Some(Version::V3) if !self.config.allow_eio3 => None,
            other => other,
        }
    }

    fn handle_request(&mut self, conn: ConnId, request: Request, now: u64) {
        let Some(socketio) = self.endpoint_for(request.path()) else {
            self.respond(
                conn,
                &request,
                404,
                &[("Content-Type", "text/plain")],
                b"Not Found",
            );
            return;
        };
        if request.is_websocket_upgrade() {
            self.handle_upgrade(conn, request, socketio, now);
            return;
        }
        if request.method == "OPTIONS" && self.config.cors_origin.is_some() {
            let allow_headers = request
                .header("access-control-request-headers")
                .unwrap_or("")
                .to_string();
            let mut headers = vec![("Access-Control-Allow-Methods", "GET, POST, OPTIONS")];
            if !allow_headers.is_empty() {
                headers.push(("Access-Control-Allow-Headers", allow_headers.as_str()));
            }
            self.respond(conn, &request, 204, &headers, b"");
            return;
        }
        let transport = request.query_param("transport");
        let transport = transport.as_deref();
        if !matches!(transport, Some("polling" | "websocket")) {
            return self.respond_error(conn, &request, EngineError::UnknownTransport);
        }
        let eio = request.query_param("EIO");
        let Some(sid) = request.query_param("sid") else {
            if request.method != "GET" {
                return self.respond_error(conn, &request, EngineError::BadHandshakeMethod);
            }
            if transport == Some("websocket") {
                return self.respond_error(conn, &request, EngineError::BadRequest);
            }
            let Some(version) = self.version_for(eio.as_deref()) else {
                return self.respond_error(conn, &request, EngineError::UnsupportedProtocolVersion);
            };
            let supports_binary = request.query_param("b64").is_none();
            let Some(sid) =
                self.open_session(conn, version, socketio, Transport::polling(supports_binary), now)
            else {
                return self.respond(conn, &request, 500, &[], b"");
            };
            self.poll(conn, &sid, request, now);
            self.after_open(&sid, now);
            return;
        };
        let Some(session) = self.sessions.get(&sid) else {
            return self.respond_error(conn, &request, EngineError::UnknownSid);
        };
        if session.transport.name() != transport.unwrap_or("")
            || self.version_for(eio.as_deref()) != Some(session.version)
        {
            return self.respond_error(conn, &request, EngineError::BadRequest);
        }
        match request.method.as_str() {
            "GET" => self.poll(conn, &sid, request, now),
            "POST" => self.post(conn, &sid, request, now),
            _ => self.respond(conn, &request, 500, &[], b""),
        }
    }

    /// `None` when no session id could be drawn.
    fn open_session(
        &mut self,
        conn: ConnId,
        version: Version,
        socketio: bool,
        transport: Transport,
        now: u64,
    ) -> Option<String> {
        let sid = random_id()?;
        let is_polling = matches!(transport, Transport::Polling { .. });
        let endpoint = if socketio {
            Endpoint::SocketIo(Box::new(SioClient::new(
                version,
                &sid,
                now + self.config.connect_timeout,
                crate::socketio::DecodeOptions {
                    max_attachments: self.config.max_attachments,
                },
            )))
        } else {
            Endpoint::Echo
        };
        let mut session = Session::new(version, endpoint, transport);
        let open = engineio::OpenPacket {
            sid: sid.clone(),
            upgrades: if is_polling && self.config.allow_upgrades {
                vec!["websocket".into()]
            } else {
                Vec::new()
            },
            ping_interval: self.config.ping_interval,
            ping_timeout: self.config.ping_timeout,
            max_payload: Some(self.config.max_payload as u64),
        };
        session.start_heartbeat(now, self.config.ping_interval, self.config.ping_timeout);
        let connect_deadline = match &session.endpoint {
            Endpoint::SocketIo(client) => client.connect_deadline,
            Endpoint::Echo => None,
        };
        let first = session.next_deadline().into_iter().chain(connect_deadline).min();
        self.sessions.insert(sid.clone(), session);
        self.wake_session(&sid, first);
        self.out.push(Output::SessionOpen {
            conn,
            sid: sid.clone(),
            version: version.number(),
            transport: if is_polling { "polling" } else { "websocket" },
            socketio,
        });
        self.send(&sid, vec![open.to_packet()]);
        Some(sid)
    }

    /// After the open packet went out: protocol 3 Socket.IO clients are
    /// joined to `/` (socket.io does it once the handshake is answered).
    fn after_open(&mut self, sid: &str, now: u64) {
        self.with_client(sid, now, |client, ctx| client.on_open(ctx));
    }

    /// A GET on a polling session: answered now if there is something to
    /// send, else held until there is.
    fn poll(&mut self, conn: ConnId, sid: &str, request: Request, now: u64) {
        let Some(session) = self.sessions.get_mut(sid) else {
            return;
        };
        let Transport::Polling { get, .. } = &mut session.transport else {
            return;
        };
        if get.is_some() {
            // engine.io: "overlap from client" closes the session; the
            // pending GET is told, this one refused.
            self.respond(conn, &request, 400, &[], b"");
            self.close_session(sid, "transport error", now);
            return;
        }
        if session.closing {
            if session.buffer.is_empty() {
                session.buffer.push(Packet::new(PacketType::Noop));
            }
            session.buffer.push(Packet::new(PacketType::Close));
            *get = Some((conn, request.keep_alive()));
            self.flush_poll(sid, Some(&request));
            self.remove_session(sid, "forced close");
            return;
        }
        let upgrading = session.probe.as_ref().is_some_and(|p| p.probed);
        if session.buffer.is_empty() && upgrading {
            session.buffer.push(Packet::new(PacketType::Noop));
        }
        *get = Some((conn, request.keep_alive()));
        if session.buffer.is_empty() {
            if let Some(Conn::Http(http)) = self.conns.get_mut(&conn) {
                http.parked_for = Some(sid.to_string());
            }
            // The answer needs the request's CORS headers later.
            if let Some(session) = self.sessions.get_mut(sid) {
                session.poll_request = Some(request);
            }
        } else {
            self.flush_poll(sid, Some(&request));
        }
    }

    /// Answers the session's pending GET with everything buffered.
    fn flush_poll(&mut self, sid: &str, request: Option<&Request>) {
        let Some(session) = self.sessions.get_mut(sid) else {
            return;
        };
        let Transport::Polling { get, binary } = &mut session.transport else {
            return;
        };
        let binary = *binary;
        let Some((conn, _)) = get.take() else {
            return;
        };
        let packets = session.take_buffer();
        let payload = match session.version {
            Version::V3 => engineio::encode_payload_v3(&packets, binary),
            Version::V4 => engineio::Payload::Text(engineio::encode_payload(&packets, Version::V4)),
        };
        let (content_type, body) = match payload {
            engineio::Payload::Binary(bytes) => ("application/octet-stream", bytes),
            engineio::Payload::Text(text) => ("text/plain; charset=UTF-8", text.into_bytes()),
        };
        let stored = session.poll_request.take();
        let request = request.cloned().or(stored).unwrap_or_default();
        if let Some(Conn::Http(http)) = self.conns.get_mut(&conn) {
            if http.parked_for.take().is_some() {
                self.released.push(conn);
            }
        }
        self.respond(
            conn,
            &request,
            200,
            &[("Content-Type", content_type), ("cache-control", "no-store")],
            &body,
        );
    }

    /// A POST on a polling session: its body is a payload of packets.
    fn post(&mut self, conn: ConnId, sid: &str, request: Request, now: u64) {
        let Some(session) = self.sessions.get(sid) else {
            return;
        };
        let version = session.version;
        if session.closing {
            self.respond(conn, &request, 200, &[("Content-Type", "text/html")], b"ok");
            return;
        }
        let limits = PayloadLimits {
            max_bytes: self.config.max_payload,
            max_packets: self.config.max_packets,
        };
        let binary_body = request
            .header("content-type")
            .is_some_and(|t| t.eq_ignore_ascii_case("application/octet-stream"));
        let decoded = match (binary_body, version) {
            (true, Version::V3) => engineio::decode_payload_binary(&request.body, &limits),
            // engine.io: binary bodies are "invalid content" in protocol 4.
            (true, Version::V4) => {
                self.respond(conn, &request, 400, &[], b"");
                self.close_session(sid, "transport error", now);
                return;
            }
            (false, _) => match std::str::from_utf8(&request.body) {
                Ok(text) => engineio::decode_payload(text, version, &limits),
                Err(e) => engineio::DecodedPayload {
                    packets: Vec::new(),
                    error: Some(Error::at(
                        ErrorKind::EngineioInvalidPayload,
                        e.valid_up_to() as u64,
                        "payload is not UTF-8",
                    )),
                },
            },
        };
        for packet in decoded.packets {
            if !self.sessions.contains_key(sid) {
                break;
            }
            if packet.kind == PacketType::Close {
                self.close_session_by_client(sid, now);
                continue;
            }
            self.on_packet(sid, packet, now);
        }
        if decoded.error.is_some() {
            self.respond(conn, &request, 400, &[("Content-Type", "text/html")], b"");
            self.close_session(sid, "parse error", now);
            return;
        }
        self.respond(
            conn,
            &request,
            200,
            &[("Content-Type", "text/html"), ("cache-control", "no-store")],
            b"ok",
        );
    }

    // ----- WebSocket -----

    fn abort_upgrade(&mut self, conn: ConnId, error: EngineError) {
        let message = error.message();
        let head = format!(
            "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-type: text/html\r\nContent-Length: {}\r\n\r\n{message}",
            message.len()
        );
        self.write(conn, head.into_bytes());
        self.end(conn);
    }

    fn handle_upgrade(&mut self, conn: ConnId, request: Request, socketio: bool, now: u64) {
        let transport = request.query_param("transport");
        if !matches!(transport.as_deref(), Some("polling" | "websocket")) {
            return self.abort_upgrade(conn, EngineError::UnknownTransport);
        }
        let handshake = match HandshakeRequest::from_parts(
            &request.method,
            &request.target,
            request.http_minor,
            request.headers.clone(),
        ) {
            Ok(h) => h,
            Err(e) => {
                self.write(conn, reject_for(&e));
                self.end(conn);
                return;
            }
        };
        let version = self.version_for(request.query_param("EIO").as_deref());
        let sid = request.query_param("sid");
        let session_version = sid
            .as_deref()
            .and_then(|s| self.sessions.get(s))
            .map(|s| s.version);
        if let (Some(have), Some(want)) = (session_version, version) {
            if have != want {
                return self.abort_upgrade(conn, EngineError::BadRequest);
            }
        }
        if sid.is_none() && transport.as_deref() == Some("websocket") && version.is_none() {
            return self.abort_upgrade(conn, EngineError::UnsupportedProtocolVersion);
        }
        // Accepted from here on: what follows the head is WebSocket frames.
        let Ok(accept) = handshake.accept(None, &[], &[]) else {
            return self.abort_upgrade(conn, EngineError::BadRequest);
        };
        let backlog = match self.conns.get_mut(&conn) {
            Some(Conn::Http(http)) => std::mem::take(&mut http.backlog),
            _ => Vec::new(),
        };
        let mut ws_config = WsConfig::server();
        ws_config.max_frame_size = self.config.max_payload as u64;
        ws_config.max_message_size = self.config.max_payload as u64;
        ws_config.max_buffered_bytes = self.config.max_payload as u64;
        self.conns.insert(
            conn,
            Conn::Ws(Box::new(WsConn {
                ws: Connection::new(ws_config),
                link: WsLink::Orphan,
                close_deadline: None,
                congested_since: None,
            })),
        );
        self.write(conn, accept);
        let is_ws_transport = transport.as_deref() == Some("websocket");
        match (sid, version) {
            (None, Some(version)) if is_ws_transport => {
                match self.open_session(conn, version, socketio, Transport::WebSocket(conn), now) {
                    Some(sid) => {
                        if let Some(Conn::Ws(ws)) = self.conns.get_mut(&conn) {
                            ws.link = WsLink::Transport(sid.clone());
                        }
                        self.after_open(&sid, now);
                    }
                    None => self.close_ws(conn, now),
                }
            }
            (Some(sid), _) if is_ws_transport && self.can_upgrade(&sid, socketio) => {
                let deadline = now + self.config.upgrade_timeout;
                if let Some(session) = self.sessions.get_mut(&sid) {
                    session.probe = Some(Probe {
                        conn,
                        probed: false,
                        deadline,
                    });
                }
                self.wake_session(&sid, Some(deadline));
                if let Some(Conn::Ws(ws)) = self.conns.get_mut(&conn) {
                    ws.link = WsLink::Probe(sid);
                }
            }
            // An unknown, closed, upgraded or upgrading session: engine.io
            // accepts the WebSocket, then closes it.
            _ => self.close_ws(conn, now),
        }
        if !backlog.is_empty() {
            self.read_ws(conn, &backlog, now);
        }
    }

    fn can_upgrade(&self, sid: &str, socketio: bool) -> bool {
        self.config.allow_upgrades
            && self.sessions.get(sid).is_some_and(|s| {
                !s.closing
                    && s.probe.is_none()
                    && matches!(s.transport, Transport::Polling { .. })
                    && matches!(s.endpoint, Endpoint::SocketIo(_)) == socketio
            })
    }

    /// Sends a close frame without status (as `ws.close()` does) and waits
    /// a while for the answer.
    fn close_ws(&mut self, conn: ConnId, now: u64) {
        let Some(Conn::Ws(ws)) = self.conns.get_mut(&conn) else {
            return;
        };
        ws.link = WsLink::Orphan;
        if ws.ws.state() == WsState::Open {
            let _ = ws.ws.close(None, "");
            let bytes = ws.ws.take_output();
            ws.close_deadline = Some(now + WS_CLOSE_TIMEOUT_MS);
            self.write(conn, bytes);
            self.wake_conn(conn, now + WS_CLOSE_TIMEOUT_MS);
        }
    }

    fn ws_send(&mut self, conn: ConnId, packets: &[Packet], version: Version) {
        let Some(Conn::Ws(ws)) = self.conns.get_mut(&conn) else {
            return;
        };
        for packet in packets {
            let sent = match engineio::encode_ws(packet, version) {
                WsMessage::Text(text) => ws.ws.send_text(&text),
                WsMessage::Binary(bytes) => ws.ws.send_binary(&bytes),
            };
            if sent.is_err() {
                break;
            }
        }
        let bytes = ws.ws.take_output();
        self.write(conn, bytes);
    }

    fn read_ws(&mut self, conn: ConnId, data: &[u8], now: u64) {
        let Some(Conn::Ws(ws)) = self.conns.get_mut(&conn) else {
            return;
        };
        let mut input = data.to_vec();
        let mut events: Vec<OwnedEvent> = Vec::new();
        let result = ws.ws.receive_with(&mut input, |e| events.push(e.into()));
        for event in events {
            self.ws_event(conn, event, now);
        }
        let Some(Conn::Ws(ws)) = self.conns.get_mut(&conn) else {
            return;
        };
        let _ = ws.ws.flush();
        let bytes = ws.ws.take_output();
        let state = ws.ws.state();
        let link = ws.link.clone();
        self.write(conn, bytes);
        if matches!(state, WsState::Closed | WsState::Failed) {
            match link {
                WsLink::Transport(sid) => {
                    let reason = if result.is_err() {
                        "transport error"
                    } else {
                        "transport close"
                    };
                    self.close_session(&sid, reason, now);
                }
                WsLink::Probe(sid) => {
                    if let Some(session) = self.sessions.get_mut(&sid) {
                        session.probe = None;
                    }
                }
                WsLink::Orphan => {}
            }
            self.end(conn);
        }
    }

    fn ws_event(&mut self, conn: ConnId, event: OwnedEvent, now: u64) {
        let Some(Conn::Ws(ws)) = self.conns.get(&conn) else {
            return;
        };
        let link = ws.link.clone();
        let (WsLink::Transport(sid) | WsLink::Probe(sid)) = &link else {
            return;
        };
        let Some(version) = self.sessions.get(sid).map(|s| s.version) else {
            return;
        };
        let decoded = match event {
            OwnedEvent::Text(text) => engineio::decode_text(&text, version),
            OwnedEvent::Binary(bytes) => engineio::decode_binary(&bytes, version),
            _ => return,
        };
        match (link.clone(), decoded) {
            (WsLink::Transport(sid), Ok(packet)) => {
                if packet.kind == PacketType::Close {
                    self.close_session_by_client(&sid, now);
                } else {
                    self.on_packet(&sid, packet, now);
                }
            }
            (WsLink::Transport(sid), Err(_)) => self.close_session(&sid, "parse error", now),
            (WsLink::Probe(sid), Ok(packet)) => self.probe_packet(conn, &sid, packet, now),
            (WsLink::Probe(sid), Err(_)) => {
                if let Some(session) = self.sessions.get_mut(&sid) {
                    session.probe = None;
                }
                self.close_ws(conn, now);
            }
            (WsLink::Orphan, _) => {}
        }
    }

    /// A packet on an upgrade probe: `2probe` is answered with `3probe`,
    /// `5` completes the upgrade, anything else ends the probe.
    fn probe_packet(&mut self, conn: ConnId, sid: &str, packet: Packet, now: u64) {
        let Some(session) = self.sessions.get_mut(sid) else {
            return;
        };
        let version = session.version;
        let is_probe = packet.kind == PacketType::Ping && packet.data == PacketData::Text("probe".into());
        if is_probe {
            if let Some(probe) = session.probe.as_mut() {
                probe.probed = true;
            }
            self.ws_send(conn, &[Packet::text(PacketType::Pong, "probe")], version);
            // Let a waiting GET return so the client can pause polling.
            self.release_poll_with_noop(sid);
            return;
        }
        if packet.kind == PacketType::Upgrade && !session.closing {
            session.probe = None;
            self.release_poll_with_noop(sid);
            let Some(session) = self.sessions.get_mut(sid) else {
                return;
            };
            session.transport = Transport::WebSocket(conn);
            let buffered = session.take_buffer();
            if let Some(Conn::Ws(ws)) = self.conns.get_mut(&conn) {
                ws.link = WsLink::Transport(sid.to_string());
            }
            self.out.push(Output::Upgrade { sid: sid.to_string() });
            self.ws_send(conn, &buffered, version);
            return;
        }
        session.probe = None;
        self.close_ws(conn, now);
    }

    /// Answers a pending GET at once: with the buffer, or a noop.
    fn release_poll_with_noop(&mut self, sid: &str) {
        let Some(session) = self.sessions.get_mut(sid) else {
            return;
        };
        if let Transport::Polling { get: Some(_), .. } = session.transport {
            if session.buffer.is_empty() {
                session.buffer.push(Packet::new(PacketType::Noop));
            }
            self.flush_poll(sid, None);
        }
    }

    // ----- sessions -----

    /// Queues packets on a session's transport.
    fn send(&mut self, sid: &str, packets: Vec<Packet>) {
        let Some(session) = self.sessions.get_mut(sid) else {
            return;
        };
        if session.closing || packets.is_empty() {
            return;
        }
        match session.transport {
            Transport::WebSocket(conn) => {
                let version = session.version;
                self.ws_send(conn, &packets, version);
            }
            Transport::Polling { get, .. } => {
                // A client that does not poll while the server sends is
                // dropped once too much waits for it.
                if session.queue(packets) > self.config.max_buffered_bytes {
                    self.overflowed.push(sid.to_string());
                } else if get.is_some() {
                    self.flush_poll(sid, None);
                }
            }
        }
    }

    /// Runs `f` on the session's Socket.IO client and carries out what it asks.
    fn with_client<F>(&mut self, sid: &str, now: u64, f: F)
    where
        F: FnOnce(&mut SioClient, &mut SioContext<'_>) -> Vec<SioAction>,
    {
        let Some(session) = self.sessions.get_mut(sid) else {
            return;
        };
        let Endpoint::SocketIo(client) = &mut session.endpoint else {
            return;
        };
        let mut ctx = SioContext {
            next_handle: &mut self.next_handle,
        };
        let actions = f(client, &mut ctx);
        for action in actions {
            match action {
                SioAction::Send(packets) => self.send(sid, packets),
                SioAction::Close => self.close_session_gracefully(sid, now),
                SioAction::App(Output::Disconnect { socket, reason }) => self.forget_socket(socket, reason),
                SioAction::App(output) => {
                    if let Output::Connect { socket, .. } = &output {
                        self.sockets.insert(*socket, sid.to_string());
                    }
                    self.out.push(output);
                }
            }
        }
    }

    /// A packet from the session's transport.
    fn on_packet(&mut self, sid: &str, packet: Packet, now: u64) {
        let Some(session) = self.sessions.get_mut(sid) else {
            return;
        };
        if session.closing {
            return;
        }
        let (interval, timeout) = (self.config.ping_interval, self.config.ping_timeout);
        let heartbeat = session.on_packet_heartbeat(packet.kind, now, interval, timeout);
        match heartbeat {
            session::Heartbeat::Violation => {
                self.close_session(sid, "transport error", now);
                return;
            }
            session::Heartbeat::Pong => {
                self.send(sid, vec![Packet::new(PacketType::Pong)]);
            }
            session::Heartbeat::Ok => {}
        }
        let at = self.sessions.get(sid).and_then(Session::next_deadline);
        self.wake_session(sid, at);
        if packet.kind != PacketType::Message {
            return;
        }
        let Some(session) = self.sessions.get(sid) else {
            return;
        };
        match session.endpoint {
            Endpoint::Echo => self.send(sid, vec![packet]),
            Endpoint::SocketIo(_) => {
                self.with_client(sid, now, |client, ctx| client.on_message(packet.data, ctx))
            }
        }
    }

    /// The client sent close (`1`): a waiting GET gets a noop.
    fn close_session_by_client(&mut self, sid: &str, now: u64) {
        if let Some(session) = self.sessions.get_mut(sid) {
            session.clear_buffer();
        }
        self.release_poll_with_noop(sid);
        self.close_session(sid, "transport close", now);
    }

    /// socket.io's `conn.close()`: over polling without a GET waiting, the
    /// next GET is told (noop then close); otherwise at once.
    fn close_session_gracefully(&mut self, sid: &str, now: u64) {
        let Some(session) = self.sessions.get_mut(sid) else {
            return;
        };
        match session.transport {
            Transport::Polling { get: None, .. } if !session.closing => {
                session.closing = true;
                session.close_deadline = Some(now + POLLING_CLOSE_TIMEOUT_MS);
                self.wake_session(sid, Some(now + POLLING_CLOSE_TIMEOUT_MS));
            }
            _ => self.close_session(sid, "forced close", now),
        }
    }

    /// Ends a session now: a waiting GET gets close (`1`), a WebSocket
    /// transport or probe is closed.
    fn close_session(&mut self, sid: &str, reason: &'static str, now: u64) {
        let Some(session) = self.sessions.get_mut(sid) else {
            return;
        };
        if let Transport::Polling { get: Some(_), .. } = session.transport {
            session.clear_buffer();
            session.buffer.push(Packet::new(PacketType::Close));
            self.flush_poll(sid, None);
        }
        let Some(session) = self.sessions.get(sid) else {
            return;
        };
        let mut to_close: Vec<ConnId> = session.probe.as_ref().map(|p| p.conn).into_iter().collect();
        if let Transport::WebSocket(conn) = session.transport {
            to_close.push(conn);
        }
        for conn in to_close {
            self.close_ws(conn, now);
        }
        self.remove_session(sid, reason);
    }

    fn remove_session(&mut self, sid: &str, reason: &'static str) {
        let Some(session) = self.sessions.remove(sid) else {
            return;
        };
        if let Transport::Polling {
            get: Some((conn, _)), ..
        } = session.transport
        {
            if let Some(Conn::Http(http)) = self.conns.get_mut(&conn) {
                http.parked_for = None;
                self.released.push(conn);
            }
        }
        if let Endpoint::SocketIo(client) = session.endpoint {
            for socket in &client.sockets {
                self.forget_socket(socket.handle, reason);
            }
        }
        self.out.push(Output::SessionClose {
            sid: sid.to_string(),
            reason,
        });
    }

    fn session_timers(&mut self, sid: &str, now: u64) {
        let Some(session) = self.sessions.get_mut(sid) else {
            return;
        };
        if session.close_deadline.is_some_and(|at| at <= now) {
            self.remove_session(sid, "forced close");
            return;
        }
        if let Some(probe) = session.probe.as_ref().filter(|p| p.deadline <= now) {
            let conn = probe.conn;
            session.probe = None;
            self.close_ws(conn, now);
        }
        let Some(session) = self.sessions.get_mut(sid) else {
            return;
        };
        match session.heartbeat_due(now, self.config.ping_timeout) {
            session::Due::Timeout => {
                self.close_session(sid, "ping timeout", now);
                return;
            }
            session::Due::Ping => self.send(sid, vec![Packet::new(PacketType::Ping)]),
            session::Due::Nothing => {}
        }
        let Some(session) = self.sessions.get(sid) else {
            return;
        };
        if let Endpoint::SocketIo(client) = &session.endpoint {
            if client.connect_deadline.is_some_and(|at| at <= now)
                && !client.sockets.iter().any(|s| s.connected)
            {
                self.close_session_gracefully(sid, now);
            }
        }
        let Some(session) = self.sessions.get(sid) else {
            return;
        };
        let connect = match &session.endpoint {
            Endpoint::SocketIo(client) if !client.sockets.iter().any(|s| s.connected) => {
                client.connect_deadline
            }
            _ => None,
        };
        let next = [
            session.next_deadline(),
            connect,
            session.close_deadline,
            session.probe.as_ref().map(|p| p.deadline),
        ]
        .into_iter()
        .flatten()
        .filter(|&at| at > now)
        .min();
        self.wake_session(sid, next);
    }

    fn conn_timers(&mut self, conn: ConnId, now: u64) {
        let due = |at: Option<u64>| at.is_some_and(|at| at <= now);
        let next = match self.conns.get(&conn) {
            Some(Conn::Http(http)) if !http.external => {
                if due(http.request_deadline) {
                    // Node's http answers a request that never completes so.
                    self.write(conn, response(408, &[("Connection", "close")], b""));
                    self.end(conn);
                    return;
                }
                http.request_deadline
            }
            Some(Conn::Ws(ws)) => {
                let dropped_at = ws.congested_since.map(|since| since + self.config.ping_timeout);
                if due(ws.close_deadline) {
                    self.end(conn);
                    return;
                }
                if due(dropped_at) {
                    self.fail_ws(conn, now);
                    return;
                }
                [ws.close_deadline, dropped_at].into_iter().flatten().min()
            }
            _ => None,
        };
        if let Some(at) = next {
            self.wake_conn(conn, at);
        }
    }

    /// A WebSocket whose client does not read: its session ends with
    /// "transport error" and the connection at once (no close handshake
    /// with a peer that is not reading).
    fn fail_ws(&mut self, conn: ConnId, now: u64) {
        let link = match self.conns.get_mut(&conn) {
            Some(Conn::Ws(ws)) => std::mem::replace(&mut ws.link, WsLink::Orphan),
            _ => return,
        };
        match link {
            WsLink::Transport(sid) => self.close_session(&sid, "transport error", now),
            WsLink::Probe(sid) => {
                if let Some(session) = self.sessions.get_mut(&sid) {
                    session.probe = None;
                }
            }
            WsLink::Orphan => {}
        }
        self.end(conn);
    }
}

fn http_conn(external: bool, max_body_bytes: usize) -> Conn {
    Conn::Http(Box::new(HttpConn {
        external,
        reader: RequestReader::new(RequestLimits {
            head: HeadLimits::default(),
            max_body_bytes,
        }),
        backlog: Vec::new(),
        parked_for: None,
        request_deadline: None,
    }))
}

fn next_ack_id(ack_ids: &mut HashMap<String, u64>, nsp: &str) -> u64 {
    let next = ack_ids.entry(nsp.to_string()).or_insert(0);
    let id = *next;
    *next += 1;
    id
}

/// Engine.IO packets as the server's WebSocket frames (unmasked, whole
/// messages, no extension: the server never negotiates one).
fn ws_frames(packets: &[Packet], version: Version) -> Vec<u8> {
    let mut out = Vec::new();
    for packet in packets {
        match engineio::encode_ws(packet, version) {
            WsMessage::Text(text) => {
                encode_frame(&mut out, FrameHeader::new(Opcode::Text, 0), text.as_bytes())
            }
            WsMessage::Binary(bytes) => encode_frame(&mut out, FrameHeader::new(Opcode::Binary, 0), &bytes),
        }
    }
    out
}

fn gone() -> Error {
    Error::new(ErrorKind::InvalidState, "the socket is not connected")
}

#[cfg(test)]
mod tests;
