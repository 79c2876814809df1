//! Close codes and close-frame payloads (RFC 6455 §5.5.1, §7.4 and the IANA
//! "WebSocket Close Code Number Registry").

use crate::error::{Error, ErrorKind, Result};
use crate::frame::MAX_CONTROL_PAYLOAD;

/// The longest reason a close frame can carry: 125 bytes minus the 2-byte code.
pub const MAX_REASON_LEN: usize = MAX_CONTROL_PAYLOAD - 2;

pub const NORMAL: u16 = 1000;
pub const GOING_AWAY: u16 = 1001;
pub const PROTOCOL_ERROR: u16 = 1002;
pub const UNSUPPORTED_DATA: u16 = 1003;
/// Never on the wire: "no status code was present".
pub const NO_STATUS: u16 = 1005;
/// Never on the wire: "the connection closed without a close frame".
pub const ABNORMAL: u16 = 1006;
pub const INVALID_PAYLOAD: u16 = 1007;
pub const POLICY_VIOLATION: u16 = 1008;
pub const MESSAGE_TOO_BIG: u16 = 1009;
pub const MANDATORY_EXTENSION: u16 = 1010;
pub const INTERNAL_ERROR: u16 = 1011;

/// True if `code` may appear in a close frame: the defined 1000-1003 and
/// 1007-1014, and 3000-4999 (registered and private use). 1004-1006 and 1015
/// are reserved for local use, 0-999 unused, 1016-2999 reserved for the RFC.
pub fn is_valid_code(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

/// The registry name of a close code ("Normal Closure", ...), or a range name.
pub fn code_name(code: u16) -> &'static str {
    match code {
        1000 => "Normal Closure",
        1001 => "Going Away",
        1002 => "Protocol Error",
        1003 => "Unsupported Data",
        1004 => "Reserved",
        1005 => "No Status Received",
        1006 => "Abnormal Closure",
        1007 => "Invalid Frame Payload Data",
        1008 => "Policy Violation",
        1009 => "Message Too Big",
        1010 => "Mandatory Extension",
        1011 => "Internal Error",
        1012 => "Service Restart",
        1013 => "Try Again Later",
        1014 => "Bad Gateway",
        1015 => "TLS Handshake",
        0..=999 => "Unused",
        1016..=2999 => "Reserved for the WebSocket protocol",
        3000..=3999 => "Registered (libraries, frameworks, applications)",
        4000..=4999 => "Private use",
        _ => "Unused",
    }
}

/// A parsed close-frame payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CloseFrame<'a> {
    /// `None` when the payload was empty (no status code).
    pub code: Option<u16>,
    pub reason: &'a str,
}

/// Parses and validates a close frame's (unmasked) payload. Offsets in
/// errors are relative to the payload's first byte.
pub fn parse_close_payload(payload: &[u8]) -> Result<CloseFrame<'_>> {
    match payload {
        [] => Ok(CloseFrame {
            code: None,
            reason: "",
        }),
        [_] => Err(Error::at(
            ErrorKind::InvalidClosePayload,
            0,
            "close payload of 1 byte: a status code takes 2",
        )
        .with_value(1)),
        [hi, lo, reason @ ..] => {
            let code = u16::from_be_bytes([*hi, *lo]);
            if !is_valid_code(code) {
                return Err(Error::at(
                    ErrorKind::InvalidCloseCode,
                    0,
                    format!("close code {code} ({}) may not be sent", code_name(code)),
                )
                .with_value(u64::from(code)));
            }
            let reason = crate::utf8::validate(reason).map_err(|e| {
                Error::at(
                    ErrorKind::InvalidCloseReason,
                    2 + e.offset().unwrap_or(0),
                    "close reason is not valid UTF-8",
                )
            })?;
            Ok(CloseFrame {
                code: Some(code),
                reason,
            })
        }
    }
}

/// Appends the payload of a close frame to `out`. `None` sends no status
/// (and then the reason must be empty). The reason must be UTF-8 (§5.5.1):
/// it may come as bytes from a caller.
pub fn encode_close_payload(out: &mut Vec<u8>, code: Option<u16>, reason: &[u8]) -> Result<()> {
    match code {
        None if !reason.is_empty() => Err(Error::new(
            ErrorKind::InvalidArgument,
            "a close reason needs a status code",
        )),
        None => Ok(()),
        Some(code) if !is_valid_code(code) => Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("close code {code} ({}) may not be sent", code_name(code)),
        )),
        Some(_) if reason.len() > MAX_REASON_LEN => Err(Error::new(
            ErrorKind::ControlPayloadTooLong,
            format!("close reason of {} bytes exceeds {MAX_REASON_LEN}", reason.len()),
        )),
        Some(_) if std::str::from_utf8(reason).is_err() => Err(Error::new(
            ErrorKind::InvalidArgument,
            "a close reason must be UTF-8",
        )),
        Some(code) => {
            out.extend_from_slice(&code.to_be_bytes());
            out.extend_from_slice(reason);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    // Under wasm32 the same tests run in Node through wasm-bindgen-test.
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn code_validity_per_rfc_and_registry() {
        for code in 0..=u16::MAX {
            let expected = matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999);
            assert_eq!(is_valid_code(code), expected, "{code}");
        }
        for code in [1004, 1005, 1006, 1015, 999, 1016, 2999, 5000] {
            assert!(!is_valid_code(code));
        }
    }

    #[test]
    fn parses_payloads() {
        assert_eq!(parse_close_payload(&[]).unwrap().code, None);
        let e = parse_close_payload(&[3]).unwrap_err();
        assert_eq!(
            (e.kind(), e.close_code()),
            (ErrorKind::InvalidClosePayload, Some(1002))
        );
        let c = parse_close_payload(b"\x03\xe9bye").unwrap();
        assert_eq!((c.code, c.reason), (Some(1001), "bye"));
        let e = parse_close_payload(b"\x03\xed").unwrap_err();
        assert_eq!(
            (e.kind(), e.close_code()),
            (ErrorKind::InvalidCloseCode, Some(1002))
        );
        let e = parse_close_payload(b"\x03\xe8ok\xff").unwrap_err();
        assert_eq!(
            (e.kind(), e.close_code()),
            (ErrorKind::InvalidCloseReason, Some(1007))
        );
        assert_eq!(e.offset(), Some(4));
    }

    #[test]
    fn encodes_payloads_with_limits() {
        let mut out = Vec::new();
        encode_close_payload(&mut out, Some(1000), b"done").unwrap();
        assert_eq!(out, b"\x03\xe8done");
        let long = "x".repeat(MAX_REASON_LEN + 1);
        assert_eq!(
            encode_close_payload(&mut Vec::new(), Some(1000), long.as_bytes())
                .unwrap_err()
                .kind(),
            ErrorKind::ControlPayloadTooLong
        );
        assert!(encode_close_payload(&mut Vec::new(), Some(1000), &long.as_bytes()[1..]).is_ok());
        assert!(encode_close_payload(&mut Vec::new(), Some(1005), b"").is_err());
        assert!(encode_close_payload(&mut Vec::new(), None, b"why").is_err());
        assert!(encode_close_payload(&mut Vec::new(), Some(1000), &[0xff]).is_err());
    }

    #[test]
    fn names() {
        assert_eq!(code_name(1000), "Normal Closure");
        assert_eq!(code_name(1014), "Bad Gateway");
        assert_eq!(code_name(4001), "Private use");
    }
}
