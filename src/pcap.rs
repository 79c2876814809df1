//! Capture files for the inspector: pcap (either byte order, microsecond or
//! nanosecond timestamps) and pcapng (sections, several interfaces, enhanced
//! and simple packet blocks), read with `pcap-parser`; link layers Ethernet
//! (with 802.1Q tags), Linux cooked (SLL, SLL2), raw IP and BSD loopback,
//! what `tcpdump -i lo` and `-i any` write; IPv4 and IPv6; TCP reassembled
//! per connection by [`crate::tcp`]. Each connection becomes the segments
//! [`crate::capture::inspect_capture`] decodes, each with its packet number
//! and time.
//!
//! Lenient: a truncated file keeps the packets before the cut, a packet
//! that is not TCP over IP is counted and skipped; only a file that is
//! neither format is an error.

use crate::capture::{inspect_capture, CaptureInspection, CaptureOptions, Dir, Segment};
use crate::engineio::eio_param;
use crate::error::ErrorKind;
use crate::exchanges::head_len;
use crate::frame::{parse_header, MAX_HEADER_LEN};
use crate::inspect::{Diagnostic, Severity};
use crate::tcp::{Endpoint, PacketRef, Reassembler, TcpSegment};
use pcap_parser::pcapng::Block;
use pcap_parser::{Linktype, PcapError};
use serde::Serialize;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why a file could not be read at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotACapture(pub String);

/// One TCP connection of a capture.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TcpConnection {
    pub index: usize,
    /// `ip:port` of the side that opened it (or, without a SYN, spoke an
    /// HTTP request, or spoke first).
    pub client: String,
    pub server: String,
    /// "websocket", "engine.io" (long-polling requests), "http" or "tcp".
    pub kind: &'static str,
    pub packets: u64,
    /// Stream bytes each way: `[client, server]`.
    pub bytes: [u64; 2],
    /// Capture times of its first and last packet (seconds since the epoch).
    pub first_time: f64,
    pub last_time: f64,
    pub first_packet: u64,
    /// The SYN was captured (so the client is known for sure).
    pub syn_seen: bool,
    /// WebSocket frames both ways (for a WebSocket connection).
    pub frames: usize,
    /// Its Engine.IO long-polling requests, payloads decoded (for an
    /// Engine.IO connection).
    pub polling: Vec<crate::exchanges::PollingExchange>,
    /// Gaps (bytes never captured) and resets.
    pub diagnostics: Vec<Diagnostic>,
    /// The streams, as [`crate::capture::inspect_capture`] takes them (not
    /// in the serialised summary: they can be the whole file).
    #[serde(skip)]
    pub segments: Vec<Segment>,
}

impl TcpConnection {
    /// Decodes the connection: handshake, frames, Engine.IO, Socket.IO.
    pub fn inspect(&self, options: &CaptureOptions) -> CaptureInspection {
        inspect_capture(&self.segments, options)
    }
}

/// A capture file's TCP connections.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CaptureFile {
    /// "pcap" or "pcapng".
    pub format: &'static str,
    /// Link types of its interfaces, by name.
    pub link_types: Vec<String>,
    pub packets: u64,
    /// Packets that were not TCP over IPv4/IPv6 (ARP, UDP, …).
    pub skipped: u64,
    pub connections: Vec<TcpConnection>,
    /// About the file: truncated, an unknown link type, fragments.
    pub diagnostics: Vec<Diagnostic>,
}

/// What kind of capture file `bytes` is, from its magic number.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    match bytes.get(..4)? {
        [0x0a, 0x0d, 0x0d, 0x0a] => Some("pcapng"),
        [0xd4, 0xc3, 0xb2, 0xa1]
        | [0xa1, 0xb2, 0xc3, 0xd4]
        | [0x4d, 0x3c, 0xb2, 0xa1]
        | [0xa1, 0xb2, 0x3c, 0x4d] => Some("pcap"),
        _ => None,
    }
}

/// A packet as the file holds it.
struct RawPacket<'a> {
    link: Linktype,
    time: f64,
    data: &'a [u8],
}

/// Reads every packet; stops at a cut with a diagnostic.
fn packets<'a>(
    bytes: &'a [u8],
    out: &mut CaptureFile,
    progress: &mut Progress<'_>,
) -> Result<Vec<RawPacket<'a>>, NotACapture> {
    match sniff(bytes) {
        Some("pcap") => legacy_packets(bytes, out, progress),
        Some(_) => pcapng_packets(bytes, out, progress),
        None => Err(NotACapture(
            "not a pcap or pcapng file (unknown magic number)".into(),
        )),
    }
}

fn truncated(out: &mut CaptureFile, offset: usize, what: &str) {
    out.diagnostics.push(Diagnostic::new(
        Severity::Warning,
        ErrorKind::TruncatedCapture,
        format!("the file ends inside {what} at byte {offset}: the packets before it are shown"),
        offset as u64,
    ));
}

fn legacy_packets<'a>(
    bytes: &'a [u8],
    out: &mut CaptureFile,
    progress: &mut Progress<'_>,
) -> Result<Vec<RawPacket<'a>>, NotACapture> {
    out.format = "pcap";
    let (mut rest, header) = pcap_parser::pcap::parse_pcap_header(bytes)
        .map_err(|e| NotACapture(format!("pcap header: {}", describe(&e))))?;
    let nanos = header.is_nanosecond_precision();
    let link = header.network;
    out.link_types.push(link_name(link));
    let mut list = Vec::new();
    while !rest.is_empty() {
        let parsed = if header.is_bigendian() {
            pcap_parser::pcap::parse_pcap_frame_be(rest)
        } else {
            pcap_parser::pcap::parse_pcap_frame(rest)
        };
        match parsed {
            Ok((next, frame)) => {
                let fraction = f64::from(frame.ts_usec) / if nanos { 1e9 } else { 1e6 };
                list.push(RawPacket {
                    link,
                    time: f64::from(frame.ts_sec) + fraction,
                    data: frame.data,
                });
                rest = next;
                progress.at(READING, (bytes.len() - rest.len()) as u64, bytes.len() as u64);
            }
            Err(_) => {
                truncated(out, bytes.len() - rest.len(), "a packet record");
                break;
            }
        }
    }
    Ok(list)
}

/// A pcapng interface: its link type and clock.
struct Interface {
    link: Linktype,
    /// Units per second.
    resolution: u64,
    offset: i64,
}

fn pcapng_packets<'a>(
    bytes: &'a [u8],
    out: &mut CaptureFile,
    progress: &mut Progress<'_>,
) -> Result<Vec<RawPacket<'a>>, NotACapture> {
    out.format = "pcapng";
    let mut rest = bytes;
    let mut big_endian = false;
    let mut interfaces: Vec<Interface> = Vec::new();
    let mut list = Vec::new();
    let mut first = true;
    while !rest.is_empty() {
        let parsed = if big_endian {
            pcap_parser::pcapng::parse_block_be(rest)
        } else {
            pcap_parser::pcapng::parse_block_le(rest)
        };
        // A section header says its own byte order; try the other one.
        let parsed = match parsed {
            Err(_) if rest.starts_with(&[0x0a, 0x0d, 0x0d, 0x0a]) => {
                pcap_parser::pcapng::parse_sectionheaderblock(rest)
                    .map(|(next, shb)| (next, Block::SectionHeader(shb)))
            }
            other => other,
        };
        let (next, block) = match parsed {
            Ok(ok) => ok,
            Err(e) if first => return Err(NotACapture(format!("pcapng section header: {}", describe(&e)))),
            Err(_) => {
                truncated(out, bytes.len() - rest.len(), "a block");
                break;
            }
        };
        first = false;
        match block {
            Block::SectionHeader(shb) => {
                big_endian = shb.big_endian();
                // Interface numbers start again in each section.
                interfaces.clear();
            }
            Block::InterfaceDescription(idb) => {
                out.link_types.push(link_name(idb.linktype));
                interfaces.push(Interface {
                    link: idb.linktype,
                    resolution: idb.ts_resolution().unwrap_or(1_000_000).max(1),
                    offset: idb.ts_offset(),
                });
            }
            Block::EnhancedPacket(epb) => match interfaces.get(epb.if_id as usize) {
                Some(interface) => {
                    let ts = u64::from(epb.ts_high) << 32 | u64::from(epb.ts_low);
                    let seconds = ts / interface.resolution;
                    let fraction = (ts % interface.resolution) as f64 / interface.resolution as f64;
                    let caplen = (epb.caplen as usize).min(epb.data.len());
                    list.push(RawPacket {
                        link: interface.link,
                        time: seconds as f64 + fraction + interface.offset as f64,
                        data: &epb.data[..caplen],
                    });
                }
                None => out.diagnostics.push(Diagnostic::new(
                    Severity::Warning,
                    ErrorKind::UnknownInterface,
                    format!("a packet names interface {}, which no block described", epb.if_id),
                    (bytes.len() - rest.len()) as u64,
                )),
            },
            Block::SimplePacket(spb) => {
                // Simple packets belong to the first interface and carry no time.
                if let Some(interface) = interfaces.first() {
                    let len = (spb.origlen as usize).min(spb.data.len());
                    list.push(RawPacket {
                        link: interface.link,
                        time: 0.0,
                        data: &spb.data[..len],
                    });
                }
            }
            _ => {}
        }
        rest = next;
        progress.at(READING, (bytes.len() - rest.len()) as u64, bytes.len() as u64);
    }
    Ok(list)
}

fn describe<I>(e: &pcap_parser::nom::Err<PcapError<I>>) -> String {
    match e {
        pcap_parser::nom::Err::Incomplete(_) => "the file is too short".into(),
        pcap_parser::nom::Err::Error(e) | pcap_parser::nom::Err::Failure(e) => match e {
            PcapError::HeaderNotRecognized => "header not recognized".into(),
            PcapError::Incomplete(_) => "the file is too short".into(),
            _ => "malformed".into(),
        },
    }
}

fn link_name(link: Linktype) -> String {
    match link {
        Linktype::NULL => "BSD loopback".into(),
        Linktype::ETHERNET => "Ethernet".into(),
        Linktype::RAW | Linktype::IPV4 | Linktype::IPV6 => "raw IP".into(),
        Linktype::LINUX_SLL => "Linux cooked (SLL)".into(),
        Linktype::LINUX_SLL2 => "Linux cooked (SLL2)".into(),
        Linktype::LOOP => "OpenBSD loopback".into(),
        other => format!("link type {}", other.0),
    }
}

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;
const ETHERTYPE_VLAN: [u16; 2] = [0x8100, 0x88a8];

fn be16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// Why a packet was not a TCP segment.
enum Skip {
    /// Not IP, or not TCP: counted.
    Other,
    /// An IP fragment: reassembling IP is out of scope; reported once.
    Fragment,
    /// A link type this reader does not know.
    Link(Linktype),
}

/// The IP packet inside a link-layer frame.
fn ip_of(link: Linktype, data: &[u8]) -> Result<&[u8], Skip> {
    let from_ethertype = |ethertype: u16, at: usize| match ethertype {
        ETHERTYPE_IPV4 | ETHERTYPE_IPV6 => data.get(at..).ok_or(Skip::Other),
        _ => Err(Skip::Other),
    };
    match link {
        Linktype::ETHERNET => {
            let mut at = 12;
            let mut ethertype = be16(data, at).ok_or(Skip::Other)?;
            while ETHERTYPE_VLAN.contains(&ethertype) {
                at += 4;
                ethertype = be16(data, at).ok_or(Skip::Other)?;
            }
            from_ethertype(ethertype, at + 2)
        }
        Linktype::LINUX_SLL => from_ethertype(be16(data, 14).ok_or(Skip::Other)?, 16),
        Linktype::LINUX_SLL2 => from_ethertype(be16(data, 0).ok_or(Skip::Other)?, 20),
        Linktype::RAW | Linktype::IPV4 | Linktype::IPV6 => Ok(data),
        Linktype(12) | Linktype(14) => Ok(data),
        // The address family in the capturing host's byte order (NULL) or
        // in network order (LOOP): either way, IP follows the 4 bytes.
        Linktype::NULL | Linktype::LOOP => data.get(4..).ok_or(Skip::Other),
        other => Err(Skip::Link(other)),
    }
}

const PROTOCOL_TCP: u8 = 6;

/// Source, destination and the TCP segment inside an IP packet.
fn tcp_of(ip: &[u8]) -> Result<TcpSegment<'_>, Skip> {
    let version = ip.first().ok_or(Skip::Other)? >> 4;
    let (src, dst, tcp) = match version {
        4 => {
            let header_len = usize::from(ip[0] & 0x0f) * 4;
            let total = usize::from(be16(ip, 2).ok_or(Skip::Other)?);
            let flags_fragment = be16(ip, 6).ok_or(Skip::Other)?;
            if flags_fragment & 0x3fff != 0 {
                return Err(Skip::Fragment);
            }
            if *ip.get(9).ok_or(Skip::Other)? != PROTOCOL_TCP || header_len < 20 {
                return Err(Skip::Other);
            }
            let address = |at: usize| -> Result<IpAddr, Skip> {
                let octets: [u8; 4] = ip
                    .get(at..at + 4)
                    .ok_or(Skip::Other)?
                    .try_into()
                    .map_err(|_| Skip::Other)?;
                Ok(IpAddr::V4(Ipv4Addr::from(octets)))
            };
            // The total length trims Ethernet's padding of short frames.
            let end = total.clamp(header_len, ip.len().max(header_len));
            (
                address(12)?,
                address(16)?,
                ip.get(header_len..end).ok_or(Skip::Other)?,
            )
        }
        6 => {
            let address = |at: usize| -> Result<IpAddr, Skip> {
                let octets: [u8; 16] = ip
                    .get(at..at + 16)
                    .ok_or(Skip::Other)?
                    .try_into()
                    .map_err(|_| Skip::Other)?;
                Ok(IpAddr::V6(Ipv6Addr::from(octets)))
            };
            let payload_len = usize::from(be16(ip, 4).ok_or(Skip::Other)?);
            let mut next = *ip.get(6).ok_or(Skip::Other)?;
            let mut at = 40;
            // Extension headers: hop-by-hop, routing, destination options.
            loop {
                match next {
                    PROTOCOL_TCP => break,
                    0 | 43 | 60 => {
                        next = *ip.get(at).ok_or(Skip::Other)?;
                        at += (usize::from(*ip.get(at + 1).ok_or(Skip::Other)?) + 1) * 8;
                    }
                    44 => return Err(Skip::Fragment),
                    _ => return Err(Skip::Other),
                }
            }
            let end = (40 + payload_len).clamp(at, ip.len().max(at));
            (address(8)?, address(24)?, ip.get(at..end).ok_or(Skip::Other)?)
        }
        _ => return Err(Skip::Other),
    };
    let data_offset = usize::from(tcp.get(12).ok_or(Skip::Other)? >> 4) * 4;
    let flags = *tcp.get(13).ok_or(Skip::Other)?;
    Ok(TcpSegment {
        src: Endpoint {
            ip: src,
            port: be16(tcp, 0).ok_or(Skip::Other)?,
        },
        dst: Endpoint {
            ip: dst,
            port: be16(tcp, 2).ok_or(Skip::Other)?,
        },
        seq: be32(tcp, 4).ok_or(Skip::Other)?,
        fin: flags & 0x01 != 0,
        syn: flags & 0x02 != 0,
        rst: flags & 0x04 != 0,
        ack: flags & 0x10 != 0,
        payload: tcp.get(data_offset.max(20)..).unwrap_or(&[]),
    })
}

fn is_http_request(bytes: &[u8]) -> bool {
    crate::capture::METHODS.iter().any(|m| bytes.starts_with(m))
}

/// What a connection carries, from the client's first bytes.
fn kind_of(client_start: &[u8]) -> &'static str {
    if !is_http_request(client_start) {
        return "tcp";
    }
    let head_end = head_len(client_start).unwrap_or(client_start.len());
    let head = String::from_utf8_lossy(&client_start[..head_end]).to_ascii_lowercase();
    let websocket = head
        .lines()
        .any(|line| line.starts_with("upgrade:") && line.contains("websocket"));
    // The request target as sent: `EIO` is matched as Engine.IO servers match it.
    let target = client_start[..head_end]
        .split(|&b| b == b' ')
        .nth(1)
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    if websocket {
        "websocket"
    } else if eio_param(&target).is_some() {
        "engine.io"
    } else {
        "http"
    }
}

/// How far reading a capture has come, as a fraction of the whole work,
/// told to a callback about a hundred times (a large file takes seconds).
pub struct Progress<'a> {
    report: &'a mut dyn FnMut(f64),
    reported: f64,
}

/// The share of the time each phase takes, as measured on a 100 MB pcapng
/// of one WebSocket connection: putting the streams together (and growing
/// memory for them) is most of it.
const READING: (f64, f64) = (0.0, 0.1);
const REASSEMBLING: (f64, f64) = (0.1, 0.95);
const SUMMARISING: (f64, f64) = (0.95, 1.0);

impl<'a> Progress<'a> {
    pub fn new(report: &'a mut dyn FnMut(f64)) -> Self {
        Progress {
            report,
            reported: 0.0,
        }
    }

    /// `done` of `total` units of `phase`.
    fn at(&mut self, phase: (f64, f64), done: u64, total: u64) {
        let fraction = phase.0 + (phase.1 - phase.0) * (done as f64 / total.max(1) as f64);
        if fraction >= self.reported + 0.01 || (fraction >= 1.0 && self.reported < 1.0) {
            self.reported = fraction;
            (self.report)(fraction);
        }
    }
}

/// Reads a pcap or pcapng file into its TCP connections.
pub fn read_capture(bytes: &[u8]) -> Result<CaptureFile, NotACapture> {
    read_capture_with_progress(bytes, &mut Progress::new(&mut |_| {}))
}

/// [`read_capture`], telling `progress` how far it has come.
pub fn read_capture_with_progress(
    bytes: &[u8],
    progress: &mut Progress<'_>,
) -> Result<CaptureFile, NotACapture> {
    let mut out = CaptureFile {
        format: "pcap",
        link_types: Vec::new(),
        packets: 0,
        skipped: 0,
        connections: Vec::new(),
        diagnostics: Vec::new(),
    };
    let list = packets(bytes, &mut out, progress)?;
    out.packets = list.len() as u64;
    let mut reassembler = Reassembler::new();
    let mut fragments = 0u64;
    let mut unknown_links: Vec<Linktype> = Vec::new();
    for (i, packet) in list.iter().enumerate() {
        progress.at(REASSEMBLING, i as u64, list.len() as u64);
        let reference = PacketRef {
            number: i as u64 + 1,
            time: packet.time,
        };
        match ip_of(packet.link, packet.data).and_then(tcp_of) {
            Ok(segment) => reassembler.push(&segment, reference),
            Err(Skip::Other) => out.skipped += 1,
            Err(Skip::Fragment) => {
                out.skipped += 1;
                fragments += 1;
            }
            Err(Skip::Link(link)) => {
                out.skipped += 1;
                if !unknown_links.contains(&link) {
                    unknown_links.push(link);
                }
            }
        }
    }
    for link in unknown_links {
        out.diagnostics.push(Diagnostic::new(
            Severity::Warning,
            ErrorKind::UnsupportedLinkType,
            format!(
                "packets of link type {} are not read (Ethernet, Linux cooked, raw IP and loopback are)",
                link.0
            ),
            0,
        ));
    }
    if fragments > 0 {
        out.diagnostics.push(Diagnostic::new(
            Severity::Warning,
            ErrorKind::IpFragments,
            format!("{fragments} IP fragments are not reassembled; their connections may show gaps"),
            0,
        ));
    }
    let connections = reassembler.finish();
    let total: u64 = connections.iter().map(|c| c.bytes().iter().sum::<u64>()).sum();
    let mut done = 0;
    for (index, connection) in connections.into_iter().enumerate() {
        done += connection.bytes().iter().sum::<u64>();
        out.connections.push(summarise(index, connection));
        progress.at(SUMMARISING, done, total);
    }
    progress.at(SUMMARISING, 1, 1);
    Ok(out)
}

fn summarise(index: usize, connection: crate::tcp::Connection) -> TcpConnection {
    let first_bytes = |side: usize| -> Vec<u8> {
        let mut bytes = Vec::new();
        for chunk in connection.chunks.iter().filter(|c| c.side == side) {
            bytes.extend_from_slice(&chunk.bytes);
            if bytes.len() >= 4096 {
                break;
            }
        }
        bytes
    };
    // Side 0 opened the connection; without a SYN, the side that sent an
    // HTTP request is the client.
    let client_side =
        if !connection.syn_seen && !is_http_request(&first_bytes(0)) && is_http_request(&first_bytes(1)) {
            1
        } else {
            0
        };
    let dir_of = |side: usize| {
        if side == client_side {
            Dir::Client
        } else {
            Dir::Server
        }
    };
    let bytes = connection.bytes();
    let mut diagnostics = Vec::new();
    for gap in &connection.gaps {
        let who = if dir_of(gap.side) == Dir::Client {
            "client"
        } else {
            "server"
        };
        diagnostics.push(Diagnostic::new(Severity::Error, ErrorKind::CaptureGap, format!(
                "{} bytes the {who} sent at sequence number {} were not captured (before byte {} of its stream)",
                gap.len, gap.seq, gap.offset
            ), gap.offset));
    }
    if connection.reset {
        diagnostics.push(Diagnostic::new(
            Severity::Warning,
            ErrorKind::TcpReset,
            "the connection was reset (RST)",
            0,
        ));
    }
    let mut summary = TcpConnection {
        index,
        client: connection.endpoints[client_side].to_string(),
        server: connection.endpoints[1 - client_side].to_string(),
        kind: kind_of(&first_bytes(client_side)),
        packets: connection.packets,
        bytes: [bytes[client_side], bytes[1 - client_side]],
        first_time: connection.first.time,
        last_time: connection.last.time,
        first_packet: connection.first.number,
        syn_seen: connection.syn_seen,
        frames: 0,
        polling: Vec::new(),
        diagnostics,
        segments: connection
            .chunks
            .into_iter()
            .map(|chunk| Segment {
                dir: dir_of(chunk.side),
                bytes: chunk.bytes,
                packet: Some(chunk.packet.number),
                time: Some(chunk.packet.time),
            })
            .collect(),
    };
    if summary.kind == "engine.io" {
        let stream = |dir: Dir| -> Vec<u8> {
            summary
                .segments
                .iter()
                .filter(|s| s.dir == dir)
                .flat_map(|s| s.bytes.iter().copied())
                .collect()
        };
        summary.polling = crate::exchanges::polling(&stream(Dir::Client), &stream(Dir::Server));
    }
    if summary.kind == "websocket" {
        summary.frames =
            count_frames(&summary.segments, Dir::Client) + count_frames(&summary.segments, Dir::Server);
    }
    summary
}

/// The frames one direction of a WebSocket connection holds after its HTTP
/// head, as the full decoding counts them (a last frame cut short counts),
/// found by walking the headers across segments: the stream is not joined,
/// so reading a large capture does not hold a second copy of it.
fn count_frames(segments: &[Segment], dir: Dir) -> usize {
    let mut stream = segments
        .iter()
        .filter(|s| s.dir == dir)
        .map(|s| s.bytes.as_slice());
    // The head: up to its blank line (it is short; join only its segments).
    let mut head = Vec::new();
    let mut rest: &[u8] = &[];
    for bytes in stream.by_ref() {
        let before = head.len();
        head.extend_from_slice(bytes);
        if let Some(end) = head_len(&head) {
            rest = &bytes[end - before..];
            break;
        }
        if head.len() > 64 * 1024 {
            return 0;
        }
    }
    let mut frames = 0;
    // Payload bytes still to pass, and a header split across segments.
    let mut skip: u64 = 0;
    let mut partial: Vec<u8> = Vec::with_capacity(MAX_HEADER_LEN);
    for mut bytes in std::iter::once(rest).chain(stream) {
        loop {
            let passed = usize::try_from(skip).unwrap_or(usize::MAX).min(bytes.len());
            bytes = &bytes[passed..];
            skip -= passed as u64;
            if skip > 0 || bytes.is_empty() {
                break;
            }
            let before = partial.len();
            let take = (MAX_HEADER_LEN - before).min(bytes.len());
            partial.extend_from_slice(&bytes[..take]);
            match parse_header(&partial) {
                Some(raw) => {
                    frames += 1;
                    bytes = &bytes[raw.len - before..];
                    skip = raw.header.payload_len;
                    partial.clear();
                }
                None => bytes = &bytes[take..],
            }
        }
    }
    frames
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// A connection's kind is read from its first request as a server
    /// would read it: `EIO` is a query parameter, matched exactly.
    #[test]
    fn connection_kinds_follow_the_request() {
        let cases: [(&[u8], &str); 7] = [
            (
                b"GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\n\r\n",
                "engine.io",
            ),
            (
                b"POST /engine.io/?transport=polling&EIO=3&sid=x HTTP/1.1\r\n\r\n",
                "engine.io",
            ),
            (
                b"GET /socket.io/?EIO=5&transport=polling HTTP/1.1\r\n\r\n",
                "engine.io",
            ),
            (b"GET /?eio=4 HTTP/1.1\r\n\r\n", "http"),
            (b"GET /page?x=EIO=4 HTTP/1.1\r\nHost: a\r\n\r\n", "http"),
            (
                b"GET /?EIO=4&transport=websocket HTTP/1.1\r\nUpgrade: WebSocket\r\n\r\n",
                "websocket",
            ),
            (b"\x16\x03\x01\x02\x00", "tcp"),
        ];
        for (start, kind) in cases {
            assert_eq!(kind_of(start), kind, "{}", String::from_utf8_lossy(start));
        }
    }

    /// Frames of both directions in a handshake'd session, every split of
    /// the server's stream: the walk counts what the full decoding counts.
    #[test]
    fn counting_frames_across_segments_agrees_with_the_decoding() {
        let request = b"GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n".to_vec();
        let mut server = b"HTTP/1.1 101 Switching Protocols\r\n\r\n".to_vec();
        for len in [0usize, 5, 125, 126, 300, 70_000] {
            let mut header = crate::frame::FrameHeader::new(crate::frame::Opcode::Binary, len as u64);
            header.fin = true;
            crate::frame::encode_frame(&mut server, header, &vec![7; len]);
        }
        // And a last frame cut short in its payload.
        server.extend_from_slice(&[0x82, 0x0a, 1, 2, 3]);
        let mut client = request.clone();
        client.extend_from_slice(&[0x81, 0x80, 1, 2, 3, 4]);
        let full = inspect_capture(
            &[
                Segment::new(Dir::Client, client.clone()),
                Segment::new(Dir::Server, server.clone()),
            ],
            &CaptureOptions::default(),
        );
        assert_eq!((full.client.frames.len(), full.server.frames.len()), (1, 7));
        for step in [1usize, 2, 3, 7, 13, 14, 15, 1000, 65_536] {
            let mut segments = vec![Segment::new(Dir::Client, client.clone())];
            segments.extend(server.chunks(step).map(|c| Segment::new(Dir::Server, c.to_vec())));
            assert_eq!(
                count_frames(&segments, Dir::Server),
                7,
                "segments of {step} bytes"
            );
            assert_eq!(count_frames(&segments, Dir::Client), 1);
        }
    }
}
