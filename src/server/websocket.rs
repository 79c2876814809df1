//! The WebSocket transport: the upgrade request, the probe that moves a
//! polling session over, frames in and out, closing.

use super::*;

impl Server {
    pub(super) fn abort_upgrade(&mut self, conn: ConnId, error: EngineError) {
        self.refused(conn, error);
        let message = error.message();
        let head = format!(
            "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-type: text/html\r\nContent-Length: {}\r\n\r\n{message}",
            message.len()
        );
        self.write(conn, head.into_bytes());
        self.end(conn);
    }

    pub(super) fn handle_upgrade(&mut self, conn: ConnId, request: Request, socketio: bool, now: u64) {
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
        if sid.as_deref().is_some_and(|s| !self.sessions.contains_key(s)) {
            return self.abort_upgrade(conn, EngineError::UnknownSid);
        }
        let session_version = sid
            .as_deref()
            .and_then(|s| self.sessions.get(s))
            .map(|s| s.version);
        if let (Some(have), Some(want)) = (session_version, version) {
            if have != want {
                return self.abort_upgrade(conn, EngineError::BadRequest(BadRequest::ProtocolMismatch));
            }
        }
        if sid.is_none() && transport.as_deref() == Some("websocket") && version.is_none() {
            return self.abort_upgrade(conn, EngineError::UnsupportedProtocolVersion);
        }
        // A handshake over WebSocket: the session id is settled before the
        // 101 (none: the upgrade is refused). engine.io sends no cookie on
        // this 101 (its session starts after the answer): neither does the core.
        let is_ws_transport = transport.as_deref() == Some("websocket");
        let new_sid = match (&sid, version) {
            (None, Some(_)) if is_ws_transport => match self.new_session_id() {
                Ok(id) => Some(id),
                Err(error) => return self.abort_upgrade(conn, error),
            },
            _ => None,
        };
        // Accepted from here on: what follows the head is WebSocket frames.
        let extra: Vec<(&str, &str)> = self
            .upgrade_headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        // permessage-deflate when the application allows it and the client
        // offers something acceptable (engine.io's `perMessageDeflate`).
        let deflate = self.config.per_message_deflate.and_then(|options| {
            deflate::negotiate(&handshake.extensions, &options)
                .map(|(answer, params)| (answer, DeflateSettings::agreed(params, &options)))
        });
        let answers: Vec<_> = deflate.iter().map(|(answer, _)| answer.clone()).collect();
        let Ok(accept) = handshake.offer().accept(None, &answers, &extra) else {
            return self.abort_upgrade(conn, EngineError::BadRequest(BadRequest::TransportHandshake));
        };
        let backlog = match self.conns.get_mut(&conn) {
            Some(Conn::Http(http)) => std::mem::take(&mut http.backlog),
            _ => Vec::new(),
        };
        let mut ws_config = WsConfig::server();
        ws_config.max_frame_size = self.config.max_payload as u64;
        ws_config.max_message_size = self.config.max_payload as u64;
        ws_config.max_buffered_bytes = self.config.max_payload as u64;
        ws_config.deflate = deflate.map(|(_, settings)| settings);
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
        match (sid, version, new_sid) {
            (None, Some(version), Some(new_sid)) => {
                let sid =
                    self.open_session(conn, new_sid, version, socketio, Transport::WebSocket(conn), now);
                if let Some(Conn::Ws(ws)) = self.conns.get_mut(&conn) {
                    ws.link = WsLink::Transport(sid.clone());
                }
                self.after_open(&sid, now);
            }
            (Some(sid), _, _) if is_ws_transport && self.can_upgrade(&sid, socketio) => {
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
            // A closing, upgraded or upgrading session: engine.io accepts
            // the WebSocket, then closes it (an unknown one was refused above).
            _ => self.close_ws(conn, now),
        }
        if !backlog.is_empty() {
            self.read_ws(conn, &backlog, now);
        }
    }

    pub(super) fn can_upgrade(&self, sid: &str, socketio: bool) -> bool {
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
    pub(super) fn close_ws(&mut self, conn: ConnId, now: u64) {
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

    pub(super) fn ws_send(&mut self, conn: ConnId, packets: &[Packet], version: Version, compress: bool) {
        let Some(Conn::Ws(ws)) = self.conns.get_mut(&conn) else {
            return;
        };
        let options = SendOptions {
            compress,
            ..SendOptions::default()
        };
        for packet in packets {
            let sent = match engineio::encode_ws(packet, version) {
                WsMessage::Text(text) if compress => ws.ws.send_text(&text),
                WsMessage::Text(text) => {
                    ws.ws
                        .send_message_with(MessageKind::Text, text.as_bytes(), &options)
                }
                WsMessage::Binary(bytes) => ws.ws.send_message_with(MessageKind::Binary, &bytes, &options),
            };
            if sent.is_err() {
                break;
            }
        }
        let bytes = ws.ws.take_output();
        self.write(conn, bytes);
    }

    pub(super) fn read_ws(&mut self, conn: ConnId, data: &[u8], now: u64) {
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

    pub(super) fn ws_event(&mut self, conn: ConnId, event: OwnedEvent, now: u64) {
        let Some(Conn::Ws(ws)) = self.conns.get(&conn) else {
            return;
        };
        // One copy of the session id per message: the handlers below need
        // `self` mutably.
        let (transport, sid) = match &ws.link {
            WsLink::Transport(sid) => (true, sid.clone()),
            WsLink::Probe(sid) => (false, sid.clone()),
            WsLink::Orphan => return,
        };
        let Some(version) = self.sessions.get(&sid).map(|s| s.version) else {
            return;
        };
        let decoded = match event {
            OwnedEvent::Text(text) => engineio::decode_text(&text, version),
            OwnedEvent::Binary(bytes) => engineio::decode_binary(&bytes, version),
            _ => return,
        };
        match (transport, decoded) {
            (true, Ok(packet)) => {
                if packet.kind == PacketType::Close {
                    self.close_session_by_client(&sid, now);
                } else {
                    self.on_packet(&sid, packet, now);
                }
            }
            (true, Err(_)) => self.close_session(&sid, "parse error", now),
            (false, Ok(packet)) => self.probe_packet(conn, &sid, packet, now),
            (false, Err(_)) => {
                if let Some(session) = self.sessions.get_mut(&sid) {
                    session.probe = None;
                }
                self.close_ws(conn, now);
            }
        }
    }

    /// A packet on an upgrade probe: `2probe` is answered with `3probe`,
    /// `5` completes the upgrade, anything else ends the probe.
    pub(super) fn probe_packet(&mut self, conn: ConnId, sid: &str, packet: Packet, now: u64) {
        let Some(session) = self.sessions.get_mut(sid) else {
            return;
        };
        let version = session.version;
        let is_probe = packet.kind == PacketType::Ping && packet.data == PacketData::Text("probe".into());
        if is_probe {
            if let Some(probe) = session.probe.as_mut() {
                probe.probed = true;
            }
            self.ws_send(conn, &[Packet::text(PacketType::Pong, "probe")], version, true);
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
            // What waited goes out compressed unless all of it said not to.
            let (buffered, compress) = session.take_buffer();
            if let Some(Conn::Ws(ws)) = self.conns.get_mut(&conn) {
                ws.link = WsLink::Transport(sid.to_string());
            }
            self.out.push(Output::Upgrade { sid: sid.to_string() });
            let drained = !buffered.is_empty();
            self.ws_send(conn, &buffered, version, compress);
            if drained {
                self.report_drain(sid);
            }
            return;
        }
        session.probe = None;
        self.close_ws(conn, now);
    }

    /// Answers a pending GET at once: with the buffer, or a noop.
    pub(super) fn release_poll_with_noop(&mut self, sid: &str) {
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

    /// A WebSocket whose client does not read: its session ends with
    /// "transport error" and the connection at once (no close handshake
    /// with a peer that is not reading).
    pub(super) fn fail_ws(&mut self, conn: ConnId, now: u64) {
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
