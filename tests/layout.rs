#![cfg(not(target_arch = "wasm32"))]
//! The package's `src/layout.mjs` is what `wsframe::layout` renders: JS
//! reads the packed results with the constants the bindings write them with.
use std::path::Path;

#[test]
fn the_js_layout_module_is_generated_from_the_core() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("pkg-template/src/layout.mjs");
    let expected = wsframe::layout::js_module();
    if std::env::var_os("WSFRAME_WRITE_LAYOUT").is_some() {
        std::fs::write(&path, &expected).expect("write layout.mjs");
    }
    let found = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        found == expected,
        "{} is stale: run `WSFRAME_WRITE_LAYOUT=1 cargo test --test layout`",
        path.display()
    );
}
