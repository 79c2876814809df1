//! Socket.IO load: a minimal Engine.IO v4 / Socket.IO v5 client over the
//! WebSocket transport (socket.io-client in Node cannot load a server on two
//! cores), for benches/sio-server.mjs.
//!
//! sio-ack: `--url U --connections N --rate R --size B --warmup S --duration S`
//!   each client emits `ping` with a B-byte string and an ack, R times a
//!   second; the ack must carry the same string. Prints the window lines,
//!   then acks in the window, round trip p50/p99 (µs).
//! sio-fanout: `--url U[,U2...] --connections N --size B --warmup S --duration S`
//!   N clients in the server's room (spread over the servers, which share
//!   the room through an adapter); one more, on the first server, emits
//!   `fanout`, which the server broadcasts to the room as `news`, and waits
//!   until all N got it before the next. Prints deliveries in the window.
//! sio-idle: `--url U --connections N` holds N joined clients until stdin
//!   closes, after printing `{"ready":N}`.
use super::{hold_until_stdin_closes, measured_window, percentile, Args};
use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt, StreamExt};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Connects and joins the main namespace: the open packet, then `40` and its answer.
async fn connect(url: &str) -> Result<Ws, String> {
    let target = format!(
        "{}/socket.io/?EIO=4&transport=websocket",
        url.trim_end_matches('/')
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(target.as_str())
        .await
        .map_err(|e| format!("connect: {e}"))?;
    match ws.next().await {
        Some(Ok(Message::Text(t))) if t.starts_with('0') => {}
        other => return Err(format!("no open packet: {other:?}")),
    }
    ws.send(Message::text("40"))
        .await
        .map_err(|e| format!("send: {e}"))?;
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) if t.starts_with("40") => return Ok(ws),
            Some(Ok(Message::Text(t))) if t.starts_with("44") => return Err(format!("refused: {t}")),
            Some(Ok(_)) => continue,
            other => return Err(format!("no CONNECT answer: {other:?}")),
        }
    }
}

/// Connects `n` clients, a few at a time (the listen backlog is finite).
/// `urls` may list several servers (comma-separated): the clients go to
/// them in turn, the first client to the first.
async fn connect_all(urls: &str, n: usize) -> (Vec<Ws>, Vec<String>) {
    let urls: Vec<&str> = urls.split(',').collect();
    let mut clients = Vec::with_capacity(n);
    let mut errors = Vec::new();
    let mut remaining = n;
    while remaining > 0 {
        let batch = remaining.min(50);
        let first = n - remaining;
        let results =
            futures::future::join_all((first..first + batch).map(|i| connect(urls[i % urls.len()]))).await;
        for result in results {
            match result {
                Ok(ws) => clients.push(ws),
                Err(e) => errors.push(e),
            }
        }
        remaining -= batch;
    }
    (clients, errors)
}

fn payload(size: usize) -> String {
    (0..size).map(|i| (b'a' + (i % 23) as u8) as char).collect()
}

/// A packet from the server, answered if it is a ping. Returns the text of
/// Socket.IO messages (without the Engine.IO `4`).
async fn socketio_text(
    sink: &mut SplitSink<Ws, Message>,
    message: Message,
) -> Result<Option<String>, String> {
    let Message::Text(text) = message else {
        return Ok(None);
    };
    if text.as_str() == "2" {
        sink.send(Message::text("3"))
            .await
            .map_err(|e| format!("pong: {e}"))?;
        return Ok(None);
    }
    Ok(text.strip_prefix('4').map(str::to_string))
}

struct Window {
    measuring: Cell<bool>,
    stopping: Cell<bool>,
    count: Cell<u64>,
    mismatches: Cell<u64>,
}

impl Window {
    fn new() -> Rc<Self> {
        Rc::new(Window {
            measuring: Cell::new(false),
            stopping: Cell::new(false),
            count: Cell::new(0),
            mismatches: Cell::new(0),
        })
    }

    /// The measured window (see `measured_window`); then the clients stop.
    async fn run(&self, warmup: f64, duration: f64) -> f64 {
        let seconds = measured_window(warmup, duration, |on| self.measuring.set(on)).await;
        self.stopping.set(true);
        seconds
    }
}

/// One client of sio-ack: emits at its rate, checks each ack.
async fn ack_client(ws: Ws, args: Args, window: Rc<Window>, offset: Duration) -> Result<Vec<u32>, String> {
    let (mut sink, mut stream): (SplitSink<Ws, Message>, SplitStream<Ws>) = ws.split();
    let data = payload(args.size);
    let expected = format!("[\"{data}\"]");
    let mut ticker = tokio::time::interval_at(
        tokio::time::Instant::now() + offset,
        Duration::from_secs_f64(1.0 / args.rate),
    );
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut next_id: u64 = 0;
    let mut sent: std::collections::HashMap<u64, Instant> = std::collections::HashMap::new();
    let mut rtts = Vec::new();
    loop {
        tokio::select! {
            _ = ticker.tick(), if !window.stopping.get() => {
                let text = format!("42{next_id}[\"ping\",\"{data}\"]");
                sent.insert(next_id, Instant::now());
                next_id += 1;
                sink.send(Message::text(text)).await.map_err(|e| format!("send: {e}"))?;
            }
            received = stream.next() => {
                let Some(received) = received else { return Err("closed by the server".into()) };
                let message = received.map_err(|e| format!("receive: {e}"))?;
                let Some(text) = socketio_text(&mut sink, message).await? else { continue };
                let Some(rest) = text.strip_prefix('3') else { continue };
                let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
                let id: u64 = rest[..digits].parse().map_err(|_| format!("an ack without id: {text}"))?;
                let started = sent.remove(&id).ok_or_else(|| format!("an ack nobody asked for: {text}"))?;
                if rest[digits..] != expected {
                    window.mismatches.set(window.mismatches.get() + 1);
                }
                if window.measuring.get() {
                    window.count.set(window.count.get() + 1);
                    rtts.push(started.elapsed().as_micros().min(u32::MAX as u128) as u32);
                }
                if window.stopping.get() && sent.is_empty() {
                    break;
                }
            }
        }
    }
    let _ = sink.send(Message::text("41")).await;
    Ok(rtts)
}

pub async fn run_ack(args: Args) {
    let (clients, mut errors) = connect_all(&args.url, args.connections).await;
    let window = Window::new();
    let period = 1.0 / args.rate;
    let n = clients.len().max(1);
    let tasks: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(i, ws)| {
            // Spread over one period, so the load is even.
            let offset = Duration::from_secs_f64(period * i as f64 / n as f64);
            tokio::task::spawn_local(ack_client(ws, args.clone(), window.clone(), offset))
        })
        .collect();
    let seconds = window.run(args.warmup, args.duration).await;
    let mut rtts = Vec::new();
    for task in tasks {
        match task.await {
            Ok(Ok(mut r)) => rtts.append(&mut r),
            Ok(Err(e)) => errors.push(e),
            Err(e) => errors.push(e.to_string()),
        }
    }
    rtts.sort_unstable();
    println!(
        "{}",
        serde_json::json!({
            "messages": window.count.get(),
            "seconds": seconds,
            "p50_us": percentile(&rtts, 0.5),
            "p99_us": percentile(&rtts, 0.99),
            "mismatches": window.mismatches.get(),
            "errors": errors,
        })
    );
}

/// What the receivers of sio-fanout share with the emitter.
struct Round {
    /// Receivers that have the current round's news.
    arrived: Cell<usize>,
    done: tokio::sync::Notify,
    expected: RefCell<String>,
}

async fn fanout_receiver(ws: Ws, round: Rc<Round>, window: Rc<Window>) -> Result<(), String> {
    let (mut sink, mut stream) = ws.split();
    while let Some(received) = stream.next().await {
        let message = received.map_err(|e| format!("receive: {e}"))?;
        let Some(text) = socketio_text(&mut sink, message).await? else {
            continue;
        };
        if !text.starts_with("2[\"news\"") {
            continue;
        }
        if text != *round.expected.borrow() {
            window.mismatches.set(window.mismatches.get() + 1);
        }
        if window.measuring.get() {
            window.count.set(window.count.get() + 1);
        }
        round.arrived.set(round.arrived.get() + 1);
        round.done.notify_one();
    }
    Ok(())
}

pub async fn run_fanout(args: Args) {
    let (clients, mut errors) = connect_all(&args.url, args.connections + 1).await;
    let mut clients = clients.into_iter();
    let Some(emitter) = clients.next() else {
        println!(
            "{}",
            serde_json::json!({ "messages": 0, "seconds": 0, "errors": errors })
        );
        return;
    };
    let receivers: Vec<Ws> = clients.collect();
    // The emitter is in the room too: it receives each news as well.
    let audience = receivers.len() + 1;
    let window = Window::new();
    let round = Rc::new(Round {
        arrived: Cell::new(0),
        done: tokio::sync::Notify::new(),
        expected: RefCell::new(String::new()),
    });
    let tasks: Vec<_> = receivers
        .into_iter()
        .map(|ws| tokio::task::spawn_local(fanout_receiver(ws, round.clone(), window.clone())))
        .collect();
    let emitting = {
        let (round, window, size) = (round.clone(), window.clone(), args.size);
        tokio::task::spawn_local(async move {
            let (mut sink, mut stream) = emitter.split();
            let data = payload(size);
            let mut id: u64 = 0;
            while !window.stopping.get() {
                let news = format!("2[\"news\",\"{id}{data}\"]");
                *round.expected.borrow_mut() = news;
                round.arrived.set(0);
                let text = format!("42{id}[\"fanout\",\"{id}{data}\"]");
                sink.send(Message::text(text))
                    .await
                    .map_err(|e| format!("send: {e}"))?;
                // Its own news and its ack, then everyone else's news.
                let mut acked = false;
                let mut own = false;
                while !(acked && own) {
                    let message = stream
                        .next()
                        .await
                        .ok_or("closed by the server")?
                        .map_err(|e| format!("receive: {e}"))?;
                    let Some(text) = socketio_text(&mut sink, message).await? else {
                        continue;
                    };
                    if text.starts_with(&format!("3{id}[")) {
                        acked = true;
                    } else if text.starts_with("2[\"news\"") {
                        own = true;
                        if window.measuring.get() {
                            window.count.set(window.count.get() + 1);
                        }
                    }
                }
                while round.arrived.get() < audience - 1 {
                    round.done.notified().await;
                }
                id += 1;
            }
            Ok::<(), String>(())
        })
    };
    let seconds = window.run(args.warmup, args.duration).await;
    match emitting.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => errors.push(e),
        Err(e) => errors.push(e.to_string()),
    }
    for task in &tasks {
        task.abort();
    }
    println!(
        "{}",
        serde_json::json!({
            "messages": window.count.get(),
            "seconds": seconds,
            "audience": audience,
            "p50_us": 0,
            "p99_us": 0,
            "mismatches": window.mismatches.get(),
            "errors": errors,
        })
    );
}

pub async fn run_idle(args: Args) {
    let (held, errors) = connect_all(&args.url, args.connections).await;
    hold_until_stdin_closes(held, errors).await;
}
