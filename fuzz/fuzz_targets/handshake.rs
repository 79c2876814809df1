#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| wsframe_fuzz::targets::handshake(data));
