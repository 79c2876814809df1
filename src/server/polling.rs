//! HTTP: requests routed to the endpoints, CORS, the Engine.IO error
//! answers, and the long-polling transport (GET waits, POST delivers).

use super::*;

/// An HTTP answer: status, headers, body, and whether an HTTP server may
/// compress the body (`httpCompression`).
pub(super) struct Answer<'a> {
    pub(super) status: u16,
    pub(super) headers: &'a [(&'a str, &'a str)],
    pub(super) body: &'a [u8],
    pub(super) compress: bool,
}

impl Server {
    /// Reads requests from a connection's backlog until one is parked or
    /// the bytes run out.
    pub(super) fn read_http(&mut self, conn: ConnId, now: u64) {
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

    pub(super) fn cors_headers(&self) -> Vec<(&'static str, String)> {
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
    pub(super) fn respond(
        &mut self,
        conn: ConnId,
        request: &Request,
        status: u16,
        headers: &[(&str, &str)],
        body: &[u8],
    ) {
        let answer = Answer {
            status,
            headers,
            body,
            compress: true,
        };
        self.answer(conn, request, answer);
    }

    /// [`Server::respond`], saying whether an HTTP server may compress the body.
    pub(super) fn answer(&mut self, conn: ConnId, request: &Request, answer: Answer<'_>) {
        let Answer {
            status,
            headers,
            body,
            compress,
        } = answer;
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
                    compress,
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

    pub(super) fn respond_error(&mut self, conn: ConnId, request: &Request, error: EngineError) {
        self.refused(conn, error);
        let body = format!(r#"{{"code":{},"message":"{}"}}"#, error.code(), error.message());
        self.respond(
            conn,
            request,
            400,
            &[("Content-Type", "application/json")],
            body.as_bytes(),
        );
    }

    pub(super) fn endpoint_for(&self, path: &str) -> Option<bool> {
        let matches = |p: &Option<String>| p.as_deref().is_some_and(|p| path.starts_with(p));
        if matches(&self.config.socketio_path) {
            Some(true)
        } else if matches(&self.config.engine_path) {
            Some(false)
        } else {
            None
        }
    }

    pub(super) fn version_for(&self, eio: Option<&str>) -> Option<Version> {
        match eio.and_then(Version::from_query) {
            Some(Version::V3) if !self.config.allow_eio3 => None,
            other => other,
        }
    }

    pub(super) fn handle_request(&mut self, conn: ConnId, request: Request, now: u64) {
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
                return self.respond_error(
                    conn,
                    &request,
                    EngineError::BadRequest(BadRequest::TransportHandshake),
                );
            }
            let Some(version) = self.version_for(eio.as_deref()) else {
                return self.respond_error(conn, &request, EngineError::UnsupportedProtocolVersion);
            };
            let supports_binary = request.query_param("b64").is_none();
            let sid = match self.new_session_id() {
                Ok(sid) => sid,
                Err(error) => return self.respond_error(conn, &request, error),
            };
            let sid = self.open_session(
                conn,
                sid,
                version,
                socketio,
                Transport::polling(supports_binary),
                now,
            );
            self.poll(conn, &sid, request, now);
            self.after_open(&sid, now);
            return;
        };
        let Some(session) = self.sessions.get(&sid) else {
            return self.respond_error(conn, &request, EngineError::UnknownSid);
        };
        if session.transport.name() != transport.unwrap_or("") {
            return self.respond_error(
                conn,
                &request,
                EngineError::BadRequest(BadRequest::TransportMismatch),
            );
        }
        if self.version_for(eio.as_deref()) != Some(session.version) {
            return self.respond_error(
                conn,
                &request,
                EngineError::BadRequest(BadRequest::ProtocolMismatch),
            );
        }
        match request.method.as_str() {
            "GET" => self.poll(conn, &sid, request, now),
            "POST" => self.post(conn, &sid, request, now),
            _ => self.respond(conn, &request, 500, &[], b""),
        }
    }

    /// A GET on a polling session: answered now if there is something to
    /// send, else held until there is.
    pub(super) fn poll(&mut self, conn: ConnId, sid: &str, request: Request, now: u64) {
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
    pub(super) fn flush_poll(&mut self, sid: &str, request: Option<&Request>) {
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
        let (packets, compress) = session.take_buffer();
        let drained = !packets.is_empty();
        let payload = match session.version {
            Version::V3 => engineio::encode_payload_v3(&packets, binary),
            Version::V4 => engineio::Payload::Text(engineio::encode_payload(&packets, Version::V4)),
        };
        let (content_type, body) = match payload {
            engineio::Payload::Binary(bytes) => ("application/octet-stream", bytes),
            engineio::Payload::Text(text) => ("text/plain; charset=UTF-8", text.into_bytes()),
        };
        let stored = session.poll_request.take();
        let cookie = session.handshake_cookie.take();
        let request = request.cloned().or(stored).unwrap_or_default();
        if let Some(Conn::Http(http)) = self.conns.get_mut(&conn) {
            if http.parked_for.take().is_some() {
                self.released.push(conn);
            }
        }
        let mut headers = vec![("Content-Type", content_type), ("cache-control", "no-store")];
        if let Some(cookie) = &cookie {
            headers.push(("Set-Cookie", cookie));
        }
        let answer = Answer {
            status: 200,
            headers: &headers,
            body: &body,
            compress,
        };
        self.answer(conn, &request, answer);
        if drained {
            self.report_drain(sid);
        }
    }

    /// A POST on a polling session: its body is a payload of packets.
    pub(super) fn post(&mut self, conn: ConnId, sid: &str, request: Request, now: u64) {
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
}
