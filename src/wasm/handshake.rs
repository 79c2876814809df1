use super::js::{bytes_js, deflate_params_js, extensions_js, pairs_js, strings_js, Fields, Obj};
use super::{invalid_argument, js_error};
use crate::error::{Error, ErrorKind};
use crate::handshake::{
    format_extensions, parse_extensions, reject_for, reject_response, ClientHandshake, ClientOptions,
    Extension, HandshakeRequest, HandshakeResponse, HeadLimits, ProtocolChoice, ServerHandshake,
    UpgradeOffer,
};
use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key` (RFC 6455 §4.2.2):
/// base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")).
#[wasm_bindgen(js_name = acceptKey)]
pub fn accept_key(key: &str) -> String {
    crate::handshake::accept_key(key)
}

/// Extensions given as a header value or as a list of `{ name, params }`;
/// none when the option is absent.
fn extensions_arg(o: &Fields, name: &'static str) -> Result<Vec<Extension>, JsValue> {
    match o.value(name) {
        None => Ok(Vec::new()),
        Some(value) => match value.as_string() {
            Some(text) => parse_extensions(&text).map_err(|e| invalid_argument(format!("extensions: {e}"))),
            None => o.extension_list(name, &value),
        },
    }
}

fn borrow_pairs(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect()
}

/// `{ method, path, httpMinor, headers, host, origin, key, protocols,
/// extensions, rest }`.
fn request_js(request: &HandshakeRequest, rest: &[u8]) -> JsValue {
    Obj::new()
        .set("method", request.method.as_str())
        .set("path", request.path.as_str())
        .set("httpMinor", request.http_minor)
        .set("headers", pairs_js(&request.headers))
        .set("host", request.host.as_str())
        .optional("origin", request.origin.as_deref())
        .set("key", request.key.as_str())
        .set("protocols", strings_js(&request.protocols))
        .set("extensions", extensions_js(&request.extensions))
        .set("rest", bytes_js(rest))
        .done()
}

/// What the answer to a request object (as `request_js` builds it)
/// depends on: its key and what it offers. The rest of the object is not
/// read back: the answer does not depend on it.
struct OwnedOffer {
    key: String,
    protocols: Vec<String>,
    extensions: Vec<Extension>,
}

impl OwnedOffer {
    fn read(value: &JsValue) -> Result<OwnedOffer, JsValue> {
        let r = Fields::record(value, "request")?;
        Ok(OwnedOffer {
            key: r.required_string("key")?,
            protocols: r.required_strings("protocols")?,
            extensions: r.required_extension_list("extensions")?,
        })
    }

    fn offer(&self) -> UpgradeOffer<'_> {
        UpgradeOffer {
            key: &self.key,
            protocols: &self.protocols,
            extensions: &self.extensions,
        }
    }
}

/// `{ status, headers, protocol, extensions }`, and `rest` when given.
fn response_js(response: &HandshakeResponse, rest: Option<&[u8]>) -> JsValue {
    let object = Obj::new()
        .set("status", response.status)
        .set("headers", pairs_js(&response.headers))
        .optional("protocol", response.protocol.as_deref())
        .set("extensions", extensions_js(&response.extensions));
    match rest {
        Some(rest) => object.set("rest", bytes_js(rest)),
        None => object,
    }
    .done()
}

/// Reads an upgrade request as its bytes arrive (RFC 6455 §4.2.1).
#[wasm_bindgen(js_name = ServerHandshake)]
pub struct WasmServerHandshake {
    inner: ServerHandshake,
}

#[wasm_bindgen(js_class = ServerHandshake)]
impl WasmServerHandshake {
    /// Options: `maxHeadBytes` (default 16384), `maxHeaders` (default 100);
    /// over either the request is refused with 431.
    #[wasm_bindgen(constructor)]
    pub fn new(opts: JsValue) -> Result<WasmServerHandshake, JsValue> {
        let o = Fields::options(&opts, "options", &["maxHeadBytes", "maxHeaders"])?;
        let defaults = HeadLimits::default();
        Ok(WasmServerHandshake {
            inner: ServerHandshake::new(HeadLimits {
                max_head_bytes: o.uint("maxHeadBytes")?.unwrap_or(defaults.max_head_bytes),
                max_headers: o.uint("maxHeaders")?.unwrap_or(defaults.max_headers),
            }),
        })
    }

    /// Feeds bytes. Returns `undefined` until the head is complete, then the
    /// validated request: `{ method, path, httpMinor, headers, host, origin,
    /// key, protocols, extensions, rest }` where `rest` holds the bytes after
    /// the head. Throws a `WsframeError` with `httpStatus` when the request
    /// must be refused (answer with `rejectionFor(error)`).
    pub fn push(&mut self, chunk: &[u8]) -> Result<JsValue, JsValue> {
        match self.inner.feed(chunk).map_err(|e| js_error(&e))? {
            None => Ok(JsValue::UNDEFINED),
            Some((request, used)) => Ok(request_js(&request, &chunk[used..])),
        }
    }

    /// Like `push`, but only reads the head: returns `{ method, path,
    /// httpMinor, headers, rest }` without judging it as an upgrade
    /// (validate with `validateRequest`). Throws a `WsframeError` with
    /// `httpStatus` for a head over the limits (431) or not HTTP (400).
    #[wasm_bindgen(js_name = pushHead)]
    pub fn push_head(&mut self, chunk: &[u8]) -> Result<JsValue, JsValue> {
        match self.inner.feed_head(chunk).map_err(|e| js_error(&e))? {
            None => Ok(JsValue::UNDEFINED),
            Some((head, used)) => Ok(Obj::new()
                .set("method", head.method.as_str())
                .set("path", head.path.as_str())
                .set("httpMinor", head.http_minor)
                .set("headers", pairs_js(&head.headers))
                .set("rest", bytes_js(&chunk[used..]))
                .done()),
        }
    }
}

/// Validates an upgrade request parsed elsewhere (e.g. by Node's `http`
/// before an 'upgrade' event): `{ method, path, httpMinor, headers: [[name,
/// value], ...] }`. Returns the request object as `ServerHandshake.push`
/// does; throws a `WsframeError` with `httpStatus`.
#[wasm_bindgen(js_name = validateRequest)]
pub fn validate_request(parts: JsValue) -> Result<JsValue, JsValue> {
    Ok(request_js(&request_from_parts(&parts)?, &[]))
}

/// Validates an upgrade request as `validateRequest` does and returns only
/// what the answer to it depends on: `{ key, protocols, extensions }`, an
/// argument for `upgradeAnswer` and `acceptResponse`. For servers that
/// keep the request's head themselves (Node's `http` does): none of its
/// header strings are made again on the JS side.
#[wasm_bindgen(js_name = upgradeOffer)]
pub fn upgrade_offer(parts: JsValue) -> Result<JsValue, JsValue> {
    let request = request_from_parts(&parts)?;
    Ok(Obj::new()
        .set("key", request.key.as_str())
        .set("protocols", strings_js(&request.protocols))
        .set("extensions", extensions_js(&request.extensions))
        .done())
}

/// The request `{ method, path, httpMinor, headers }` describes, judged.
fn request_from_parts(parts: &JsValue) -> Result<HandshakeRequest, JsValue> {
    let p = Fields::options(parts, "request", &["method", "path", "httpMinor", "headers"])?;
    let (method, path) = (p.required_string("method")?, p.required_string("path")?);
    let http_minor = p.uint("httpMinor")?.unwrap_or(1);
    HandshakeRequest::from_parts(&method, &path, http_minor, p.required_header_list("headers")?)
        .map_err(|e| js_error(&e))
}

/// Builds the `101 Switching Protocols` answer to `request` (from `push` or
/// `validateRequest`). Options: `protocol` (one the client offered),
/// `extensions` (ones it offered; a header value or `{ name, params }` list),
/// `headers` (extra headers; names must be tokens, values free of control
/// characters).
#[wasm_bindgen(js_name = acceptResponse)]
pub fn accept_response(request: JsValue, opts: JsValue) -> Result<Vec<u8>, JsValue> {
    let offered = OwnedOffer::read(&request)?;
    let o = Fields::options(&opts, "options", &["protocol", "extensions", "headers"])?;
    let extensions = extensions_arg(&o, "extensions")?;
    let headers = o.headers("headers")?.unwrap_or_default();
    offered
        .offer()
        .accept(
            o.string("protocol")?.as_deref(),
            &extensions,
            &borrow_pairs(&headers),
        )
        .map_err(|e| js_error(&e))
}

/// The whole server answer to `request` (from `validateRequest`): the
/// subprotocol (option `protocol`: absent for the first one offered, `null`
/// for none, or the application's choice), permessage-deflate negotiated
/// with the `deflate` options when given, and extra `headers`. Returns `{
/// lines, protocol, extensions, deflate }`: the 101's lines (status line
/// first, no line ends), what was agreed, and the deflate params for the
/// Connection.
#[wasm_bindgen(js_name = upgradeAnswer)]
pub fn upgrade_answer(request: JsValue, opts: JsValue) -> Result<JsValue, JsValue> {
    let offered = OwnedOffer::read(&request)?;
    let o = Fields::options(&opts, "options", &["protocol", "deflate", "headers"])?;
    // Absent: the first protocol offered; `null`: none; a string: that one.
    let chosen = o.string("protocol")?;
    let choice = if o.raw("protocol").is_undefined() {
        ProtocolChoice::FirstOffered
    } else {
        ProtocolChoice::Chosen(chosen.as_deref())
    };
    let deflate = o
        .value("deflate")
        .map(|d| super::deflate::DeflateJs::read(&d)?.to_options())
        .transpose()?;
    let headers = o.headers("headers")?.unwrap_or_default();
    let answer = offered
        .offer()
        .answer(choice, deflate.as_ref(), &borrow_pairs(&headers))
        .map_err(|e| js_error(&e))?;
    Ok(Obj::new()
        .set("lines", strings_js(&answer.lines))
        .optional("protocol", answer.protocol.as_deref())
        .set("extensions", format_extensions(&answer.extensions))
        .set(
            "deflate",
            answer
                .deflate
                .as_ref()
                .map_or(JsValue::UNDEFINED, deflate_params_js),
        )
        .done())
}

/// Builds an HTTP error answer (`Connection: close`, plain-text body).
#[wasm_bindgen(js_name = rejectResponse)]
pub fn reject_response_js(status: u16, body: Option<String>, headers: JsValue) -> Result<Vec<u8>, JsValue> {
    let pairs = super::js::headers_arg(&headers, "headers")?.unwrap_or_default();
    reject_response(status, body.as_deref().unwrap_or(""), &borrow_pairs(&pairs)).map_err(|e| js_error(&e))
}

/// The HTTP answer for a handshake `WsframeError`: its `httpStatus` (400 if
/// none), its message as the body, and `Sec-WebSocket-Version: 13` on 426.
#[wasm_bindgen(js_name = rejectionFor)]
pub fn rejection_for(error: JsValue) -> Vec<u8> {
    let get = |key: &str| {
        Reflect::get(&error, &JsValue::from_str(key))
            .ok()
            .and_then(|v| v.as_string())
    };
    let kind = get("code")
        .and_then(|c| ErrorKind::from_code(&c))
        .unwrap_or(ErrorKind::InvalidHttp);
    let message = get("message").unwrap_or_default();
    reject_for(&Error::new(kind, message))
}

/// The client side of the opening handshake: the request to send, and a
/// reader that verifies the server's answer (RFC 6455 §4.1).
#[wasm_bindgen(js_name = ClientHandshake)]
pub struct WasmClientHandshake {
    inner: ClientHandshake,
    request: Vec<u8>,
}

#[wasm_bindgen(js_class = ClientHandshake)]
impl WasmClientHandshake {
    /// Options: `host` (Host header), `path` (default "/"), `origin`,
    /// `protocols`, `extensions` (header value or `{ name, params }` list),
    /// `headers`. The key is 16 fresh random bytes.
    #[wasm_bindgen(constructor)]
    pub fn new(opts: JsValue) -> Result<WasmClientHandshake, JsValue> {
        let o = Fields::options(
            &opts,
            "options",
            &[
                "host",
                "path",
                "origin",
                "protocols",
                "extensions",
                "headers",
                "requireProtocol",
                "nonce",
            ],
        )?;
        let nonce = o
            .value("nonce")
            .map(|n| n.dyn_into::<Uint8Array>().map(|n| n.to_vec()))
            .transpose()
            .map_err(|_| invalid_argument("nonce must be a Uint8Array"))?;
        let extensions = extensions_arg(&o, "extensions")?;
        let headers = o.headers("headers")?.unwrap_or_default();
        let protocol_list = o.strings("protocols")?.unwrap_or_default();
        let protocols: Vec<&str> = protocol_list.iter().map(String::as_str).collect();
        let header_refs = borrow_pairs(&headers);
        let host = o.string("host")?.unwrap_or_default();
        let (path, origin) = (o.string("path")?, o.string("origin")?);
        let client_options = ClientOptions {
            host: &host,
            path: path.as_deref().unwrap_or("/"),
            origin: origin.as_deref(),
            protocols: &protocols,
            extensions: &extensions,
            headers: &header_refs,
            require_protocol: o.bool("requireProtocol")?.unwrap_or(false),
        };
        let (inner, request) = match nonce {
            Some(nonce) => {
                let nonce = <[u8; 16]>::try_from(&nonce[..])
                    .map_err(|_| invalid_argument("nonce must be 16 bytes"))?;
                ClientHandshake::with_key(&client_options, nonce)
            }
            None => ClientHandshake::new(&client_options),
        }
        .map_err(|e| js_error(&e))?;
        Ok(WasmClientHandshake { inner, request })
    }

    /// The request bytes to send.
    #[wasm_bindgen(getter)]
    pub fn request(&self) -> Vec<u8> {
        self.request.clone()
    }

    /// The `Sec-WebSocket-Key` sent.
    #[wasm_bindgen(getter)]
    pub fn key(&self) -> String {
        self.inner.key().to_string()
    }

    /// Feeds the server's bytes. Returns `undefined` until its head is
    /// complete, then `{ status, headers, protocol, extensions, rest }`
    /// (`rest`: the first frame bytes). Throws a `WsframeError` if the answer
    /// fails the connection (§4.1).
    pub fn push(&mut self, chunk: &[u8]) -> Result<JsValue, JsValue> {
        match self.inner.feed(chunk).map_err(|e| js_error(&e))? {
            None => Ok(JsValue::UNDEFINED),
            Some((response, used)) => Ok(response_js(&response, Some(&chunk[used..]))),
        }
    }

    /// Checks an answer parsed elsewhere (e.g. by Node's `http` before a
    /// request's 'upgrade' event): `status` and `[name, value]` header
    /// pairs. Returns `{ status, headers, protocol, extensions }`; throws a
    /// `WsframeError` if the answer fails the connection (§4.1).
    #[wasm_bindgen(js_name = checkResponse)]
    pub fn check_response(&self, status: u16, headers: JsValue) -> Result<JsValue, JsValue> {
        let headers = super::js::pairs_arg(&headers, "headers")?;
        let response = self
            .inner
            .check_response(status, headers)
            .map_err(|e| js_error(&e))?;
        Ok(response_js(&response, None))
    }
}
