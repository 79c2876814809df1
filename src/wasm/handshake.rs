use super::{invalid_argument, js_error, options, to_js};
use crate::error::{Error, ErrorKind};
use crate::handshake::{
    format_extensions, parse_extensions, reject_for, reject_response, ClientHandshake, ClientOptions,
    Extension, HandshakeRequest, HeadLimits, ProtocolChoice, ServerHandshake,
};
use js_sys::Reflect;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key` (RFC 6455 §4.2.2):
/// base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")).
#[wasm_bindgen(js_name = acceptKey)]
pub fn accept_key(key: &str) -> String {
    crate::handshake::accept_key(key)
}

/// Extensions given as a header value or as a list of `{ name, params }`.
#[derive(Deserialize)]
#[serde(untagged)]
enum ExtensionsArg {
    Header(String),
    List(Vec<Extension>),
}

impl ExtensionsArg {
    /// The extensions given, or none when the option is absent.
    fn list_or_none(arg: Option<Self>) -> Result<Vec<Extension>, JsValue> {
        arg.map(Self::into_list)
            .transpose()
            .map(Option::unwrap_or_default)
    }

    fn into_list(self) -> Result<Vec<Extension>, JsValue> {
        match self {
            ExtensionsArg::List(list) => Ok(list),
            ExtensionsArg::Header(text) => {
                parse_extensions(&text).map_err(|e| invalid_argument(format!("extensions: {e}")))
            }
        }
    }
}

/// Extra headers as `[name, value]` pairs or as an object.
#[derive(Deserialize)]
#[serde(untagged)]
enum HeadersArg {
    Pairs(Vec<(String, String)>),
    Map(BTreeMap<String, String>),
}

impl HeadersArg {
    fn into_pairs(self) -> Vec<(String, String)> {
        match self {
            HeadersArg::Pairs(p) => p,
            HeadersArg::Map(m) => m.into_iter().collect(),
        }
    }
}

fn borrow_pairs(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect()
}

#[derive(Serialize)]
struct WithRest<'a, T: Serialize> {
    #[serde(flatten)]
    value: &'a T,
    /// The bytes after the head: the first frame bytes.
    #[serde(with = "serde_bytes")]
    rest: &'a [u8],
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
struct ServerOptions {
    max_head_bytes: Option<usize>,
    max_headers: Option<usize>,
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
        let o: ServerOptions = options(opts)?;
        let defaults = HeadLimits::default();
        Ok(WasmServerHandshake {
            inner: ServerHandshake::new(HeadLimits {
                max_head_bytes: o.max_head_bytes.unwrap_or(defaults.max_head_bytes),
                max_headers: o.max_headers.unwrap_or(defaults.max_headers),
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
            Some((request, used)) => to_js(&WithRest {
                value: &request,
                rest: &chunk[used..],
            }),
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
            Some((head, used)) => to_js(&WithRest {
                value: &head,
                rest: &chunk[used..],
            }),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RequestParts {
    method: String,
    path: String,
    #[serde(default = "one")]
    http_minor: u8,
    headers: Vec<(String, String)>,
}

fn one() -> u8 {
    1
}

/// Validates an upgrade request parsed elsewhere (e.g. by Node's `http`
/// before an 'upgrade' event): `{ method, path, httpMinor, headers: [[name,
/// value], ...] }`. Returns the request object as `ServerHandshake.push`
/// does; throws a `WsframeError` with `httpStatus`.
#[wasm_bindgen(js_name = validateRequest)]
pub fn validate_request(parts: JsValue) -> Result<JsValue, JsValue> {
    let p: RequestParts =
        serde_wasm_bindgen::from_value(parts).map_err(|e| invalid_argument(format!("request: {e}")))?;
    let request = HandshakeRequest::from_parts(&p.method, &p.path, p.http_minor, p.headers)
        .map_err(|e| js_error(&e))?;
    to_js(&WithRest {
        value: &request,
        rest: &[],
    })
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
struct AcceptOptions {
    protocol: Option<String>,
    extensions: Option<ExtensionsArg>,
    headers: Option<HeadersArg>,
}

/// Builds the `101 Switching Protocols` answer to `request` (from `push` or
/// `validateRequest`). Options: `protocol` (one the client offered),
/// `extensions` (ones it offered; a header value or `{ name, params }` list),
/// `headers` (extra headers; names must be tokens, values free of control
/// characters).
#[wasm_bindgen(js_name = acceptResponse)]
pub fn accept_response(request: JsValue, opts: JsValue) -> Result<Vec<u8>, JsValue> {
    let request: HandshakeRequest =
        serde_wasm_bindgen::from_value(request).map_err(|e| invalid_argument(format!("request: {e}")))?;
    let o: AcceptOptions = options(opts)?;
    let extensions = ExtensionsArg::list_or_none(o.extensions)?;
    let headers = o.headers.map(HeadersArg::into_pairs).unwrap_or_default();
    request
        .accept(o.protocol.as_deref(), &extensions, &borrow_pairs(&headers))
        .map_err(|e| js_error(&e))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
struct AnswerOptions {
    /// Absent: the first protocol offered; `null`: none; a string: that one.
    #[serde(default, with = "serde_with_null")]
    protocol: Option<Option<String>>,
    deflate: Option<super::deflate::DeflateJs>,
    headers: Option<HeadersArg>,
}

/// Tells an absent field (outer `None`) from a `null` one (`Some(None)`).
mod serde_with_null {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
        Option::<String>::deserialize(d).map(Some)
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AnswerJs {
    lines: Vec<String>,
    protocol: Option<String>,
    /// The `Sec-WebSocket-Extensions` value answered, or "".
    extensions: String,
    deflate: Option<crate::deflate::DeflateParams>,
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
    let request: HandshakeRequest =
        serde_wasm_bindgen::from_value(request).map_err(|e| invalid_argument(format!("request: {e}")))?;
    let o: AnswerOptions = options(opts)?;
    let choice = match &o.protocol {
        None => ProtocolChoice::FirstOffered,
        Some(p) => ProtocolChoice::Chosen(p.as_deref()),
    };
    let deflate = o.deflate.as_ref().map(|d| d.to_options()).transpose()?;
    let headers = o.headers.map(HeadersArg::into_pairs).unwrap_or_default();
    let answer = request
        .answer(choice, deflate.as_ref(), &borrow_pairs(&headers))
        .map_err(|e| js_error(&e))?;
    to_js(&AnswerJs {
        extensions: format_extensions(&answer.extensions),
        lines: answer.lines,
        protocol: answer.protocol,
        deflate: answer.deflate,
    })
}

/// Builds an HTTP error answer (`Connection: close`, plain-text body).
#[wasm_bindgen(js_name = rejectResponse)]
pub fn reject_response_js(status: u16, body: Option<String>, headers: JsValue) -> Result<Vec<u8>, JsValue> {
    let headers: Option<HeadersArg> = if headers.is_undefined() || headers.is_null() {
        None
    } else {
        Some(serde_wasm_bindgen::from_value(headers).map_err(|e| invalid_argument(format!("headers: {e}")))?)
    };
    let pairs = headers.map(HeadersArg::into_pairs).unwrap_or_default();
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

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
struct ClientOpts {
    host: String,
    path: Option<String>,
    origin: Option<String>,
    protocols: Vec<String>,
    extensions: Option<ExtensionsArg>,
    headers: Option<HeadersArg>,
    require_protocol: bool,
}

/// Takes the binary `nonce` option out of `opts` (bytes do not pass through
/// the JSON step of `options`), returning it and the other options.
fn split_nonce(opts: JsValue) -> Result<(Option<Vec<u8>>, JsValue), JsValue> {
    let Some(object) = opts.dyn_ref::<js_sys::Object>() else {
        return Ok((None, opts));
    };
    let nonce = Reflect::get(object, &JsValue::from_str("nonce"))?;
    if nonce.is_undefined() {
        return Ok((None, opts));
    }
    let bytes = nonce
        .dyn_ref::<js_sys::Uint8Array>()
        .ok_or_else(|| invalid_argument("nonce must be a Uint8Array"))?
        .to_vec();
    let rest = js_sys::Object::assign(&js_sys::Object::new(), object);
    Reflect::delete_property(&rest, &JsValue::from_str("nonce"))?;
    Ok((Some(bytes), rest.into()))
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
        let (nonce, opts) = split_nonce(opts)?;
        let o: ClientOpts = options(opts)?;
        let extensions = ExtensionsArg::list_or_none(o.extensions)?;
        let headers = o.headers.map(HeadersArg::into_pairs).unwrap_or_default();
        let protocols: Vec<&str> = o.protocols.iter().map(String::as_str).collect();
        let header_refs = borrow_pairs(&headers);
        let client_options = ClientOptions {
            host: &o.host,
            path: o.path.as_deref().unwrap_or("/"),
            origin: o.origin.as_deref(),
            protocols: &protocols,
            extensions: &extensions,
            headers: &header_refs,
            require_protocol: o.require_protocol,
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
            Some((response, used)) => to_js(&WithRest {
                value: &response,
                rest: &chunk[used..],
            }),
        }
    }

    /// Checks an answer parsed elsewhere (e.g. by Node's `http` before a
    /// request's 'upgrade' event): `status` and `[name, value]` header
    /// pairs. Returns `{ status, headers, protocol, extensions }`; throws a
    /// `WsframeError` if the answer fails the connection (§4.1).
    #[wasm_bindgen(js_name = checkResponse)]
    pub fn check_response(&self, status: u16, headers: JsValue) -> Result<JsValue, JsValue> {
        let headers: Vec<(String, String)> =
            serde_wasm_bindgen::from_value(headers).map_err(|e| invalid_argument(format!("headers: {e}")))?;
        let response = self
            .inner
            .check_response(status, headers)
            .map_err(|e| js_error(&e))?;
        to_js(&response)
    }
}
