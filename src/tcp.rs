//! TCP stream reassembly for captures, sans-I/O: segments in capture order
//! go in, each connection's bytes come out per direction, in sequence
//! order, each chunk tagged with the packet that completed it.
//!
//! Sequence numbers are 32-bit and wrap; they are turned into 64-bit
//! offsets from the first byte after the SYN (or from the first segment
//! seen, when the capture began mid-connection). Segments that arrive out
//! of order wait until the bytes before them come; a retransmission adds
//! nothing; where segments overlap, the bytes received first win (as a
//! receiving stack would keep them). Bytes that never came are a gap: the
//! stream goes on after it, and the gap is reported with its sequence
//! number and its offset in the direction's stream.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

/// One endpoint of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Endpoint {
    pub ip: IpAddr,
    pub port: u16,
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.ip {
            IpAddr::V4(ip) => write!(f, "{ip}:{}", self.port),
            IpAddr::V6(ip) => write!(f, "[{ip}]:{}", self.port),
        }
    }
}

/// A TCP segment as a capture shows it.
#[derive(Clone, Copy, Debug)]
pub struct TcpSegment<'a> {
    pub src: Endpoint,
    pub dst: Endpoint,
    pub seq: u32,
    pub syn: bool,
    pub ack: bool,
    pub fin: bool,
    pub rst: bool,
    pub payload: &'a [u8],
}

/// Where a chunk of stream bytes came from in the capture.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PacketRef {
    /// 1-based, as Wireshark numbers packets.
    pub number: u64,
    /// Seconds since the epoch.
    pub time: f64,
}

/// Bytes one side sent, newly in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Chunk {
    /// 0: the side that opened the connection (or spoke first), 1: the other.
    pub side: usize,
    pub bytes: Vec<u8>,
    pub packet: PacketRef,
}

/// Bytes a side sent that the capture does not hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gap {
    pub side: usize,
    /// The raw sequence number of the first missing byte.
    pub seq: u32,
    /// Where the gap is in that side's stream (bytes before it).
    pub offset: u64,
    pub len: u64,
}

/// What a direction holds back before declaring the bytes before it lost:
/// a capture that dropped a segment must not hold the rest of the stream.
const MAX_PENDING_BYTES: usize = 8 << 20;

#[derive(Default)]
struct Direction {
    /// Sequence number of stream offset 0.
    base: Option<u32>,
    /// The next offset expected.
    next: u64,
    /// Out-of-order data by offset: bytes and the packet that brought them.
    pending: BTreeMap<u64, (Vec<u8>, PacketRef)>,
    pending_bytes: usize,
    retransmitted: u64,
    fin: bool,
}

impl Direction {
    /// The 64-bit stream offset of `seq`: the one nearest the next expected.
    fn offset_of(&self, base: u32, seq: u32) -> i128 {
        let relative = i128::from(seq.wrapping_sub(base));
        let next = i128::from(self.next);
        let wrap = 1i128 << 32;
        let mut offset = (next & !(wrap - 1)) + relative;
        if offset - next > wrap / 2 {
            offset -= wrap;
        } else if next - offset > wrap / 2 {
            offset += wrap;
        }
        offset
    }
}

/// One connection, as reassembled so far.
pub struct Connection {
    /// `[opener, other]`.
    pub endpoints: [Endpoint; 2],
    /// The opener sent a SYN (so side 0 is surely the client).
    pub syn_seen: bool,
    pub chunks: Vec<Chunk>,
    pub gaps: Vec<Gap>,
    pub packets: u64,
    pub first: PacketRef,
    pub last: PacketRef,
    /// Whether either side reset it.
    pub reset: bool,
    directions: [Direction; 2],
}

impl Connection {
    /// Bytes each side sent (in the stream, gaps not counted).
    pub fn bytes(&self) -> [u64; 2] {
        [self.directions[0].next, self.directions[1].next]
    }

    /// Segments that only repeated bytes already held, per side.
    pub fn retransmissions(&self) -> [u64; 2] {
        [self.directions[0].retransmitted, self.directions[1].retransmitted]
    }

    /// Whether each side closed its stream (FIN).
    pub fn fins(&self) -> [bool; 2] {
        [self.directions[0].fin, self.directions[1].fin]
    }

    fn push(&mut self, side: usize, segment: &TcpSegment<'_>, packet: PacketRef) {
        self.packets += 1;
        self.last = packet;
        self.reset |= segment.rst;
        let direction = &mut self.directions[side];
        if segment.syn {
            // The SYN takes one sequence number; data starts after it.
            if direction.base.is_none() {
                direction.base = Some(segment.seq.wrapping_add(1));
            }
            if segment.payload.is_empty() {
                return;
            }
        }
        if segment.fin {
            direction.fin = true;
        }
        if segment.payload.is_empty() {
            return;
        }
        let base = *direction.base.get_or_insert(segment.seq);
        let data_seq = if segment.syn {
            segment.seq.wrapping_add(1)
        } else {
            segment.seq
        };
        let offset = direction.offset_of(base, data_seq);
        let end = offset + segment.payload.len() as i128;
        let next = i128::from(direction.next);
        if end <= next {
            direction.retransmitted += 1;
            return;
        }
        // The part already held is kept as first received.
        let skip = usize::try_from((next - offset).max(0)).unwrap_or(0);
        let start = u64::try_from(offset.max(next)).unwrap_or(u64::MAX);
        let bytes = segment.payload[skip..].to_vec();
        if start > direction.next {
            direction.pending_bytes += bytes.len();
            direction.pending.entry(start).or_insert((bytes, packet));
            if direction.pending_bytes > MAX_PENDING_BYTES {
                self.skip_gap(side);
            }
            return;
        }
        direction.next += bytes.len() as u64;
        self.chunks.push(Chunk { side, bytes, packet });
        self.drain(side);
    }

    /// Moves pending data that is now in order into the stream.
    fn drain(&mut self, side: usize) {
        let direction = &mut self.directions[side];
        while let Some(entry) = direction.pending.first_entry() {
            let start = *entry.key();
            if start > direction.next {
                break;
            }
            let (mut bytes, packet) = entry.remove();
            direction.pending_bytes -= bytes.len();
            let skip = usize::try_from(direction.next - start).unwrap_or(usize::MAX);
            if skip >= bytes.len() {
                direction.retransmitted += 1;
                continue;
            }
            // The part already in the stream goes; the rest moves, uncopied.
            bytes.drain(..skip);
            direction.next += bytes.len() as u64;
            self.chunks.push(Chunk { side, bytes, packet });
        }
    }

    /// The bytes before the first pending segment never came: a gap, after
    /// which the stream goes on.
    fn skip_gap(&mut self, side: usize) {
        let direction = &mut self.directions[side];
        let Some((&start, _)) = direction.pending.first_key_value() else {
            return;
        };
        let len = start - direction.next;
        let base = direction.base.unwrap_or(0);
        self.gaps.push(Gap {
            side,
            // Sequence numbers wrap: the low 32 bits of base + offset.
            seq: base.wrapping_add(direction.next as u32),
            offset: direction.next,
            len,
        });
        direction.next = start;
        self.drain(side);
    }

    /// The capture ended: whatever still waits lies after a gap.
    fn finish(&mut self) {
        for side in 0..2 {
            while !self.directions[side].pending.is_empty() {
                self.skip_gap(side);
            }
        }
    }
}

/// Every TCP connection of a capture.
#[derive(Default)]
pub struct Reassembler {
    connections: Vec<Connection>,
    by_endpoints: HashMap<(Endpoint, Endpoint), usize>,
}

impl Reassembler {
    pub fn new() -> Self {
        Self::default()
    }

    /// One segment, in capture order.
    pub fn push(&mut self, segment: &TcpSegment<'_>, packet: PacketRef) {
        let (side, index) = match self.by_endpoints.get(&(segment.src, segment.dst)) {
            Some(&index) => (0, index),
            None => match self.by_endpoints.get(&(segment.dst, segment.src)) {
                Some(&index) => (1, index),
                None => {
                    // A new connection: its first segment's sender is side 0
                    // unless that segment is a SYN-ACK (the answer).
                    let answer = segment.syn && segment.ack;
                    let (opener, other) = if answer {
                        (segment.dst, segment.src)
                    } else {
                        (segment.src, segment.dst)
                    };
                    let index = self.connections.len();
                    self.connections.push(Connection {
                        endpoints: [opener, other],
                        syn_seen: segment.syn && !segment.ack,
                        chunks: Vec::new(),
                        gaps: Vec::new(),
                        packets: 0,
                        first: packet,
                        last: packet,
                        reset: false,
                        directions: [Direction::default(), Direction::default()],
                    });
                    self.by_endpoints.insert((opener, other), index);
                    (usize::from(answer), index)
                }
            },
        };
        // A port reused for a new connection (a SYN after the old one ended)
        // is a new connection.
        if segment.syn && !segment.ack && side == 0 {
            let old = &self.connections[index];
            if old.packets > 0 && (old.fins() == [true, true] || old.reset) {
                self.by_endpoints.remove(&(segment.src, segment.dst));
                return self.push(segment, packet);
            }
        }
        self.connections[index].push(side, segment, packet);
    }

    /// The connections, in the order their first packet appeared.
    pub fn finish(mut self) -> Vec<Connection> {
        for connection in &mut self.connections {
            connection.finish();
        }
        self.connections
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    const CLIENT: Endpoint = Endpoint {
        ip: IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)),
        port: 50000,
    };
    const SERVER: Endpoint = Endpoint {
        ip: IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)),
        port: 8080,
    };

    fn seg<'a>(from_client: bool, seq: u32, flags: &str, payload: &'a [u8]) -> TcpSegment<'a> {
        let (src, dst) = if from_client {
            (CLIENT, SERVER)
        } else {
            (SERVER, CLIENT)
        };
        TcpSegment {
            src,
            dst,
            seq,
            syn: flags.contains('S'),
            ack: flags.contains('A'),
            fin: flags.contains('F'),
            rst: flags.contains('R'),
            payload,
        }
    }

    fn run(segments: &[TcpSegment<'_>]) -> Vec<Connection> {
        let mut r = Reassembler::new();
        for (i, s) in segments.iter().enumerate() {
            r.push(
                s,
                PacketRef {
                    number: i as u64 + 1,
                    time: i as f64,
                },
            );
        }
        r.finish()
    }

    fn stream(c: &Connection, side: usize) -> Vec<u8> {
        c.chunks
            .iter()
            .filter(|ch| ch.side == side)
            .flat_map(|ch| ch.bytes.clone())
            .collect()
    }

    #[test]
    fn in_order_both_ways_after_the_handshake() {
        let conns = run(&[
            seg(true, 1000, "S", b""),
            seg(false, 5000, "SA", b""),
            seg(true, 1001, "A", b"GET / HTTP/1.1\r\n\r\n"),
            seg(false, 5001, "A", b"HTTP/1.1 101\r\n\r\n"),
            seg(true, 1019, "A", b"\x81\x00"),
        ]);
        assert_eq!(conns.len(), 1);
        let c = &conns[0];
        assert!(c.syn_seen);
        assert_eq!(c.endpoints, [CLIENT, SERVER]);
        assert_eq!(stream(c, 0), b"GET / HTTP/1.1\r\n\r\n\x81\x00");
        assert_eq!(stream(c, 1), b"HTTP/1.1 101\r\n\r\n");
        assert_eq!(c.chunks[2].packet.number, 5);
        assert!(c.gaps.is_empty());
    }

    #[test]
    fn out_of_order_retransmitted_and_overlapping_segments() {
        let conns = run(&[
            seg(true, 99, "S", b""),
            seg(true, 106, "A", b"world"),  // early
            seg(true, 100, "A", b"hello "), // fills the hole
            seg(true, 100, "A", b"hello "), // retransmission
            seg(true, 109, "A", b"XX!!"),   // overlaps "ld": the first bytes win
        ]);
        let c = &conns[0];
        assert_eq!(stream(c, 0), b"hello world!!");
        assert_eq!(c.retransmissions()[0], 1);
        // "world" became in order with packet 3, which carried "hello ".
        assert_eq!(c.chunks[1].bytes, b"world");
        assert_eq!(c.chunks[1].packet.number, 2);
        assert!(c.gaps.is_empty());
    }

    #[test]
    fn a_lost_segment_is_a_gap_at_its_sequence_number() {
        let conns = run(&[
            seg(true, 9, "S", b""),
            seg(true, 10, "A", b"abc"),
            seg(true, 16, "A", b"ghi"), // "def" at seq 13 was not captured
        ]);
        let c = &conns[0];
        assert_eq!(stream(c, 0), b"abcghi");
        assert_eq!(
            c.gaps,
            [Gap {
                side: 0,
                seq: 13,
                offset: 3,
                len: 3
            }]
        );
    }

    #[test]
    fn sequence_numbers_wrap() {
        let conns = run(&[
            seg(true, u32::MAX - 2, "S", b""),
            seg(true, u32::MAX - 1, "A", b"ab"),
            seg(true, 0, "A", b"cd"),
            seg(true, 2, "A", b"ef"),
        ]);
        assert_eq!(stream(&conns[0], 0), b"abcdef");
        assert!(conns[0].gaps.is_empty());
    }

    #[test]
    fn a_capture_that_starts_mid_connection() {
        // No SYN: the first speaker is side 0, its first byte offset 0.
        let conns = run(&[
            seg(false, 7000, "A", b"\x81\x02hi"),
            seg(true, 300, "A", b"\x81\x80abcd"),
        ]);
        let c = &conns[0];
        assert!(!c.syn_seen);
        assert_eq!(c.endpoints, [SERVER, CLIENT]);
        assert_eq!(stream(c, 0), b"\x81\x02hi");
    }

    #[test]
    fn a_reused_port_after_a_close_is_a_new_connection() {
        let conns = run(&[
            seg(true, 1, "S", b""),
            seg(true, 2, "A", b"one"),
            seg(true, 5, "FA", b""),
            seg(false, 1, "FA", b""),
            seg(true, 900, "S", b""),
            seg(true, 901, "A", b"two"),
        ]);
        assert_eq!(conns.len(), 2);
        assert_eq!(stream(&conns[1], 0), b"two");
    }
}
