//! One Engine.IO session: its transport, buffer and heartbeat clock.

use super::socketio::SioClient;
use super::ConnId;
use crate::engineio::{Packet, PacketData, PacketType, Version};
use crate::http::Request;

pub(super) enum Endpoint {
    /// Raw Engine.IO: messages go to the application ([`super::Output::Message`]).
    Engine,
    SocketIo(Box<SioClient>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Transport {
    Polling {
        /// The GET waiting for packets, and whether its connection stays open.
        get: Option<(ConnId, bool)>,
        /// The client reads binary payloads (protocol 3 without `b64`).
        binary: bool,
    },
    WebSocket(ConnId),
}

impl Transport {
    pub(super) fn polling(binary: bool) -> Self {
        Transport::Polling { get: None, binary }
    }

    pub(super) fn name(&self) -> &'static str {
        match self {
            Transport::Polling { .. } => "polling",
            Transport::WebSocket(_) => "websocket",
        }
    }
}

/// A WebSocket opened to take over a polling session.
pub(super) struct Probe {
    pub(super) conn: ConnId,
    /// `2probe` was answered: polling GETs are released at once.
    pub(super) probed: bool,
    pub(super) deadline: u64,
}

/// What a received packet means for the heartbeat.
pub(super) enum Heartbeat {
    Ok,
    /// Protocol 3: answer the client's ping.
    Pong,
    /// A ping in protocol 4 or a pong in protocol 3 (engine.io: "invalid
    /// heartbeat direction").
    Violation,
}

/// What the heartbeat clock calls for.
pub(super) enum Due {
    Nothing,
    Ping,
    Timeout,
}

pub(super) struct Session {
    pub(super) version: Version,
    pub(super) endpoint: Endpoint,
    pub(super) transport: Transport,
    pub(super) probe: Option<Probe>,
    /// Packets waiting for a polling GET.
    pub(super) buffer: Vec<Packet>,
    /// The size of the application's packets in `buffer`.
    buffered_bytes: usize,
    /// Whether any packet in `buffer` may be compressed (engine.io
    /// compresses a poll answer unless every packet in it says not to).
    buffer_compressible: bool,
    /// Closing over polling: the next GET is told, then the session ends.
    pub(super) closing: bool,
    pub(super) close_deadline: Option<u64>,
    /// The parked GET, for the headers of its answer.
    pub(super) poll_request: Option<Request>,
    /// The session's one live timer entry.
    pub(super) wake: Option<u64>,
    /// The application watches this session's packets (engine.io's
    /// 'packet', 'packetCreate', 'heartbeat' and 'drain').
    pub(super) observed: bool,
    /// `Set-Cookie` for the handshake's polling answer, until it is sent.
    pub(super) handshake_cookie: Option<String>,
    /// Protocol 4: when the next ping is sent.
    next_ping: Option<u64>,
    /// When the session times out without a pong (v4) or a ping (v3).
    heartbeat_deadline: Option<u64>,
    /// Protocol 4: the deadline was pushed back once for a non-pong packet.
    refreshed: bool,
}

impl Session {
    pub(super) fn new(version: Version, endpoint: Endpoint, transport: Transport) -> Self {
        Session {
            version,
            endpoint,
            transport,
            probe: None,
            buffer: Vec::new(),
            buffered_bytes: 0,
            buffer_compressible: false,
            closing: false,
            close_deadline: None,
            poll_request: None,
            wake: None,
            observed: false,
            handshake_cookie: None,
            next_ping: None,
            heartbeat_deadline: None,
            refreshed: false,
        }
    }

    /// Queues the application's packets for the next GET; returns how many
    /// bytes of them are waiting now.
    pub(super) fn queue(&mut self, packets: impl IntoIterator<Item = Packet>, compress: bool) -> usize {
        self.buffer_compressible |= compress;
        for packet in packets {
            self.buffered_bytes += match &packet.data {
                PacketData::Empty => 1,
                PacketData::Text(text) => 1 + text.len(),
                PacketData::Binary(bytes) => 1 + bytes.len(),
            };
            self.buffer.push(packet);
        }
        self.buffered_bytes
    }

    /// Everything waiting, taken, and whether it may be compressed.
    pub(super) fn take_buffer(&mut self) -> (Vec<Packet>, bool) {
        self.buffered_bytes = 0;
        let compress = std::mem::take(&mut self.buffer_compressible);
        (std::mem::take(&mut self.buffer), compress)
    }

    pub(super) fn clear_buffer(&mut self) {
        self.buffered_bytes = 0;
        self.buffer_compressible = false;
        self.buffer.clear();
    }

    /// Protocol 4: the server pings after `interval`. Protocol 3: the client
    /// pings, and must within `interval + timeout`.
    pub(super) fn start_heartbeat(&mut self, now: u64, interval: u64, timeout: u64) {
        match self.version {
            Version::V4 => self.next_ping = Some(now + interval),
            Version::V3 => self.heartbeat_deadline = Some(now + interval + timeout),
        }
    }

    pub(super) fn next_deadline(&self) -> Option<u64> {
        [self.next_ping, self.heartbeat_deadline]
            .into_iter()
            .flatten()
            .min()
    }

    /// Updates the clock for a packet from the client.
    pub(super) fn on_packet_heartbeat(
        &mut self,
        kind: PacketType,
        now: u64,
        interval: u64,
        timeout: u64,
    ) -> Heartbeat {
        match self.version {
            Version::V4 => {
                // engine.io gives a busy client one extra pingTimeout while
                // its pong is awaited.
                if self.heartbeat_deadline.is_some() && !self.refreshed && kind != PacketType::Pong {
                    self.heartbeat_deadline = Some(now + timeout);
                    self.refreshed = true;
                }
                match kind {
                    PacketType::Ping => Heartbeat::Violation,
                    PacketType::Pong => {
                        self.heartbeat_deadline = None;
                        self.next_ping = Some(now + interval);
                        Heartbeat::Ok
                    }
                    _ => Heartbeat::Ok,
                }
            }
            Version::V3 => match kind {
                PacketType::Ping => {
                    self.heartbeat_deadline = Some(now + interval + timeout);
                    Heartbeat::Pong
                }
                PacketType::Pong => Heartbeat::Violation,
                _ => Heartbeat::Ok,
            },
        }
    }

    /// What is due at `now`; a ping starts the wait for its pong.
    pub(super) fn heartbeat_due(&mut self, now: u64, timeout: u64) -> Due {
        if self.heartbeat_deadline.is_some_and(|at| at <= now) {
            return Due::Timeout;
        }
        if self.next_ping.is_some_and(|at| at <= now) {
            self.next_ping = None;
            self.heartbeat_deadline = Some(now + timeout);
            self.refreshed = false;
            return Due::Ping;
        }
        Due::Nothing
    }
}
