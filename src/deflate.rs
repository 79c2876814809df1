//! permessage-deflate (RFC 7692): negotiation, and a compressor and a
//! decompressor that are synchronous, streaming and bounded.
//!
//! Negotiation follows §7.1: a server takes the first offer it can honour
//! and skips invalid ones (an unknown or repeated parameter, a value out of
//! range); a client fails the connection on an answer that breaks what it
//! offered. Compression uses zlib-rs (pure Rust, window bits and memory
//! level honoured). Decompression writes into the caller's message buffer
//! and never lets it grow past the limit it is given: a small message that
//! would inflate to gigabytes stops at the limit.
//!
//! Window bits 8: zlib cannot compress raw DEFLATE with a 256-byte window
//! (zlib-rs refuses, C zlib silently uses 512). When our compressor must stay
//! within 8 bits, it runs with 9 and the RLE strategy, whose matches all
//! have distance 1: the output never refers further back than one byte, so
//! any peer decodes it whatever window it allows. So offers asking for 8 are
//! accepted, not declined. On the receiving side a window of at least 9 bits
//! is used, since zlib-based peers told to use 8 really use 9.

use crate::error::{Error, ErrorKind, Result};
use crate::handshake::{Extension, ExtensionParam};
use serde::{Deserialize, Serialize};

/// The extension's name in `Sec-WebSocket-Extensions`.
pub const NAME: &str = "permessage-deflate";

/// What a message's compressed payload omits and the receiver appends (§7.2.1).
pub(crate) const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

const SERVER_NO_CONTEXT_TAKEOVER: &str = "server_no_context_takeover";
const CLIENT_NO_CONTEXT_TAKEOVER: &str = "client_no_context_takeover";
const SERVER_MAX_WINDOW_BITS: &str = "server_max_window_bits";
const CLIENT_MAX_WINDOW_BITS: &str = "client_max_window_bits";

/// Local preferences, for either role. The defaults compress messages of
/// 1 KiB and more, at level 6, with context takeover and 15-bit windows.
/// (Read from JS options by name, as the server's `perMessageDeflate`.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct DeflateOptions {
    /// Server: always answer `server_no_context_takeover`.
    /// Client: ask the server for it (and fail if it does not agree).
    pub server_no_context_takeover: bool,
    /// Server: ask the client not to take context over.
    /// Client: announce that it will not, and not do it.
    pub client_no_context_takeover: bool,
    /// Server: the largest window its compressor may use.
    /// Client: ask the server to stay within this.
    pub server_max_window_bits: Option<u8>,
    /// Server: ask the client to stay within this (an offer without the
    /// parameter is then not acceptable). Client: the value to offer (without
    /// one, the parameter is offered bare: the server may choose).
    pub client_max_window_bits: Option<u8>,
    /// Messages shorter than this are sent uncompressed.
    pub threshold: usize,
    /// zlib compression level, 0-9.
    pub level: u8,
    /// zlib memory level, 1-9 (memory for the compressor's hash tables).
    pub mem_level: u8,
}

impl Default for DeflateOptions {
    fn default() -> Self {
        DeflateOptions {
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: None,
            client_max_window_bits: None,
            threshold: 1024,
            level: 6,
            mem_level: 8,
        }
    }
}

impl DeflateOptions {
    /// Checks the ranges: window bits 8-15, level 0-9, memory level 1-9.
    pub fn validate(&self) -> Result<()> {
        let bad = |what: &str| Err(Error::new(ErrorKind::InvalidArgument, what.to_string()));
        for bits in [self.server_max_window_bits, self.client_max_window_bits]
            .into_iter()
            .flatten()
        {
            if !(8..=15).contains(&bits) {
                return bad("window bits must be 8 to 15");
            }
        }
        if self.level > 9 {
            return bad("the compression level must be 0 to 9");
        }
        if !(1..=9).contains(&self.mem_level) {
            return bad("the memory level must be 1 to 9");
        }
        Ok(())
    }
}

/// The parameters both sides agreed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeflateParams {
    pub server_no_context_takeover: bool,
    pub client_no_context_takeover: bool,
    /// The server compresses within this window (15 when not negotiated).
    pub server_max_window_bits: u8,
    /// The client compresses within this window (15 when not negotiated).
    pub client_max_window_bits: u8,
}

impl Default for DeflateParams {
    /// What the extension means when no parameter was negotiated (§7):
    /// context taken over both ways, 15-bit windows.
    fn default() -> Self {
        DeflateParams {
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: 15,
            client_max_window_bits: 15,
        }
    }
}

/// One side's compression settings, from the agreed parameters and the
/// local options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeflateSettings {
    pub params: DeflateParams,
    pub threshold: usize,
    pub level: u8,
    pub mem_level: u8,
}

impl DeflateSettings {
    /// `params` with the default local options (see [`DeflateOptions`]).
    pub fn new(params: DeflateParams) -> Self {
        Self::agreed(params, &DeflateOptions::default())
    }

    /// `params` with `local`'s threshold, level and memory level.
    pub fn agreed(params: DeflateParams, local: &DeflateOptions) -> Self {
        DeflateSettings {
            params,
            threshold: local.threshold,
            level: local.level,
            mem_level: local.mem_level,
        }
    }
}

/// Parameters parsed from one offer or answer, still unchecked against
/// anything but their own grammar.
#[derive(Debug, Default, PartialEq, Eq)]
struct Parsed {
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_max_window_bits: Option<u8>,
    /// `Some(None)`: present without a value (allowed in offers only).
    client_max_window_bits: Option<Option<u8>>,
}

/// A window-bits value: an integer 8-15 without leading zeros (§7.1.2).
fn window_bits(value: Option<&str>) -> std::result::Result<u8, String> {
    match value {
        Some(v) if v.len() <= 2 && !v.starts_with('0') && v.bytes().all(|b| b.is_ascii_digit()) => {
            let bits: u8 = v.parse().map_err(|_| format!("bad window bits {v:?}"))?;
            if (8..=15).contains(&bits) {
                Ok(bits)
            } else {
                Err(format!("window bits {bits} out of 8-15"))
            }
        }
        Some(v) => Err(format!("bad window bits {v:?}")),
        None => Err("window bits without a value".into()),
    }
}

/// Parses the parameters of an offer (`offer`) or an answer (§7.1).
fn parse(extension: &Extension, offer: bool) -> std::result::Result<Parsed, String> {
    let mut parsed = Parsed::default();
    let mut seen: Vec<&str> = Vec::new();
    for ExtensionParam { name, value } in &extension.params {
        if seen.contains(&name.as_str()) {
            return Err(format!("parameter {name} given twice"));
        }
        seen.push(name);
        let no_value = |flag: &mut bool| match value {
            None => {
                *flag = true;
                Ok(())
            }
            Some(_) => Err(format!("parameter {name} takes no value")),
        };
        match name.as_str() {
            SERVER_NO_CONTEXT_TAKEOVER => no_value(&mut parsed.server_no_context_takeover)?,
            CLIENT_NO_CONTEXT_TAKEOVER => no_value(&mut parsed.client_no_context_takeover)?,
            SERVER_MAX_WINDOW_BITS => parsed.server_max_window_bits = Some(window_bits(value.as_deref())?),
            CLIENT_MAX_WINDOW_BITS if value.is_none() && offer => parsed.client_max_window_bits = Some(None),
            CLIENT_MAX_WINDOW_BITS => {
                parsed.client_max_window_bits = Some(Some(window_bits(value.as_deref())?));
            }
            other => return Err(format!("unknown parameter {other}")),
        }
    }
    Ok(parsed)
}

fn flag(name: &str) -> ExtensionParam {
    ExtensionParam {
        name: name.to_string(),
        value: None,
    }
}

fn valued(name: &str, bits: u8) -> ExtensionParam {
    ExtensionParam {
        name: name.to_string(),
        value: Some(bits.to_string()),
    }
}

fn is_ours(extension: &Extension) -> bool {
    extension.name.eq_ignore_ascii_case(NAME)
}

/// Server side: the first acceptable permessage-deflate offer among
/// `offers` (in the client's order), as the extension to answer and the
/// parameters agreed. `None`: no acceptable offer; do not compress.
pub fn negotiate(offers: &[Extension], options: &DeflateOptions) -> Option<(Extension, DeflateParams)> {
    'offers: for offer in offers.iter().filter(|e| is_ours(e)) {
        let Ok(p) = parse(offer, true) else {
            continue;
        };
        let mut answer = Vec::new();
        // Our compressor: within what the client asked, and our own cap.
        let own_cap = options.server_max_window_bits.unwrap_or(15);
        let server_bits = match p.server_max_window_bits {
            Some(asked) => {
                let bits = asked.min(own_cap);
                answer.push(valued(SERVER_MAX_WINDOW_BITS, bits));
                bits
            }
            None if own_cap < 15 => {
                answer.push(valued(SERVER_MAX_WINDOW_BITS, own_cap));
                own_cap
            }
            None => 15,
        };
        let server_no_context_takeover = p.server_no_context_takeover || options.server_no_context_takeover;
        if server_no_context_takeover {
            answer.push(flag(SERVER_NO_CONTEXT_TAKEOVER));
        }
        // Echoing the client's hint makes it binding, so our inflater may reset.
        let client_no_context_takeover = p.client_no_context_takeover || options.client_no_context_takeover;
        if client_no_context_takeover {
            answer.push(flag(CLIENT_NO_CONTEXT_TAKEOVER));
        }
        let client_bits = match (p.client_max_window_bits, options.client_max_window_bits) {
            // We need the client to limit its window and it cannot say it will.
            (None, Some(_)) => continue 'offers,
            (None, None) => 15,
            (Some(offered), Some(wanted)) => {
                let bits = wanted.min(offered.unwrap_or(15));
                answer.push(valued(CLIENT_MAX_WINDOW_BITS, bits));
                bits
            }
            (Some(offered), None) => offered.unwrap_or(15),
        };
        let response = Extension {
            name: NAME.to_string(),
            params: answer,
        };
        let params = DeflateParams {
            server_no_context_takeover,
            client_no_context_takeover,
            server_max_window_bits: server_bits,
            client_max_window_bits: client_bits,
        };
        return Some((response, params));
    }
    None
}

/// Client side: the offer to send.
pub fn offer(options: &DeflateOptions) -> Extension {
    let mut params = Vec::new();
    if options.server_no_context_takeover {
        params.push(flag(SERVER_NO_CONTEXT_TAKEOVER));
    }
    if options.client_no_context_takeover {
        params.push(flag(CLIENT_NO_CONTEXT_TAKEOVER));
    }
    if let Some(bits) = options.server_max_window_bits {
        params.push(valued(SERVER_MAX_WINDOW_BITS, bits));
    }
    // Offered always, so the server may choose our window (we honour any 8-15).
    params.push(match options.client_max_window_bits {
        Some(bits) => valued(CLIENT_MAX_WINDOW_BITS, bits),
        None => flag(CLIENT_MAX_WINDOW_BITS),
    });
    Extension {
        name: NAME.to_string(),
        params,
    }
}

/// A server's answer that breaks the grammar or the offer.
fn answer_error(why: String) -> Error {
    Error::new(
        ErrorKind::InvalidExtensions,
        format!("permessage-deflate answer: {why}"),
    )
}

/// Client side: checks the server's answer (the extensions of its 101)
/// against what [`offer`] sent with `options`. `Ok(None)`: the server did not
/// accept the extension. An answer that breaks the offer fails the
/// connection (§7.1).
pub fn accept_response(response: &[Extension], options: &DeflateOptions) -> Result<Option<DeflateParams>> {
    let Some(answer) = response.iter().find(|e| is_ours(e)) else {
        return Ok(None);
    };
    let fail = |why: String| Err(answer_error(why));
    let p = match parse(answer, false) {
        Ok(p) => p,
        Err(why) => return fail(why),
    };
    if options.server_no_context_takeover && !p.server_no_context_takeover {
        return fail("server_no_context_takeover was asked for and not agreed".into());
    }
    let server_bits = match (options.server_max_window_bits, p.server_max_window_bits) {
        (Some(asked), Some(bits)) if bits <= asked => bits,
        (Some(asked), Some(bits)) => {
            return fail(format!(
                "server_max_window_bits {bits} is more than the {asked} asked"
            ))
        }
        (Some(_), None) => return fail("server_max_window_bits was asked for and not agreed".into()),
        (None, bits) => bits.unwrap_or(15),
    };
    let client_bits = match (options.client_max_window_bits, p.client_max_window_bits.flatten()) {
        (Some(offered), Some(bits)) if bits > offered => {
            return fail(format!(
                "client_max_window_bits {bits} is more than the {offered} offered"
            ))
        }
        (_, Some(bits)) => bits,
        (offered, None) => offered.unwrap_or(15),
    };
    Ok(Some(DeflateParams {
        server_no_context_takeover: p.server_no_context_takeover,
        // Our own announcement binds us as much as the server's request.
        client_no_context_takeover: p.client_no_context_takeover || options.client_no_context_takeover,
        server_max_window_bits: server_bits,
        client_max_window_bits: client_bits,
    }))
}

/// The parameters a server's answer agreed, read on their own (for a
/// capture, whose offer there is nothing to hold them against): the answer
/// grammar of [`accept_response`], absent window bits being 15. `Ok(None)`:
/// the answer has no permessage-deflate.
pub fn answered_params(response: &[Extension]) -> Result<Option<DeflateParams>> {
    let Some(answer) = response.iter().find(|e| is_ours(e)) else {
        return Ok(None);
    };
    let p = parse(answer, false).map_err(answer_error)?;
    Ok(Some(DeflateParams {
        server_no_context_takeover: p.server_no_context_takeover,
        client_no_context_takeover: p.client_no_context_takeover,
        server_max_window_bits: p.server_max_window_bits.unwrap_or(15),
        client_max_window_bits: p.client_max_window_bits.flatten().unwrap_or(15),
    }))
}

#[cfg(not(feature = "deflate"))]
mod absent;
#[cfg(feature = "deflate")]
mod engine;
#[cfg(not(feature = "deflate"))]
pub use absent::{engines, Compressor, Decompressor, InflateFlush};
#[cfg(feature = "deflate")]
pub use engine::{engines, inflate_message, Compressor, Decompressor, InflateFlush};

/// Whether this build compresses (the `deflate` feature); without it,
/// permessage-deflate is never agreed.
pub const AVAILABLE: bool = cfg!(feature = "deflate");

/// Why inflating stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InflateFailure {
    /// The output would pass the limit given.
    TooBig,
    /// The input is not valid DEFLATE data.
    Corrupt(&'static str),
}

/// The outcome of one [`Decompressor::step`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    /// Input bytes taken.
    pub consumed: usize,
    /// Output bytes appended.
    pub produced: usize,
    /// Nothing more comes out without more input (or the stream ended).
    pub done: bool,
}

#[cfg(all(test, feature = "deflate"))]
mod tests {
    use super::*;
    use crate::test_util::hex;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;
    use zlib_rs::Inflate;

    fn offers(header: &str) -> Vec<Extension> {
        crate::handshake::parse_extensions(header).unwrap()
    }

    fn answer(header: &str, options: &DeflateOptions) -> Option<(String, DeflateParams)> {
        negotiate(&offers(header), options).map(|(e, p)| (e.to_string(), p))
    }

    #[test]
    fn server_takes_the_first_acceptable_offer() {
        let o = DeflateOptions::default();
        let (text, p) = answer("permessage-deflate; client_max_window_bits", &o).unwrap();
        assert_eq!(text, "permessage-deflate");
        assert_eq!((p.server_max_window_bits, p.client_max_window_bits), (15, 15));
        // Invalid offers are skipped, not fatal: the second one is taken.
        for bad in [
            "permessage-deflate; server_max_window_bits=16",
            "permessage-deflate; server_max_window_bits=7",
            "permessage-deflate; server_max_window_bits=08",
            "permessage-deflate; server_max_window_bits",
            "permessage-deflate; client_max_window_bits=x",
            "permessage-deflate; server_no_context_takeover=1",
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
            "permessage-deflate; unknown_param",
        ] {
            let header = format!("{bad}, permessage-deflate; server_no_context_takeover");
            let (text, p) = answer(&header, &o).unwrap_or_else(|| panic!("{bad}"));
            assert_eq!(text, "permessage-deflate; server_no_context_takeover", "{bad}");
            assert!(p.server_no_context_takeover);
            assert!(answer(bad, &o).is_none(), "{bad} alone is declined");
        }
        assert!(answer("x-other", &o).is_none());
    }

    #[test]
    fn server_answers_per_rfc_7692() {
        let o = DeflateOptions::default();
        // The client limits our window: we answer with it.
        let (text, p) = answer("permessage-deflate; server_max_window_bits=10", &o).unwrap();
        assert_eq!(
            (text.as_str(), p.server_max_window_bits),
            ("permessage-deflate; server_max_window_bits=10", 10)
        );
        // Quoted values are values too.
        let (_, p) = answer("permessage-deflate; server_max_window_bits=\"12\"", &o).unwrap();
        assert_eq!(p.server_max_window_bits, 12);
        // The client's hint is echoed, which makes it binding.
        let (text, p) = answer("permessage-deflate; client_no_context_takeover", &o).unwrap();
        assert_eq!(text, "permessage-deflate; client_no_context_takeover");
        assert!(p.client_no_context_takeover);
        // Our own cap is announced even when not asked.
        let capped = DeflateOptions {
            server_max_window_bits: Some(11),
            ..o
        };
        assert_eq!(
            answer("permessage-deflate", &capped).unwrap().0,
            "permessage-deflate; server_max_window_bits=11"
        );
        assert_eq!(
            answer("permessage-deflate; server_max_window_bits=9", &capped)
                .unwrap()
                .1
                .server_max_window_bits,
            9
        );
        // Asking the client to limit its window needs the client to support it.
        let limit_client = DeflateOptions {
            client_max_window_bits: Some(10),
            ..o
        };
        assert!(answer("permessage-deflate", &limit_client).is_none());
        let (text, p) = answer("permessage-deflate; client_max_window_bits", &limit_client).unwrap();
        assert_eq!(
            (text.as_str(), p.client_max_window_bits),
            ("permessage-deflate; client_max_window_bits=10", 10)
        );
        let (_, p) = answer("permessage-deflate; client_max_window_bits=9", &limit_client).unwrap();
        assert_eq!(p.client_max_window_bits, 9);
        // A client offering its own limit is held to it.
        let (text, p) = answer("permessage-deflate; client_max_window_bits=12", &o).unwrap();
        assert_eq!(
            (text.as_str(), p.client_max_window_bits),
            ("permessage-deflate", 12)
        );
    }

    #[test]
    fn window_bits_8_is_accepted_and_honoured() {
        let (text, p) = answer(
            "permessage-deflate; server_max_window_bits=8",
            &DeflateOptions::default(),
        )
        .unwrap();
        assert_eq!(text, "permessage-deflate; server_max_window_bits=8");
        assert_eq!(p.server_max_window_bits, 8);
        // Our 8-bit compressor never refers back more than 256 bytes: a strict
        // 8-bit inflater (zlib-rs refuses to make an 8-bit compressor, not
        // inflater) decodes it, over text with long-distance repeats.
        let text: Vec<u8> = (0..20_000u32)
            .map(|i| b"abcdefghij"[(i as usize * 7 + (i as usize / 300)) % 10])
            .collect();
        let mut c = Compressor::new(8, false, 9, 8);
        let mut wire = Vec::new();
        c.compress(&text, true, &mut wire).unwrap();
        assert!(
            wire.len() < text.len() / 2,
            "it still compresses: {} of {}",
            wire.len(),
            text.len()
        );
        let mut strict = Inflate::new(false, 8);
        let mut out = vec![0u8; text.len() + 64];
        let mut input = wire.clone();
        input.extend_from_slice(&TAIL);
        strict
            .decompress(&input, &mut out, InflateFlush::SyncFlush)
            .unwrap();
        assert_eq!(&out[..strict.total_out() as usize], &text[..]);
    }

    #[test]
    fn client_offer_and_answer_checks() {
        let o = DeflateOptions::default();
        assert_eq!(
            offer(&o).to_string(),
            "permessage-deflate; client_max_window_bits"
        );
        let asking = DeflateOptions {
            server_no_context_takeover: true,
            client_no_context_takeover: true,
            server_max_window_bits: Some(10),
            client_max_window_bits: Some(12),
            ..o
        };
        assert_eq!(
            offer(&asking).to_string(),
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12"
        );
        let check = |answer: &str, options: &DeflateOptions| accept_response(&offers(answer), options);
        assert_eq!(check("x-other", &o).unwrap(), None);
        let p = check(
            "permessage-deflate; server_max_window_bits=12; client_max_window_bits=9",
            &o,
        )
        .unwrap()
        .unwrap();
        assert_eq!((p.server_max_window_bits, p.client_max_window_bits), (12, 9));
        let p = check(
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=10",
            &asking,
        )
        .unwrap()
        .unwrap();
        assert!(p.client_no_context_takeover, "we announced it, so we keep to it");
        for bad in [
            "permessage-deflate; server_max_window_bits=10",                             // no server_no_context_takeover
            "permessage-deflate; server_no_context_takeover",                            // no server_max_window_bits
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=11", // more than asked
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_max_window_bits=13",
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_max_window_bits",
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=10; bogus",
        ] {
            let e = check(bad, &asking).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidExtensions, "{bad}");
        }
    }

    #[test]
    fn an_answer_read_on_its_own() {
        assert_eq!(answered_params(&offers("x-other")).unwrap(), None);
        let p = answered_params(&offers("permessage-deflate")).unwrap().unwrap();
        assert_eq!((p.server_max_window_bits, p.client_max_window_bits), (15, 15));
        assert!(!p.server_no_context_takeover && !p.client_no_context_takeover);
        let p = answered_params(&offers(
            "permessage-deflate; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=10",
        ))
        .unwrap()
        .unwrap();
        assert_eq!(
            p,
            DeflateParams {
                server_no_context_takeover: false,
                client_no_context_takeover: true,
                server_max_window_bits: 9,
                client_max_window_bits: 10,
            }
        );
        for bad in [
            "permessage-deflate; server_max_window_bits=16",
            "permessage-deflate; server_max_window_bits=09",
            "permessage-deflate; client_max_window_bits",
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
            "permessage-deflate; bogus",
        ] {
            let e = answered_params(&offers(bad)).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidExtensions, "{bad}");
        }
    }

    fn inflate_all(d: &mut Decompressor, payload: &[u8]) -> Vec<u8> {
        inflate_message(d, payload, 1 << 20).unwrap()
    }

    #[test]
    fn rfc_7692_vectors() {
        let mut d = Decompressor::new(15, false);
        assert_eq!(inflate_all(&mut d, &hex("f248cdc9c90700")), b"Hello");
        // Context takeover: the second "Hello" refers to the first.
        assert_eq!(inflate_all(&mut d, &hex("f200110000")), b"Hello");
        for payload in [
            "000500faff48656c6c6f00",
            "f348cdc9c9070000",
            "f24805000000ffffcac9c90700",
        ] {
            assert_eq!(
                inflate_all(&mut Decompressor::new(15, false), &hex(payload)),
                b"Hello",
                "{payload}"
            );
        }
        // Our compressor gives the RFC's bytes for "Hello" twice with context takeover.
        let mut c = Compressor::new(15, false, 6, 8);
        let mut out = Vec::new();
        c.compress(b"Hello", true, &mut out).unwrap();
        assert_eq!(out, hex("f248cdc9c90700"));
        out.clear();
        c.compress(b"Hello", true, &mut out).unwrap();
        assert_eq!(out, hex("f200110000"));
    }

    #[test]
    fn empty_messages_are_a_single_zero_byte_and_keep_the_stream_in_step() {
        for takeover in [true, false] {
            let mut c = Compressor::new(15, !takeover, 6, 8);
            let mut d = Decompressor::new(15, !takeover);
            for (i, m) in ["", "hello", "", "", "x", ""].iter().enumerate() {
                let mut wire = Vec::new();
                c.compress(m.as_bytes(), true, &mut wire).unwrap();
                if m.is_empty() {
                    assert_eq!(wire, [0x00], "message {i}, takeover {takeover}");
                }
                // Each message must end the stream exactly: inflating it with
                // the tail must not leave a block half read.
                let mut out = Vec::new();
                d.inflate(&wire, &mut out, 1 << 20).unwrap();
                d.finish(&mut out, 1 << 20, 0).unwrap();
                assert_eq!(out, m.as_bytes(), "message {i}, takeover {takeover}");
            }
        }
    }

    #[test]
    fn no_context_takeover_resets_both_sides() {
        let mut c = Compressor::new(15, true, 6, 8);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        c.compress(b"Hello", true, &mut a).unwrap();
        c.compress(b"Hello", true, &mut b).unwrap();
        assert_eq!(a, b, "the second message does not refer to the first");
        let mut d = Decompressor::new(15, true);
        assert_eq!(inflate_all(&mut d, &a), b"Hello");
        assert_eq!(inflate_all(&mut d, &b), b"Hello");
    }

    #[test]
    fn a_final_block_keeps_the_window_for_the_next_message() {
        let mut d = Decompressor::new(15, false);
        assert_eq!(inflate_all(&mut d, &hex("f348cdc9c9070000")), b"Hello");
        // A stream that refers back to "Hello" in the previous message.
        assert_eq!(inflate_all(&mut d, &hex("f200110000")), b"Hello");
    }

    #[test]
    fn inflating_stops_at_the_limit() {
        // 1 MiB of zeros compresses to about a kilobyte.
        let mut c = Compressor::new(15, false, 9, 9);
        let mut wire = Vec::new();
        c.compress(&vec![0u8; 1 << 20], true, &mut wire).unwrap();
        assert!(wire.len() < 2048);
        let mut d = Decompressor::new(15, false);
        let mut out = Vec::new();
        assert_eq!(d.inflate(&wire, &mut out, 64 * 1024), Err(InflateFailure::TooBig));
        assert!(
            out.len() <= 64 * 1024 + 1 && out.capacity() <= 64 * 1024 + 1,
            "capacity {}",
            out.capacity()
        );
        // Exactly at the limit is fine.
        let mut d = Decompressor::new(15, false);
        assert_eq!(inflate_message(&mut d, &wire, 1 << 20).unwrap().len(), 1 << 20);
    }

    #[test]
    fn corrupt_data_is_reported() {
        let mut d = Decompressor::new(15, false);
        let mut out = Vec::new();
        let result = d
            .inflate(&[0xff, 0xff, 0xff, 0xff], &mut out, 1024)
            .and_then(|()| d.finish(&mut out, 1024, 0));
        assert!(matches!(result, Err(InflateFailure::Corrupt(_))));
    }

    #[test]
    fn any_piece_sizes_and_round_trips() {
        let text: Vec<u8> = (0..100_000u32)
            .map(|i| (i % 251) as u8 ^ (i / 1000) as u8)
            .collect();
        for bits in [8u8, 9, 12, 15] {
            for takeover in [false, true] {
                let mut c = Compressor::new(bits, !takeover, 6, 8);
                let mut d = Decompressor::new(bits, !takeover);
                for round in 0..3 {
                    let mut wire = Vec::new();
                    c.compress(&text, true, &mut wire).unwrap();
                    let mut out = Vec::new();
                    for piece in wire.chunks(777) {
                        d.inflate(piece, &mut out, 1 << 20).unwrap();
                    }
                    d.finish(&mut out, 1 << 20, 0).unwrap();
                    assert!(out == text, "bits {bits} takeover {takeover} round {round}");
                }
            }
        }
    }
}
