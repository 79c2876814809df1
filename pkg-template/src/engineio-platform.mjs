// How binary data looks on the platform the engine.io-parser entry runs on,
// set once by that entry (Node: Buffer; browsers: ArrayBuffer and Blob).
//   mapBinary(data, binaryType, fresh) → the binary value handed to users
//     (`fresh`: bytes the codec just made, free to wrap without a copy)
//   rawBinary(data, forStream) → binary data as sent (for a stream: bytes)
//   isBlob(value) → true for a Blob
//   base64(data) → standard base64 of binary data, where the platform has
//     it natively (optional: the core writes it otherwise)
export let platform;

export function setPlatform(binaryPlatform) {
  platform = binaryPlatform;
}
