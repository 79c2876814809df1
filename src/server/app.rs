//! The application's side of Socket.IO sockets: emit, broadcast, acks,
//! accepting or refusing a CONNECT, rooms, disconnecting.

use super::*;

/// How a broadcast reaches one recipient.
enum Route {
    /// The WebSocket frames every such client of its protocol version shares.
    Shared(ConnId),
    /// Frames of its own (its permessage-deflate context).
    Own(ConnId),
    /// The polling session's queue.
    Poll,
}

/// How a broadcast goes out: socket.io's `volatile` and `compress` flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EmitFlags {
    /// Skips recipients that cannot take the packet now: a WebSocket
    /// client that is not reading, a polling client without a waiting GET.
    pub volatile: bool,
    /// `false` sends the packet without permessage-deflate, and a poll
    /// answer of such packets alone without HTTP compression.
    pub compress: bool,
}

impl Default for EmitFlags {
    fn default() -> Self {
        EmitFlags {
            volatile: false,
            compress: true,
        }
    }
}

impl Server {
    /// Sends an event to a Socket.IO socket. `name_json` is the event name
    /// as JSON (a string or a number), `args_json` a JSON array whose
    /// placeholders refer to `attachments`. With `ack_id`, the client is
    /// asked to answer with an [`Output::Ack`] of that id (the application
    /// numbers acks per namespace, as socket.io's `nsp._ids` does, so that
    /// adapters written for socket.io can take ids too). `compress` as
    /// [`EmitFlags::compress`].
    #[allow(clippy::too_many_arguments)]
    pub fn emit(
        &mut self,
        socket: SocketHandle,
        name_json: &str,
        args_json: &str,
        attachments: &[Vec<u8>],
        ack_id: Option<u64>,
        compress: bool,
        now: u64,
    ) -> Result<()> {
        let (sid, client) = self.client_of(socket)?;
        let packets = client.emit(socket, name_json, args_json, attachments, ack_id)?;
        self.send_with(&sid, packets, compress);
        self.read_released(now);
        Ok(())
    }

    /// [`Server::emit`] of an event the application encoded in its own
    /// wire format ([`PacketCodec`]): `messages` are the Engine.IO
    /// messages that carry it; with `ack_id`, the client's ACK of that id
    /// is awaited.
    pub fn emit_encoded(
        &mut self,
        socket: SocketHandle,
        messages: Vec<PacketData>,
        ack_id: Option<u64>,
        compress: bool,
        now: u64,
    ) -> Result<()> {
        let (sid, client) = self.client_of(socket)?;
        client.expect_ack(socket, ack_id)?;
        self.send_with(&sid, message_packets(messages), compress);
        self.read_released(now);
        Ok(())
    }

    /// [`Server::ack`] encoded by the application: `messages` carry the ACK.
    pub fn ack_encoded(&mut self, socket: SocketHandle, messages: Vec<PacketData>, now: u64) -> Result<()> {
        let (sid, client) = self.client_of(socket)?;
        client.connected(socket)?;
        self.send(&sid, message_packets(messages));
        self.read_released(now);
        Ok(())
    }

    /// Sends one event to every connected socket of `nsp` in any of `rooms`
    /// and in none of `except`, encoded and framed once: WebSocket clients
    /// of one protocol version get the same bytes (and, sent uncompressed,
    /// clients that agreed permessage-deflate too). `flags` as [`EmitFlags`].
    /// With `ack_id`, every recipient is asked to answer with that one ack
    /// id. Returns how many sockets it went to.
    #[allow(clippy::too_many_arguments)]
    pub fn broadcast(
        &mut self,
        nsp: &str,
        rooms: &[RoomId],
        except: &[RoomId],
        name_json: &str,
        args_json: &str,
        attachments: &[Vec<u8>],
        flags: EmitFlags,
        ack_id: Option<u64>,
        now: u64,
    ) -> Result<u32> {
        let packets = socketio::event_packets(nsp, name_json, args_json, attachments, ack_id)?;
        Ok(self.broadcast_packets(nsp, rooms, except, &packets, flags, ack_id, now))
    }

    /// [`Server::broadcast`] of an event the application encoded in its
    /// own wire format ([`PacketCodec`]): `messages` are the Engine.IO
    /// messages that carry it.
    #[allow(clippy::too_many_arguments)]
    pub fn broadcast_encoded(
        &mut self,
        nsp: &str,
        rooms: &[RoomId],
        except: &[RoomId],
        messages: Vec<PacketData>,
        flags: EmitFlags,
        ack_id: Option<u64>,
        now: u64,
    ) -> u32 {
        let packets = message_packets(messages);
        self.broadcast_packets(nsp, rooms, except, &packets, flags, ack_id, now)
    }

    #[allow(clippy::too_many_arguments)]
    fn broadcast_packets(
        &mut self,
        nsp: &str,
        rooms: &[RoomId],
        except: &[RoomId],
        packets: &[Packet],
        flags: EmitFlags,
        id: Option<u64>,
        now: u64,
    ) -> u32 {
        let EmitFlags { volatile, compress } = flags;
        let mut count = 0u32;
        // WebSocket recipients per protocol version (3, 4), written together.
        let mut ws_conns: [Vec<ConnId>; 2] = [Vec::new(), Vec::new()];
        let mut polls: Vec<(String, bool)> = Vec::new();
        let mut compressing: Vec<(ConnId, Version)> = Vec::new();
        // Recipients whose packets the application watches, and whether
        // they are written now (WebSocket) rather than queued for a GET.
        let mut observed: Vec<(String, bool)> = Vec::new();
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
            let route = match session.transport {
                Transport::WebSocket(conn) => match self.conns.get(&conn) {
                    Some(Conn::Ws(ws)) if ws.ws.state() == WsState::Open => {
                        if volatile && ws.congested_since.is_some() {
                            continue;
                        }
                        // A compressing connection's frames depend on its own
                        // history: it is sent to on its own (uncompressed,
                        // its frames are everyone's).
                        if compress && ws.ws.config().deflate.is_some() {
                            Route::Own(conn)
                        } else {
                            Route::Shared(conn)
                        }
                    }
                    _ => continue,
                },
                Transport::Polling { get, .. } => {
                    if volatile && get.is_none() {
                        continue;
                    }
                    Route::Poll
                }
            };
            if let Some(id) = id {
                client.await_ack(handle, id);
            }
            count += 1;
            if session.observed {
                observed.push((sid.clone(), !matches!(route, Route::Poll)));
            }
            match route {
                Route::Shared(conn) => ws_conns[usize::from(session.version == Version::V4)].push(conn),
                Route::Own(conn) => compressing.push((conn, session.version)),
                Route::Poll => {
                    let waiting = session.queue(packets.iter().cloned(), compress);
                    polls.push((sid.clone(), waiting > self.config.max_buffered_bytes));
                }
            }
        }
        for (sid, _) in &observed {
            engine::report_sent(&mut self.out, sid, packets, compress);
        }
        for (conns, version) in ws_conns.into_iter().zip([Version::V3, Version::V4]) {
            if conns.is_empty() {
                continue;
            }
            let bytes = ws_frames(packets, version);
            match <[ConnId; 1]>::try_from(conns) {
                Ok([conn]) => self.write(conn, bytes),
                Err(conns) => self.out.push(Output::WriteShared { conns, bytes }),
            }
        }
        for (conn, version) in compressing {
            self.ws_send(conn, packets, version, true);
        }
        for (sid, written) in &observed {
            if *written {
                self.report_drain(sid);
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
        count
    }

    /// Lets a pending socket into its namespace (its middlewares passed),
    /// introduced as `identity` says.
    pub fn accept(&mut self, socket: SocketHandle, identity: &Identity, now: u64) -> Result<()> {
        let (sid, client) = self.client_of(socket)?;
        let answer = client.accept(socket, identity)?;
        let packets = self.own_packets(&answer)?;
        self.send(&sid, packets);
        self.read_released(now);
        Ok(())
    }

    /// Refuses a pending socket: the client gets CONNECT_ERROR with
    /// `data_json` (socket.io sends `{"message", "data"}`).
    pub fn refuse(&mut self, socket: SocketHandle, data_json: &str, now: u64) -> Result<()> {
        let (sid, client) = self.client_of(socket)?;
        let refusal = client.refuse(socket, data_json)?;
        let packets = self.own_packets(&refusal)?;
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
        let packet = client.disconnect(socket)?;
        self.forget_socket(socket, "server namespace disconnect");
        let packets = self.own_packets(&packet)?;
        self.send(&sid, packets);
        self.read_released(now);
        Ok(())
    }

    /// The socket left: out of its rooms, and the application is told.
    pub(super) fn forget_socket(&mut self, socket: SocketHandle, reason: &'static str) {
        if self.sockets.remove(&socket).is_some() {
            self.rooms.leave_all(socket);
            self.out.push(Output::Disconnect { socket, reason });
        }
    }

    /// The session of a socket and its Socket.IO client.
    pub(super) fn client_of(&mut self, socket: SocketHandle) -> Result<(String, &mut SioClient)> {
        let sid = self.socket_sid(socket)?;
        match self.sessions.get_mut(&sid).map(|s| &mut s.endpoint) {
            Some(Endpoint::SocketIo(client)) => Ok((sid, client)),
            _ => Err(gone()),
        }
    }

    pub(super) fn socket_sid(&self, socket: SocketHandle) -> Result<String> {
        self.sockets.get(&socket).cloned().ok_or_else(gone)
    }
}
