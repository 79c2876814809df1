// Socket.IO tools: the lenient packet reading the inspector shows, and data
// with binary attachments taken out and put back.
import { raw } from './raw.mjs';
import { hasBinary, placeAttachments, stringifyWithAttachments } from './socketio-data.mjs';

/** Lenient Socket.IO packet parse for display (spans, every diagnostic). */
export const inspectSocketIo = (text, options) => raw.sioInspect(text, options);

/**
 * JSON for Socket.IO data with binary values (ArrayBuffer, views, Blob)
 * replaced by placeholders: `{ json, attachments }`.
 */
export function deconstructSocketIoData(data) {
  // Most data has no binary: no copy with placeholders to make.
  if (!hasBinary(data)) return { json: JSON.stringify(data), attachments: [] };
  const attachments = [];
  const json = stringifyWithAttachments(data, attachments);
  return { json, attachments };
}

/** Parses `json` and puts each attachment where the core's placeholders say. */
export const reconstructSocketIoData = (json, attachments, placeholders) =>
  placeAttachments(JSON.parse(json), attachments, placeholders);
