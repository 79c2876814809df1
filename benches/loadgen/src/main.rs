//! Load for the end-to-end benchmarks: WebSocket clients (tokio-tungstenite)
//! on one thread (the other core stays with the server under test), speaking
//! to an echo server. permessage-deflate load comes from
//! benches/loadgen_deflate.py (tungstenite has no RFC 7692 client).
//!
//! echo: `--url U --connections N --size B [--binary] --inflight K
//!        --warmup S --duration S` keeps K messages in flight on
//!        each of N connections and checks every echo. It prints a JSON line
//!        when the measured window starts and one when it ends, then the
//!        result: messages echoed in the window, its length, and the round
//!        trip's p50/p99 in microseconds.
//! idle: `--url U --connections N` opens N connections, prints
//!        `{"ready":N}` once all are open, and holds them until stdin closes.
//! sio-ack, sio-fanout, sio-idle: Socket.IO load (see `sio`).
mod sio;

use futures::{SinkExt, StreamExt};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;
use tokio_tungstenite::tungstenite::Message;

#[derive(Clone)]
struct Args {
    mode: String,
    url: String,
    connections: usize,
    size: usize,
    binary: bool,
    inflight: usize,
    warmup: f64,
    duration: f64,
    /// sio-ack: emits per second per client.
    rate: f64,
}

fn parse_args() -> Args {
    let mut args = Args {
        mode: "echo".into(),
        url: "ws://127.0.0.1:8080/".into(),
        connections: 1,
        size: 20,
        binary: false,
        inflight: 1,
        warmup: 1.0,
        duration: 5.0,
        rate: 10.0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "echo" | "idle" | "sio-ack" | "sio-fanout" | "sio-idle" => args.mode = flag.clone(),
            "--rate" => args.rate = value().parse().expect("--rate"),
            "--url" => args.url = value(),
            "--connections" => args.connections = value().parse().expect("--connections"),
            "--size" => args.size = value().parse().expect("--size"),
            "--binary" => args.binary = true,
            "--inflight" => args.inflight = value().parse().expect("--inflight"),
            "--warmup" => args.warmup = value().parse().expect("--warmup"),
            "--duration" => args.duration = value().parse().expect("--duration"),
            other => panic!("unknown argument {other}"),
        }
    }
    args
}

/// What every connection adds to.
struct Shared {
    measuring: AtomicBool,
    stopping: AtomicBool,
    echoed: AtomicU64,
    mismatches: AtomicU64,
}

/// One connection's messages in flight and round trips measured.
struct Flight {
    sent: VecDeque<Instant>,
    rtts: Vec<u32>,
    shared: Arc<Shared>,
}

/// What to do after an echo.
enum Next {
    /// Send another message.
    Send,
    /// Wait for the echoes still in flight.
    Drain,
    /// Every echo is in: close.
    Done,
}

impl Flight {
    fn new(shared: Arc<Shared>, inflight: usize) -> Self {
        Flight {
            sent: VecDeque::with_capacity(inflight),
            rtts: Vec::new(),
            shared,
        }
    }

    fn sent(&mut self) {
        self.sent.push_back(Instant::now());
    }

    /// Records an echo (`same`: it equals what was sent) and says what next.
    fn echoed(&mut self, same: bool) -> Result<Next, String> {
        if !same {
            self.shared.mismatches.fetch_add(1, Ordering::Relaxed);
        }
        let started = self.sent.pop_front().ok_or("an echo nobody asked for")?;
        if self.shared.measuring.load(Ordering::Relaxed) {
            self.shared.echoed.fetch_add(1, Ordering::Relaxed);
            self.rtts
                .push(started.elapsed().as_micros().min(u32::MAX as u128) as u32);
        }
        Ok(
            match (self.shared.stopping.load(Ordering::Relaxed), self.sent.is_empty()) {
                (false, _) => Next::Send,
                (true, false) => Next::Drain,
                (true, true) => Next::Done,
            },
        )
    }
}

/// A payload that is valid text and differs by position, so a misplaced
/// byte is caught when the echo is compared.
fn payload(size: usize) -> Vec<u8> {
    (0..size).map(|i| b'a' + (i % 23) as u8).collect()
}

/// One connection's echo loop; returns its round trips (µs) in the window.
async fn echo_tungstenite(args: Args, shared: Arc<Shared>) -> Result<Vec<u32>, String> {
    let (mut ws, _) = tokio_tungstenite::connect_async(args.url.as_str())
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let data = payload(args.size);
    let text = String::from_utf8(data.clone()).expect("ASCII");
    let message = || {
        if args.binary {
            Message::binary(data.clone())
        } else {
            Message::text(text.clone())
        }
    };
    let mut flight = Flight::new(shared, args.inflight);
    for _ in 0..args.inflight {
        ws.feed(message()).await.map_err(|e| format!("send: {e}"))?;
        flight.sent();
    }
    ws.flush().await.map_err(|e| format!("flush: {e}"))?;
    while let Some(received) = ws.next().await {
        let received = received.map_err(|e| format!("receive: {e}"))?;
        let same = match &received {
            Message::Text(t) => !args.binary && t.as_bytes() == data.as_slice(),
            Message::Binary(b) => args.binary && b.as_ref() == data.as_slice(),
            _ => continue,
        };
        match flight.echoed(same)? {
            Next::Send => {
                ws.send(message()).await.map_err(|e| format!("send: {e}"))?;
                flight.sent();
            }
            Next::Drain => {}
            Next::Done => break,
        }
    }
    let _ = ws.close(None).await;
    Ok(flight.rtts)
}

fn percentile(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

async fn run_echo(args: Args) {
    let shared = Arc::new(Shared {
        measuring: AtomicBool::new(false),
        stopping: AtomicBool::new(false),
        echoed: AtomicU64::new(0),
        mismatches: AtomicU64::new(0),
    });
    let mut tasks = Vec::new();
    for _ in 0..args.connections {
        let (args, shared) = (args.clone(), shared.clone());
        tasks.push(tokio::task::spawn_local(echo_tungstenite(args, shared)));
    }
    let seconds = measured_window(args.warmup, args.duration, |on| {
        shared.measuring.store(on, Ordering::Relaxed)
    })
    .await;
    shared.stopping.store(true, Ordering::Relaxed);
    let mut rtts = Vec::new();
    let mut errors = Vec::new();
    for task in tasks {
        match task.await {
            Ok(Ok(mut r)) => rtts.append(&mut r),
            Ok(Err(e)) => errors.push(e),
            Err(e) => errors.push(e.to_string()),
        }
    }
    rtts.sort_unstable();
    let result = serde_json::json!({
        "messages": shared.echoed.load(Ordering::Relaxed),
        "seconds": seconds,
        "p50_us": percentile(&rtts, 0.5),
        "p99_us": percentile(&rtts, 0.99),
        "mismatches": shared.mismatches.load(Ordering::Relaxed),
        "errors": errors,
    });
    println!("{result}");
}

async fn run_idle(args: Args) {
    let mut held = Vec::new();
    let mut errors = Vec::new();
    for _ in 0..args.connections {
        match tokio_tungstenite::connect_async(args.url.as_str()).await {
            Ok((ws, _)) => held.push(ws),
            Err(e) => errors.push(e.to_string()),
        }
    }
    hold_until_stdin_closes(held, errors).await;
}

/// Warm-up, then the measured window between the two lines the runner
/// reads the server's CPU time at; `measuring` is told when it opens and
/// closes. Returns the window's length in seconds.
async fn measured_window(warmup: f64, duration: f64, measuring: impl Fn(bool)) -> f64 {
    tokio::time::sleep(Duration::from_secs_f64(warmup)).await;
    println!("{}", serde_json::json!({ "window": "start" }));
    measuring(true);
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs_f64(duration)).await;
    measuring(false);
    let seconds = started.elapsed().as_secs_f64();
    println!("{}", serde_json::json!({ "window": "end" }));
    seconds
}

/// Prints `{"ready":N,"errors":[…]}`, then holds the connections until the
/// runner closes stdin.
async fn hold_until_stdin_closes<T>(held: Vec<T>, errors: Vec<String>) {
    println!("{}", serde_json::json!({ "ready": held.len(), "errors": errors }));
    let mut stdin = tokio::io::stdin();
    let mut sink = [0u8; 64];
    while let Ok(n) = stdin.read(&mut sink).await {
        if n == 0 {
            break;
        }
    }
    drop(held);
}

fn main() {
    let args = parse_args();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let local = tokio::task::LocalSet::new();
    local.block_on(&runtime, async move {
        match args.mode.as_str() {
            "idle" => run_idle(args).await,
            "sio-ack" => sio::run_ack(args).await,
            "sio-fanout" => sio::run_fanout(args).await,
            "sio-idle" => sio::run_idle(args).await,
            _ => run_echo(args).await,
        }
    });
}
