//! The Socket.IO side of one Engine.IO session: namespace sockets,
//! CONNECT/DISCONNECT, events and acks, attachments, the connect timeout.
//! Mirrors socket.io 4's `Client` and `Socket` behaviour on the wire.
//!
//! A CONNECT makes a pending socket and tells the application, which runs
//! its namespace check and middlewares and then accepts (CONNECT answered
//! with the socket id) or refuses (CONNECT_ERROR) it.

use super::{Output, SocketHandle};
use crate::engineio::{self, Version};
use crate::error::{Error, ErrorKind, Result};
use crate::socketio::{self, Complete, DecodeOptions, Decoder, Packet, PacketType};
use serde_json::{Map, Value};

/// What the session must do for its Socket.IO client.
#[derive(Debug)]
pub(crate) enum SioAction {
    /// Send this packet of the server's own (encoded by the server, in the
    /// application's wire format when it brings one).
    Send(Packet),
    /// Close the Engine.IO session (socket.io's `conn.close()`).
    Close,
    /// Tell the application.
    App(Output),
}

/// A received packet's data: decoded by the core, or kept by the
/// application, whose parser decoded it.
enum Body {
    Decoded {
        data: Option<Value>,
        attachments: Vec<Vec<u8>>,
    },
    Application,
}

#[derive(Debug)]
pub(crate) struct SioSocket {
    pub(crate) nsp: String,
    pub(crate) handle: SocketHandle,
    pub(crate) id: String,
    /// Accepted by the application (before that, the CONNECT is pending).
    pub(crate) connected: bool,
    awaited_acks: Vec<u64>,
}

/// How an accepted socket introduces itself in its CONNECT answer.
#[derive(Debug, Default, Clone)]
pub struct Identity {
    /// A recovered session's socket id, taken instead of the new one.
    pub id: Option<String>,
    /// The private id a client recovers this session with (socket.io's
    /// `pid`, sent when connection state recovery is on).
    pub pid: Option<String>,
}

/// Server-wide facts the client needs.
pub(crate) struct SioContext<'a> {
    pub(crate) next_handle: &'a mut SocketHandle,
}

#[derive(Debug)]
pub(crate) struct SioClient {
    version: Version,
    engine_sid: String,
    decoder: Decoder<Vec<u8>>,
    pub(crate) sockets: Vec<SioSocket>,
    /// Cleared by the first successful CONNECT, as socket.io does: leaving
    /// every namespace later does not re-arm it.
    pub(crate) connect_deadline: Option<u64>,
}

/// Engine.IO packets carrying one Socket.IO packet and its attachments.
pub(crate) fn to_engine_packets(packet: &Packet, attachments: &[Vec<u8>]) -> Result<Vec<engineio::Packet>> {
    let mut out = Vec::with_capacity(1 + attachments.len());
    out.push(engineio::Packet::text(
        engineio::PacketType::Message,
        socketio::encode(packet)?,
    ));
    for bytes in attachments {
        out.push(engineio::Packet::binary(
            engineio::PacketType::Message,
            bytes.clone(),
        ));
    }
    Ok(out)
}

fn random_id() -> Option<String> {
    super::random_id()
}

/// A CONNECT_ERROR as socket.io sends it: `{ "message": … }`.
fn connect_error(nsp: &str, message: &str) -> Packet {
    let mut data = Map::new();
    data.insert("message".into(), Value::String(message.into()));
    Packet::new(PacketType::ConnectError, nsp).with_data(Value::Object(data))
}

impl SioClient {
    pub(crate) fn new(
        version: Version,
        engine_sid: &str,
        connect_deadline: u64,
        options: DecodeOptions,
    ) -> Self {
        SioClient {
            version,
            engine_sid: engine_sid.to_string(),
            decoder: Decoder::new(options),
            sockets: Vec::new(),
            connect_deadline: Some(connect_deadline),
        }
    }

    /// Protocol 3 clients are connected to `/` without asking.
    pub(crate) fn on_open(&mut self, ctx: &mut SioContext<'_>) -> Vec<SioAction> {
        let mut actions = Vec::new();
        if self.version == Version::V3 {
            self.connect("/", Value::Object(Map::new()), ctx, &mut actions);
        }
        actions
    }

    pub(crate) fn socket(&self, handle: SocketHandle) -> Option<&SioSocket> {
        self.sockets.iter().find(|s| s.handle == handle)
    }

    /// An Engine.IO message from the client.
    pub(crate) fn on_message(
        &mut self,
        data: engineio::PacketData,
        ctx: &mut SioContext<'_>,
    ) -> Vec<SioAction> {
        if let engineio::PacketData::Text(text) = &data {
            if let Some(actions) = self.plain_event(text) {
                return actions;
            }
        }
        let decoded = match data {
            engineio::PacketData::Text(text) => self.decoder.push_text(&text),
            engineio::PacketData::Empty => self.decoder.push_text(""),
            engineio::PacketData::Binary(bytes) => self.decoder.push_binary(bytes),
        };
        let mut actions = Vec::new();
        match decoded {
            Ok(Some(complete)) => self.on_packet(complete, ctx, &mut actions),
            Ok(None) => {}
            Err(_) => {
                self.decoder.reset();
                actions.push(SioAction::Close);
            }
        }
        actions
    }

    /// A protocol 4 EVENT without attachments for a connected namespace,
    /// checked as the decoder checks it but never built: its name and
    /// arguments go out as slices of the text. `None` for anything else,
    /// which takes the decoder's path.
    fn plain_event(&mut self, text: &str) -> Option<Vec<SioAction>> {
        if self.version != Version::V4 || self.decoder.is_reconstructing() {
            return None;
        }
        let head = socketio::scan_header(text, false, self.decoder.options()).ok()??;
        if head.kind != PacketType::Event {
            return None;
        }
        let nsp = head.nsp.map_or("/", |s| &text[s.start..s.end]);
        let socket = self.sockets.iter().find(|s| s.nsp == nsp && s.connected)?;
        // One pass over the JSON checks it and finds the name; the rest is
        // the decoder's shape rule on that name.
        let (name, args_json) = socketio::event_parts(&text[head.data?.start..])?;
        if socketio::event_name_problem(name).is_some() {
            return None;
        }
        Some(vec![SioAction::App(Output::Event {
            socket: socket.handle,
            name_json: name.to_string(),
            args_json,
            attachments: Vec::new(),
            ack: head.id,
        })])
    }

    fn on_packet(
        &mut self,
        complete: Complete<Vec<u8>>,
        ctx: &mut SioContext<'_>,
        actions: &mut Vec<SioAction>,
    ) {
        let Complete { packet, attachments } = complete;
        let body = Body::Decoded {
            data: packet.data,
            attachments,
        };
        self.dispatch(packet.kind, &packet.nsp, packet.id, body, ctx, actions);
    }

    /// A packet the application decoded with its own parser: the same
    /// rules as for packets the core decodes, its data staying with the
    /// application. Returns the socket an EVENT, an awaited ACK or a
    /// CONNECT is for (the application hands the data to it).
    pub(crate) fn on_decoded_packet(
        &mut self,
        kind: PacketType,
        nsp: &str,
        id: Option<u64>,
        ctx: &mut SioContext<'_>,
        actions: &mut Vec<SioAction>,
    ) -> Option<SocketHandle> {
        self.dispatch(kind, nsp, id, Body::Application, ctx, actions)
    }

    /// What a packet does to the client's sockets (socket.io's
    /// `Client.ondecoded` and `Socket._onpacket`).
    fn dispatch(
        &mut self,
        kind: PacketType,
        packet_nsp: &str,
        id: Option<u64>,
        body: Body,
        ctx: &mut SioContext<'_>,
        actions: &mut Vec<SioAction>,
    ) -> Option<SocketHandle> {
        let (nsp, auth) = match (self.version, &body) {
            (Version::V4, Body::Decoded { data, .. }) => (packet_nsp.to_string(), data.clone()),
            (Version::V4, Body::Application) => (packet_nsp.to_string(), None),
            (Version::V3, _) => split_v3_namespace(packet_nsp),
        };
        // A socket whose CONNECT is still pending does not take packets
        // yet: socket.io closes such a connection ("invalid state").
        let index = self.sockets.iter().position(|s| s.nsp == nsp);
        let index = match index {
            Some(i) if !self.sockets[i].connected => {
                actions.push(SioAction::Close);
                return None;
            }
            other => other,
        };
        match (index, kind) {
            (None, PacketType::Connect) => {
                let auth = auth.unwrap_or_else(|| Value::Object(Map::new()));
                self.connect(&nsp, auth, ctx, actions);
                self.sockets.last().filter(|s| s.nsp == nsp).map(|s| s.handle)
            }
            (Some(i), PacketType::Event | PacketType::BinaryEvent) => {
                let socket = &self.sockets[i];
                let Body::Decoded { data, attachments } = body else {
                    return Some(socket.handle);
                };
                let Some(Value::Array(mut items)) = data else {
                    // The decoder only lets arrays with a name through.
                    return None;
                };
                let name = items.remove(0);
                actions.push(SioAction::App(Output::Event {
                    socket: socket.handle,
                    name_json: name.to_string(),
                    args_json: Value::Array(items).to_string(),
                    attachments,
                    ack: id,
                }));
                None
            }
            (Some(i), PacketType::Ack | PacketType::BinaryAck) => {
                let socket = &mut self.sockets[i];
                let id = id.unwrap_or(u64::MAX);
                // An ack nobody waits for is dropped, as socket.io does.
                let at = socket.awaited_acks.iter().position(|&a| a == id)?;
                socket.awaited_acks.swap_remove(at);
                let Body::Decoded { data, attachments } = body else {
                    return Some(socket.handle);
                };
                actions.push(SioAction::App(Output::Ack {
                    socket: socket.handle,
                    id,
                    args_json: data.unwrap_or(Value::Array(Vec::new())).to_string(),
                    attachments,
                }));
                None
            }
            (Some(i), PacketType::Disconnect) => {
                let socket = self.sockets.remove(i);
                actions.push(SioAction::App(Output::Disconnect {
                    socket: socket.handle,
                    reason: "client namespace disconnect",
                }));
                None
            }
            // CONNECT twice, CONNECT_ERROR from a client, or a packet for a
            // namespace it never joined: socket.io closes the connection.
            _ => {
                actions.push(SioAction::Close);
                None
            }
        }
    }

    /// A CONNECT: a pending socket the application accepts or refuses.
    fn connect(&mut self, nsp: &str, auth: Value, ctx: &mut SioContext<'_>, actions: &mut Vec<SioAction>) {
        let id = match self.version {
            Version::V3 if nsp == "/" => Some(self.engine_sid.clone()),
            Version::V3 => Some(format!("{nsp}#{}", self.engine_sid)),
            Version::V4 => random_id(),
        };
        let Some(id) = id else {
            actions.push(SioAction::Send(connect_error(
                nsp,
                "no random source for the socket id",
            )));
            return;
        };
        let handle = *ctx.next_handle;
        *ctx.next_handle = ctx.next_handle.wrapping_add(1);
        // Most clients join one namespace: room for exactly one at first
        // (a Vec's first push would make room for four); later pushes
        // grow as usual.
        if self.sockets.capacity() == 0 {
            self.sockets.reserve_exact(1);
        }
        self.sockets.push(SioSocket {
            nsp: nsp.to_string(),
            handle,
            id: id.clone(),
            connected: false,
            awaited_acks: Vec::new(),
        });
        actions.push(SioAction::App(Output::Connect {
            socket: handle,
            sid: self.engine_sid.clone(),
            id,
            nsp: nsp.to_string(),
            auth_json: auth.to_string(),
        }));
    }

    fn pending(&mut self, handle: SocketHandle) -> Result<usize> {
        self.sockets
            .iter()
            .position(|s| s.handle == handle && !s.connected)
            .ok_or_else(|| Error::new(ErrorKind::InvalidState, "the socket is not waiting to connect"))
    }

    /// The application let a pending socket in: CONNECT is answered.
    /// `identity` is a recovered session's id, which the socket takes
    /// instead of its own, and the private id that lets the client recover
    /// this one (connection state recovery): protocol 4 sends both.
    pub(crate) fn accept(&mut self, handle: SocketHandle, identity: &Identity) -> Result<Packet> {
        let index = self.pending(handle)?;
        let socket = &mut self.sockets[index];
        socket.connected = true;
        if let Some(id) = &identity.id {
            socket.id.clone_from(id);
        }
        self.connect_deadline = None;
        let mut answer = Packet::new(PacketType::Connect, socket.nsp.as_str());
        if self.version == Version::V4 {
            let mut data = Map::new();
            data.insert("sid".into(), Value::String(socket.id.clone()));
            if let Some(pid) = &identity.pid {
                data.insert("pid".into(), Value::String(pid.clone()));
            }
            answer = answer.with_data(Value::Object(data));
        }
        Ok(answer)
    }

    /// The application refused a pending socket: CONNECT_ERROR with `data`.
    pub(crate) fn refuse(&mut self, handle: SocketHandle, data_json: &str) -> Result<Packet> {
        let data = parse_json(data_json, "connect error")?;
        let index = self.pending(handle)?;
        let socket = self.sockets.remove(index);
        Ok(Packet::new(PacketType::ConnectError, socket.nsp).with_data(data))
    }

    /// Expects an ACK with `id` from the socket (an emit that asked for one).
    pub(crate) fn await_ack(&mut self, handle: SocketHandle, id: u64) {
        if let Some(socket) = self.sockets.iter_mut().find(|s| s.handle == handle) {
            socket.awaited_acks.push(id);
        }
    }

    /// Builds an EVENT (BINARY_EVENT with attachments) for a socket,
    /// connected or still waiting for its CONNECT answer (socket.io sends
    /// those too: a recovered session's missed packets go before the
    /// answer, and the client holds them until it is connected); with
    /// `ack`, expects the client's ACK with that id.
    pub(crate) fn emit(
        &mut self,
        handle: SocketHandle,
        name_json: &str,
        args_json: &str,
        attachments: &[Vec<u8>],
        ack: Option<u64>,
    ) -> Result<Vec<engineio::Packet>> {
        let nsp = &self.sendable(handle)?.nsp;
        let packets = event_packets(nsp, name_json, args_json, attachments, ack)?;
        self.expect_ack(handle, ack)?;
        Ok(packets)
    }

    /// A socket events may go to: connected, or waiting for its CONNECT
    /// answer (see [`SioClient::emit`]).
    fn sendable(&self, handle: SocketHandle) -> Result<&SioSocket> {
        self.socket(handle)
            .ok_or_else(|| Error::new(ErrorKind::InvalidState, "the socket is not connected"))
    }

    /// An event the application encoded is going to the socket: with
    /// `ack`, the client's ACK of that id is awaited.
    pub(crate) fn expect_ack(&mut self, handle: SocketHandle, ack: Option<u64>) -> Result<()> {
        self.sendable(handle)?;
        if let Some(id) = ack {
            self.await_ack(handle, id);
        }
        Ok(())
    }

    /// A connected socket (acks and disconnects need one).
    pub(crate) fn connected(&self, handle: SocketHandle) -> Result<&SioSocket> {
        self.socket(handle)
            .filter(|s| s.connected)
            .ok_or_else(|| Error::new(ErrorKind::InvalidState, "the socket is not connected"))
    }

    /// Builds the ACK (BINARY_ACK with attachments) answering ack `id`.
    pub(crate) fn ack(
        &self,
        handle: SocketHandle,
        id: u64,
        args_json: &str,
        attachments: &[Vec<u8>],
    ) -> Result<Vec<engineio::Packet>> {
        let socket = self.connected(handle)?;
        if attachments.is_empty() {
            // Checked without being built: the text goes out as it came.
            let args = json_array(args_json, "ack arguments")?;
            return plain_packet(PacketType::Ack, &socket.nsp, Some(id), args);
        }
        let args = parse_json(args_json, "ack arguments")?;
        if !args.is_array() {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "ack arguments must be a JSON array",
            ));
        }
        let kind = if attachments.is_empty() {
            PacketType::Ack
        } else {
            PacketType::BinaryAck
        };
        let packet = build(kind, &socket.nsp, Some(id), args, attachments)?;
        to_engine_packets(&packet, attachments)
    }

    /// Leaves a namespace from the server side: sends DISCONNECT.
    pub(crate) fn disconnect(&mut self, handle: SocketHandle) -> Result<Packet> {
        let index = self
            .sockets
            .iter()
            .position(|s| s.handle == handle && s.connected)
            .ok_or_else(|| Error::new(ErrorKind::InvalidState, "the socket is not connected"))?;
        let socket = self.sockets.remove(index);
        Ok(Packet::new(PacketType::Disconnect, socket.nsp))
    }
}

/// The Engine.IO packets of one EVENT (BINARY_EVENT with attachments) in
/// `nsp`: what a socket's emit and a broadcast both send.
pub(crate) fn event_packets(
    nsp: &str,
    name_json: &str,
    args_json: &str,
    attachments: &[Vec<u8>],
    ack: Option<u64>,
) -> Result<Vec<engineio::Packet>> {
    // The name is held to the rule received events are held to (a string
    // or a number, not a reserved name), read from its JSON text.
    let name_raw: &serde_json::value::RawValue = serde_json::from_str(name_json)
        .map_err(|e| Error::new(ErrorKind::InvalidArgument, format!("event name: {e}")))?;
    let name_text = name_raw.get().trim();
    if let Some(problem) = socketio::event_name_problem(name_text) {
        return Err(Error::new(ErrorKind::InvalidArgument, problem));
    }
    if attachments.is_empty() {
        // Checked without being built: the name and the arguments' text go
        // out as they came.
        let args = json_array(args_json, "event arguments")?;
        let inner = args[1..args.len() - 1].trim();
        let data = if inner.is_empty() {
            format!("[{name_text}]")
        } else {
            format!("[{name_text},{inner}]")
        };
        return plain_packet(PacketType::Event, nsp, ack, &data);
    }
    let name: Value = parse_json(name_json, "event name")?;
    let Value::Array(args) = parse_json(args_json, "event arguments")? else {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            "event arguments must be a JSON array",
        ));
    };
    let mut data = Vec::with_capacity(args.len() + 1);
    data.push(name);
    data.extend(args);
    let kind = if attachments.is_empty() {
        PacketType::Event
    } else {
        PacketType::BinaryEvent
    };
    let packet = build(kind, nsp, ack, Value::Array(data), attachments)?;
    to_engine_packets(&packet, attachments)
}

/// `text` checked as one JSON array (nothing built); returns it trimmed.
fn json_array<'a>(text: &'a str, what: &str) -> Result<&'a str> {
    let raw: &serde_json::value::RawValue = serde_json::from_str(text)
        .map_err(|e| Error::new(ErrorKind::InvalidArgument, format!("{what}: {e}")))?;
    let trimmed = raw.get().trim();
    if !trimmed.starts_with('[') {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("{what} must be a JSON array"),
        ));
    }
    Ok(trimmed)
}

/// The Engine.IO message of a Socket.IO packet without attachments whose
/// data is JSON text already checked.
fn plain_packet(
    kind: PacketType,
    nsp: &str,
    id: Option<u64>,
    data_json: &str,
) -> Result<Vec<engineio::Packet>> {
    let mut text = socketio::header_before_id(kind, nsp, 0)?;
    if let Some(id) = id {
        text.push_str(&id.to_string());
    }
    text.push_str(data_json);
    Ok(vec![engineio::Packet::text(engineio::PacketType::Message, text)])
}

fn parse_json(text: &str, what: &str) -> Result<Value> {
    serde_json::from_str(text).map_err(|e| Error::new(ErrorKind::InvalidArgument, format!("{what}: {e}")))
}

fn build(
    kind: PacketType,
    nsp: &str,
    id: Option<u64>,
    data: Value,
    attachments: &[Vec<u8>],
) -> Result<Packet> {
    if kind.is_binary() {
        socketio::check_placeholders(&data, attachments.len())?;
    }
    let mut packet = Packet::new(kind, nsp).with_id(id).with_data(data);
    packet.attachments = attachments.len();
    Ok(packet)
}

/// Protocol 3 puts the auth query in the namespace: `/chat?token=abc`.
fn split_v3_namespace(nsp: &str) -> (String, Option<Value>) {
    match nsp.split_once('?') {
        None => (nsp.to_string(), None),
        Some((path, query)) => {
            let mut auth = Map::new();
            for (k, v) in crate::http::parse_query(query) {
                auth.insert(k, Value::String(v));
            }
            (path.to_string(), Some(Value::Object(auth)))
        }
    }
}
