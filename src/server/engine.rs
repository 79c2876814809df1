//! Engine.IO sessions: opening, packets from either transport, the
//! heartbeat, the Socket.IO client inside, closing, and the timers.

use super::*;

impl Server {
    /// `None` when no session id could be drawn.
    pub(super) fn open_session(
        &mut self,
        conn: ConnId,
        sid: String,
        version: Version,
        socketio: bool,
        transport: Transport,
        now: u64,
    ) -> String {
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
            Endpoint::Engine
        };
        let mut session = Session::new(version, endpoint, transport);
        if is_polling {
            session.handshake_cookie = self.handshake_cookie(&sid);
        }
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
            Endpoint::Engine => None,
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
        let mut packets = vec![open.to_packet()];
        packets.extend(self.initial_packet.clone());
        self.send(&sid, packets);
        sid
    }

    /// The handshake's `Set-Cookie` for `sid`, when a cookie is configured.
    pub(super) fn handshake_cookie(&self, sid: &str) -> Option<String> {
        self.config
            .cookie
            .as_ref()
            .map(|template| template.replace("{sid}", sid))
    }

    /// After the open packet went out: protocol 3 Socket.IO clients are
    /// joined to `/` (socket.io does it once the handshake is answered).
    pub(super) fn after_open(&mut self, sid: &str, now: u64) {
        self.with_client(sid, now, |client, ctx| client.on_open(ctx));
    }

    /// Queues packets on a session's transport.
    pub(super) fn send(&mut self, sid: &str, packets: Vec<Packet>) {
        self.send_with(sid, packets, true);
    }

    /// [`Server::send`]; `compress: false` sends the packets uncompressed
    /// (socket.io's `compress(false)`: over WebSocket no permessage-deflate,
    /// over polling no HTTP compression unless another packet allows it).
    pub(super) fn send_with(&mut self, sid: &str, packets: Vec<Packet>, compress: bool) {
        let Some(session) = self.sessions.get_mut(sid) else {
            return;
        };
        if session.closing || packets.is_empty() {
            return;
        }
        let observed = session.observed;
        if observed {
            report_sent(&mut self.out, sid, &packets, compress);
        }
        match session.transport {
            Transport::WebSocket(conn) => {
                let version = session.version;
                self.ws_send(conn, &packets, version, compress);
                if observed {
                    self.out.push(Output::Drain { sid: sid.to_string() });
                }
            }
            Transport::Polling { get, .. } => {
                // A client that does not poll while the server sends is
                // dropped once too much waits for it.
                if session.queue(packets, compress) > self.config.max_buffered_bytes {
                    self.overflowed.push(sid.to_string());
                } else if get.is_some() {
                    self.flush_poll(sid, None);
                }
            }
        }
    }

    /// Runs `f` on the session's Socket.IO client and carries out what it asks.
    pub(super) fn with_client<F>(&mut self, sid: &str, now: u64, f: F)
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
                SioAction::Send(packet) => {
                    if let Ok(packets) = self.own_packets(&packet) {
                        self.send(sid, packets);
                    }
                }
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

    /// An observed session's packets were handed to its transport.
    pub(super) fn report_drain(&mut self, sid: &str) {
        if self.sessions.get(sid).is_some_and(|s| s.observed) {
            self.out.push(Output::Drain { sid: sid.to_string() });
        }
    }

    /// A packet from the session's transport.
    pub(super) fn on_packet(&mut self, sid: &str, packet: Packet, now: u64) {
        let Some(session) = self.sessions.get_mut(sid) else {
            return;
        };
        if session.closing {
            return;
        }
        if session.observed {
            // engine.io's 'heartbeat': a pong (protocol 4) or a ping (3).
            let heartbeat = matches!(
                (session.version, packet.kind),
                (Version::V4, PacketType::Pong) | (Version::V3, PacketType::Ping)
            );
            self.out.push(Output::Packet {
                sid: sid.to_string(),
                received: true,
                heartbeat,
                compress: true,
                packet: packet.clone(),
            });
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
        match (&session.endpoint, &mut self.codec) {
            (Endpoint::Engine, _) => self.out.push(Output::Message {
                sid: sid.to_string(),
                data: packet.data,
            }),
            (Endpoint::SocketIo(_), None) => {
                self.with_client(sid, now, |client, ctx| client.on_message(packet.data, ctx))
            }
            (Endpoint::SocketIo(_), Some(codec)) => match codec.decode(sid, packet.data) {
                Decoded::Packets(packets) => {
                    for packet in packets {
                        self.take_decoded(sid, packet, now);
                    }
                }
                Decoded::Invalid { token } => {
                    self.out.push(Output::Decoded { token, socket: None });
                    self.close_session_gracefully(sid, now);
                }
            },
        }
    }

    /// A packet the application's codec decoded: socket.io's rules, as for
    /// one the core decodes; [`Output::Decoded`] first, then what it caused.
    fn take_decoded(&mut self, sid: &str, packet: DecodedPacket, now: u64) {
        if !self.sessions.get(sid).is_some_and(|s| !s.closing) {
            self.out.push(Output::Decoded {
                token: packet.token,
                socket: None,
            });
            return;
        }
        self.with_client(sid, now, |client, ctx| {
            let mut actions = Vec::new();
            let socket = client.on_decoded_packet(packet.kind, &packet.nsp, packet.id, ctx, &mut actions);
            actions.insert(
                0,
                SioAction::App(Output::Decoded {
                    token: packet.token,
                    socket,
                }),
            );
            actions
        });
    }

    /// The client sent close (`1`): a waiting GET gets a noop.
    pub(super) fn close_session_by_client(&mut self, sid: &str, now: u64) {
        if let Some(session) = self.sessions.get_mut(sid) {
            session.clear_buffer();
        }
        self.release_poll_with_noop(sid);
        self.close_session(sid, "transport close", now);
    }

    /// socket.io's `conn.close()`: over polling without a GET waiting, the
    /// next GET is told (noop then close); otherwise at once.
    pub(super) fn close_session_gracefully(&mut self, sid: &str, now: u64) {
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
    pub(super) fn close_session(&mut self, sid: &str, reason: &'static str, now: u64) {
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

    pub(super) fn remove_session(&mut self, sid: &str, reason: &'static str) {
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
            if let Some(codec) = &mut self.codec {
                codec.session_closed(sid);
            }
        }
        self.out.push(Output::SessionClose {
            sid: sid.to_string(),
            reason,
        });
    }

    pub(super) fn session_timers(&mut self, sid: &str, now: u64) {
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

    pub(super) fn conn_timers(&mut self, conn: ConnId, now: u64) {
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
}

/// An observed session's packets, as sent ([`Output::Packet`]).
pub(super) fn report_sent(out: &mut Vec<Output>, sid: &str, packets: &[Packet], compress: bool) {
    for packet in packets {
        out.push(Output::Packet {
            sid: sid.to_string(),
            received: false,
            heartbeat: false,
            compress,
            packet: packet.clone(),
        });
    }
}
