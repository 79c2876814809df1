//! A sans-I/O Engine.IO (protocols 3 and 4) and Socket.IO (protocol 5)
//! server: TCP bytes in, TCP bytes and application events out, time given
//! by the caller. It speaks HTTP/1.1 long-polling and WebSocket on one port
//! and behaves on the wire as engine.io 6 and socket.io 4 do (handshake,
//! error answers, heartbeat, the upgrade probe, closing), so real clients
//! cannot tell the difference.
//!
//! [`ServerConfig::socketio_path`] carries Socket.IO: a CONNECT is told to
//! the application ([`Output::Connect`]), which answers with
//! [`Server::accept`] or [`Server::refuse`], then drives the socket with
//! [`Server::emit`], [`Server::broadcast`] (to rooms of small integers,
//! [`Server::join`]), [`Server::ack`] and [`Server::disconnect`]. An
//! optional raw Engine.IO endpoint ([`ServerConfig::engine_path`], off by
//! default) hands raw Engine.IO messages to the application
//! ([`Output::Message`], [`Server::send_message`]).
//!
//! An application with its own Socket.IO wire format (socket.io's `parser`
//! option) gives the server a [`PacketCodec`]: each message of a Socket.IO
//! session is decoded by it as it arrives, and it tells the server each
//! packet's type, namespace and ack id; the server's rules (namespaces,
//! pending CONNECTs, awaited acks, closing on a bad packet) stay here, the
//! data stays with the application ([`Output::Decoded`] says which socket
//! it is for). The application sends what it encoded itself with
//! [`Server::emit_encoded`], [`Server::ack_encoded`] and
//! [`Server::broadcast_encoded`]; the codec encodes the server's own
//! packets.
//!
//! The caller owns sockets and timers: it feeds each connection's bytes to
//! [`Server::receive`] (or requests an HTTP server read to
//! [`Server::http_request`] and [`Server::upgrade`]), reports closed
//! connections with [`Server::closed`] and slow readers with
//! [`Server::congestion`], calls [`Server::tick`] at
//! [`Server::next_deadline`], and after every call carries out
//! [`Server::take_output`] in order.
//!
//! The files: `polling` (HTTP, CORS, long-polling), `websocket` (the
//! WebSocket transport and the upgrade probe), `engine` (sessions,
//! heartbeats, timers), `socketio` (one client's Socket.IO packets), `app`
//! (the application's calls), `rooms` (membership for broadcasts).

mod app;
mod engine;
mod polling;
mod rooms;
mod session;
mod socketio;
mod websocket;

use crate::deflate::{self, DeflateOptions, DeflateSettings};
use crate::engineio::{self, Packet, PacketData, PacketType, PayloadLimits, Version, WsMessage};
use crate::error::{Error, ErrorKind, Result};
use crate::frame::{encode_frame, FrameHeader, Opcode};
use crate::handshake::{reject_for, HandshakeRequest, HeadLimits};
use crate::http::{response, Request, RequestLimits, RequestReader};
use crate::protocol::{
    Config as WsConfig, Connection, MessageKind, OwnedEvent, SendOptions, State as WsState,
};
pub use app::EmitFlags;
use base64::Engine as _;
pub use rooms::RoomId;
use rooms::Rooms;
use serde::{Deserialize, Serialize};
use session::{Endpoint, Probe, Session, Transport};
pub use socketio::Identity;
use socketio::{SioAction, SioClient, SioContext};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

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
    /// Path prefix of a raw Engine.IO endpoint whose messages go to the
    /// application (`None`, the default: off).
    pub engine_path: Option<String>,
    /// Path prefix of the Socket.IO endpoint (`None`: off).
    pub socketio_path: Option<String>,
    /// Most attachments one Socket.IO binary packet may announce.
    pub max_attachments: usize,
    /// Serve protocol 3 clients (`EIO=3`), as engine.io's `allowEIO3`.
    pub allow_eio3: bool,
    /// Polling sessions may move to WebSocket (engine.io's `allowUpgrades`).
    pub allow_upgrades: bool,
    /// permessage-deflate on the WebSocket transport, negotiated and
    /// compressed with these preferences (ws's `perMessageDeflate` options:
    /// context takeover, window bits, threshold, level, memory level);
    /// `None`, the default: off, as engine.io's `perMessageDeflate: false`.
    pub per_message_deflate: Option<DeflateOptions>,
    /// Milliseconds an HTTP request may take to arrive whole once it has
    /// begun (Node's `headersTimeout`); past it, 408 and the connection ends.
    pub request_timeout: u64,
    /// Most bytes of packets a polling session holds for a GET that does
    /// not come; past it the session ends with "transport error".
    pub max_buffered_bytes: usize,
    /// `Set-Cookie` for a polling handshake's answer, `{sid}` standing for
    /// the session id (engine.io's `cookie`; as engine.io, none on the 101 of
    /// a handshake over WebSocket); `None`, the default: no cookie.
    pub cookie: Option<String>,
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
            per_message_deflate: None,
            request_timeout: 60_000,
            max_buffered_bytes: 4 << 20,
            cookie: None,
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
        /// Whether the body may be compressed (engine.io's
        /// `httpCompression`): false for a poll answer whose every packet
        /// was sent with `compress: false`.
        compress: bool,
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
    /// A message on a raw Engine.IO session ([`ServerConfig::engine_path`]);
    /// answer with [`Server::send_message`].
    Message { sid: String, data: PacketData },
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
    /// An observed session ([`Server::observe`]) received a packet
    /// (engine.io's 'packet'; `heartbeat`: then its 'heartbeat') or sent
    /// one (its 'packetCreate', `compress` as it was sent).
    Packet {
        sid: String,
        received: bool,
        heartbeat: bool,
        compress: bool,
        packet: Packet,
    },
    /// What an observed session sent was handed to its transport (engine.io's 'drain').
    Drain { sid: String },
    /// The request or upgrade on `conn` is refused with an Engine.IO error
    /// (engine.io's `connection_error`: `code`, and for a bad request the
    /// `context.name`, else ""); its answer follows.
    Refused {
        conn: ConnId,
        code: u8,
        name: &'static str,
    },
    /// A packet the [`PacketCodec`] decoded (named by the codec's
    /// `token`) was taken: its data is for `socket` (an EVENT's, an awaited
    /// ACK's, a CONNECT's new socket: its auth), or for nobody (`None`: a
    /// packet the rules dropped or that closed the connection, or a message
    /// the codec could not decode). Comes before what the packet caused.
    Decoded {
        token: u32,
        socket: Option<SocketHandle>,
    },
}

/// The application's Socket.IO wire format (socket.io's `parser` option).
pub trait PacketCodec {
    /// The Engine.IO messages that carry `packet`, one the server sends of
    /// its own (a CONNECT answer, CONNECT_ERROR, DISCONNECT).
    fn encode(&mut self, packet: &crate::socketio::Packet) -> Result<Vec<PacketData>>;
    /// Feeds a message of session `sid` to that session's decoder.
    fn decode(&mut self, sid: &str, data: PacketData) -> Decoded;
    /// Session `sid` ended: its decoder goes.
    fn session_closed(&mut self, sid: &str);
}

/// What a message did to a session's decoder ([`PacketCodec::decode`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    /// The packets it completed (none while a packet waits for its
    /// attachments), each named by a token the application chose.
    Packets(Vec<DecodedPacket>),
    /// It could not be decoded: socket.io closes the connection. `token`
    /// names the error for the application.
    Invalid { token: u32 },
}

/// A decoded packet as the server's rules need it: its data stays with
/// the application, under `token`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedPacket {
    pub kind: crate::socketio::PacketType,
    pub nsp: String,
    pub id: Option<u64>,
    pub token: u32,
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

/// The Engine.IO error answers (engine.io's `Server.errors`), a bad request
/// with the name engine.io gives its cause in `connection_error`'s context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EngineError {
    UnknownTransport,
    UnknownSid,
    BadHandshakeMethod,
    BadRequest(BadRequest),
    UnsupportedProtocolVersion,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BadRequest {
    /// A request for a session on a transport it does not use.
    TransportMismatch,
    /// A WebSocket handshake that is not an upgrade, or a 101 that cannot be made.
    TransportHandshake,
    /// A request for a session under another protocol version (engine.io
    /// does not check; the core does not mix packet formats).
    ProtocolMismatch,
    /// The application's session id cannot be used (see [`valid_session_id`]).
    IdGeneration,
}

impl EngineError {
    fn code(self) -> u8 {
        match self {
            EngineError::UnknownTransport => 0,
            EngineError::UnknownSid => 1,
            EngineError::BadHandshakeMethod => 2,
            EngineError::BadRequest(_) => 3,
            EngineError::UnsupportedProtocolVersion => 5,
        }
    }

    fn message(self) -> &'static str {
        match self {
            EngineError::UnknownTransport => "Transport unknown",
            EngineError::UnknownSid => "Session ID unknown",
            EngineError::BadHandshakeMethod => "Bad handshake method",
            EngineError::BadRequest(_) => "Bad request",
            EngineError::UnsupportedProtocolVersion => "Unsupported protocol version",
        }
    }

    /// engine.io's `context.name` for a bad request ("" for the others).
    fn context_name(self) -> &'static str {
        match self {
            EngineError::BadRequest(BadRequest::TransportMismatch) => "TRANSPORT_MISMATCH",
            EngineError::BadRequest(BadRequest::TransportHandshake) => "TRANSPORT_HANDSHAKE_ERROR",
            EngineError::BadRequest(BadRequest::ProtocolMismatch) => "PROTOCOL_MISMATCH",
            EngineError::BadRequest(BadRequest::IdGeneration) => "ID_GENERATION_ERROR",
            _ => "",
        }
    }
}

/// Whether an id the application chose (engine.io's `generateId`) can name
/// a session: 1-128 cookie octets (RFC 6265 §4.1.1), so that it goes
/// unescaped into the handshake's JSON, a `Set-Cookie` and a query string.
pub(crate) fn valid_session_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| matches!(b, 0x21 | 0x23..=0x2b | 0x2d..=0x3a | 0x3c..=0x5b | 0x5d..=0x7e))
}

/// A map keyed by what the server hands out itself (connection and socket
/// numbers, session ids, room numbers): no client chooses a key that goes
/// in, so a fast hasher will do; foldhash's is seeded per process anyway.
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
/// A set of such keys.
pub(crate) type FastSet<K> = HashSet<K, foldhash::fast::RandomState>;

/// The server. See the module documentation.
pub struct Server {
    config: ServerConfig,
    conns: FastMap<ConnId, Conn>,
    sessions: FastMap<String, Session>,
    sockets: FastMap<SocketHandle, String>,
    next_handle: SocketHandle,
    rooms: Rooms,
    timers: BinaryHeap<Reverse<(u64, Timer)>>,
    /// Each connection's one live timer entry (as [`Session::wake`]).
    conn_wakes: FastMap<ConnId, u64>,
    /// Connections whose long-poll was answered: their backlog is read next.
    released: Vec<ConnId>,
    /// Polling sessions holding more than `max_buffered_bytes`: closed next.
    overflowed: Vec<String>,
    /// Headers for the 101 of the upgrade being handled ([`Server::upgrade`]).
    upgrade_headers: Vec<(String, String)>,
    /// The session id the application chose for the handshake being handled.
    chosen_sid: Option<String>,
    /// A message every session gets right after its open packet
    /// (engine.io's `initialPacket`).
    initial_packet: Option<Packet>,
    /// The application's Socket.IO wire format, when it has its own.
    codec: Option<Box<dyn PacketCodec>>,
    out: Vec<Output>,
}

impl Server {
    pub fn new(config: ServerConfig) -> Self {
        Server {
            config,
            conns: FastMap::default(),
            sessions: FastMap::default(),
            sockets: FastMap::default(),
            next_handle: 1,
            rooms: Rooms::default(),
            timers: BinaryHeap::new(),
            conn_wakes: FastMap::default(),
            released: Vec::new(),
            overflowed: Vec::new(),
            upgrade_headers: Vec::new(),
            chosen_sid: None,
            initial_packet: None,
            codec: None,
            out: Vec::new(),
        }
    }

    /// Socket.IO packets in the application's own wire format from now on
    /// (socket.io's `parser` option; see the module documentation), or in
    /// socket.io-parser's again (`None`, the default). Set it before the
    /// first session opens: a session's decoder lives in one or the other.
    pub fn set_packet_codec(&mut self, codec: Option<Box<dyn PacketCodec>>) {
        self.codec = codec;
    }

    /// The Engine.IO messages of a packet the server sends of its own.
    pub(super) fn own_packets(&mut self, packet: &crate::socketio::Packet) -> Result<Vec<Packet>> {
        match &mut self.codec {
            None => socketio::to_engine_packets(packet, &[]),
            Some(codec) => Ok(message_packets(codec.encode(packet)?)),
        }
    }

    /// engine.io's `initialPacket`: a message (text or binary) each new
    /// session gets right after its open packet, in the same answer over
    /// polling (`None`: none, the default). On a Socket.IO endpoint the
    /// client reads it as a Socket.IO packet, as with engine.io.
    pub fn set_initial_packet(&mut self, data: Option<PacketData>) {
        self.initial_packet = data.map(message_packet);
    }

    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// Reports a session's packets from now on, both ways ([`Output::Packet`],
    /// [`Output::Drain`]), or stops: for applications that listen to
    /// engine.io's per-packet events on it. Unknown sessions are ignored.
    pub fn observe(&mut self, sid: &str, on: bool) {
        if let Some(session) = self.sessions.get_mut(sid) {
            session.observed = on;
        }
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
        self.http_request_as(conn, request, None, now);
    }

    /// [`Server::http_request`], a handshake opening its session as `sid`
    /// when given (the application's choice, engine.io's `generateId`; a
    /// handshake refused with "Bad request" when [`valid_session_id`] says
    /// no or a session has it).
    pub fn http_request_as(&mut self, conn: ConnId, request: Request, sid: Option<String>, now: u64) {
        self.conns.insert(conn, http_conn(true, self.config.max_payload));
        self.chosen_sid = sid;
        self.handle_request(conn, request, now);
        self.chosen_sid = None;
        self.read_released(now);
    }

    /// An upgrade request an HTTP server read; `conn` is its socket from
    /// now on: the answer is written to it (with `headers` added to a 101,
    /// as the application's middlewares set them), and what the client
    /// sends next goes to [`Server::receive`].
    pub fn upgrade(&mut self, conn: ConnId, request: Request, headers: Vec<(String, String)>, now: u64) {
        self.upgrade_as(conn, request, headers, None, now);
    }

    /// [`Server::upgrade`] with the session id of a WebSocket handshake, as
    /// [`Server::http_request_as`].
    pub fn upgrade_as(
        &mut self,
        conn: ConnId,
        request: Request,
        headers: Vec<(String, String)>,
        sid: Option<String>,
        now: u64,
    ) {
        self.conns.insert(conn, http_conn(false, self.config.max_payload));
        self.upgrade_headers = headers;
        self.chosen_sid = sid;
        self.handle_request(conn, request, now);
        self.upgrade_headers.clear();
        self.chosen_sid = None;
        self.read_released(now);
    }

    /// The id of a session a handshake opens: the application's, if it
    /// chose one and it can be used, else drawn from the OS random source.
    fn new_session_id(&mut self) -> std::result::Result<String, EngineError> {
        match self.chosen_sid.take() {
            Some(id) if valid_session_id(&id) && !self.sessions.contains_key(&id) => Ok(id),
            Some(_) => Err(EngineError::BadRequest(BadRequest::IdGeneration)),
            None => random_id().ok_or(EngineError::BadRequest(BadRequest::IdGeneration)),
        }
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

    /// Sends a message on a raw Engine.IO session (text, or binary).
    pub fn send_message(&mut self, sid: &str, data: PacketData, now: u64) -> Result<()> {
        match self.sessions.get(sid) {
            Some(session) if matches!(session.endpoint, Endpoint::Engine) && !session.closing => {}
            _ => return Err(Error::new(ErrorKind::InvalidState, "the session is not open")),
        }
        self.send(sid, vec![message_packet(data)]);
        self.read_released(now);
        Ok(())
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

    /// Makes sure the session wakes by `at`: a later or equal wake already
    /// scheduled is kept, an earlier one replaces it (the old entry goes
    /// stale), so a session holds one live entry however busy it is.
    pub(super) fn wake_session(&mut self, sid: &str, at: Option<u64>) {
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
    pub(super) fn wake_conn(&mut self, conn: ConnId, at: u64) {
        if self.conn_wakes.get(&conn).is_some_and(|&wake| wake <= at) {
            return;
        }
        self.conn_wakes.insert(conn, at);
        self.timers.push(Reverse((at, Timer::Conn(conn))));
    }

    /// Scheduled entries (live and stale), for the bound tests.
    #[cfg(test)]
    pub(super) fn timer_entries(&self) -> usize {
        self.timers.len()
    }

    /// Queues bytes for a connection; joined to the write just before
    /// when that one is for the same connection (one system call for what
    /// one call of the application sends it).
    pub(super) fn write(&mut self, conn: ConnId, bytes: Vec<u8>) {
        if bytes.is_empty() {
            return;
        }
        match self.out.last_mut() {
            Some(Output::Write {
                conn: last,
                bytes: queued,
            }) if *last == conn => queued.extend_from_slice(&bytes),
            _ => self.out.push(Output::Write { conn, bytes }),
        }
    }

    /// Tells the application why `conn` is being refused (its answer follows).
    fn refused(&mut self, conn: ConnId, error: EngineError) {
        self.out.push(Output::Refused {
            conn,
            code: error.code(),
            name: error.context_name(),
        });
    }

    pub(super) fn end(&mut self, conn: ConnId) {
        if let Some(entry) = self.conns.get_mut(&conn) {
            if !matches!(entry, Conn::Ended) {
                *entry = Conn::Ended;
                self.out.push(Output::End { conn });
            }
        }
    }

    /// What every entry point does last: sessions that overflowed are
    /// closed, connections whose long-poll was answered are read on.
    pub(super) fn read_released(&mut self, now: u64) {
        while let Some(sid) = self.overflowed.pop() {
            self.close_session(&sid, "transport error", now);
        }
        while let Some(conn) = self.released.pop() {
            self.read_http(conn, now);
        }
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

/// Engine.IO message packets, one per message (what an application encoded).
fn message_packets(messages: Vec<PacketData>) -> Vec<Packet> {
    messages.into_iter().map(message_packet).collect()
}

fn message_packet(data: PacketData) -> Packet {
    match data {
        PacketData::Binary(bytes) => Packet::binary(PacketType::Message, bytes),
        PacketData::Text(text) => Packet::text(PacketType::Message, text),
        PacketData::Empty => Packet::text(PacketType::Message, ""),
    }
}

fn gone() -> Error {
    Error::new(ErrorKind::InvalidState, "the socket is not connected")
}

#[cfg(test)]
mod tests;
