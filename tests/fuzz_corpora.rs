//! Replays the fuzz corpora (fuzz/corpus/<target>/) and every input a fuzzer
//! ever failed on (fuzz/regressions/<target>/) through the fuzz targets'
//! own code, so `cargo test` keeps what `npm run fuzz` found, in seconds.
#![cfg(all(not(target_arch = "wasm32"), feature = "server", feature = "inspector"))]

use std::path::Path;

#[path = "../fuzz/src/targets.rs"]
#[allow(dead_code)]
mod targets;

/// Runs `target` on every file under fuzz/<kind>/<name>/; returns how many.
fn replay(kind: &str, name: &str, target: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(kind)
        .join(name);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return 0;
    };
    let mut count = 0;
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        let data = std::fs::read(&path).expect("a corpus file");
        // Named in the failure, so the input is easy to run again alone.
        let outcome = std::panic::catch_unwind(|| target(&data));
        assert!(outcome.is_ok(), "{} fails", path.display());
        count += 1;
    }
    count
}

macro_rules! corpus_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                let corpus = replay("corpus", stringify!($name), targets::$name);
                replay("regressions", stringify!($name), targets::$name);
                assert!(corpus > 0, "fuzz/corpus/{} is empty", stringify!($name));
            }
        )*
    };
}

corpus_tests!(
    frame_decoder,
    connection,
    handshake,
    http_request,
    engineio,
    socketio,
    server,
    inspect_dump,
    capture_file,
    utf8_differential,
    inflate_differential,
);
