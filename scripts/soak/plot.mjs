// A PNG of the soak's samples: one panel per measure, one line per server,
// drawn into an RGB raster and written with node:zlib (PNG is zlib data
// plus CRC-checked chunks), so the plot needs no package.
import { writeFileSync } from 'node:fs';
import zlib from 'node:zlib';

// 5x7 glyphs (rows top to bottom, 5 bits each, high bit left) for what the
// labels use: digits, capitals and a little punctuation.
const GLYPHS = {
  0: [14, 17, 19, 21, 25, 17, 14], 1: [4, 12, 4, 4, 4, 4, 14], 2: [14, 17, 1, 2, 4, 8, 31],
  3: [31, 2, 4, 2, 1, 17, 14], 4: [2, 6, 10, 18, 31, 2, 2], 5: [31, 16, 30, 1, 1, 17, 14],
  6: [6, 8, 16, 30, 17, 17, 14], 7: [31, 1, 2, 4, 8, 8, 8], 8: [14, 17, 17, 14, 17, 17, 14],
  9: [14, 17, 17, 15, 1, 2, 12], A: [14, 17, 17, 31, 17, 17, 17], B: [30, 17, 17, 30, 17, 17, 30],
  C: [14, 17, 16, 16, 16, 17, 14], D: [28, 18, 17, 17, 17, 18, 28], E: [31, 16, 16, 30, 16, 16, 31],
  F: [31, 16, 16, 30, 16, 16, 16], G: [14, 17, 16, 23, 17, 17, 15], H: [17, 17, 17, 31, 17, 17, 17],
  I: [14, 4, 4, 4, 4, 4, 14], J: [7, 2, 2, 2, 2, 18, 12], K: [17, 18, 20, 24, 20, 18, 17],
  L: [16, 16, 16, 16, 16, 16, 31], M: [17, 27, 21, 21, 17, 17, 17], N: [17, 17, 25, 21, 19, 17, 17],
  O: [14, 17, 17, 17, 17, 17, 14], P: [30, 17, 17, 30, 16, 16, 16], Q: [14, 17, 17, 17, 21, 18, 13],
  R: [30, 17, 17, 30, 20, 18, 17], S: [15, 16, 16, 14, 1, 1, 30], T: [31, 4, 4, 4, 4, 4, 4],
  U: [17, 17, 17, 17, 17, 17, 14], V: [17, 17, 17, 17, 17, 10, 4], W: [17, 17, 17, 21, 21, 21, 10],
  X: [17, 17, 10, 4, 10, 17, 17], Y: [17, 17, 10, 4, 4, 4, 4], Z: [31, 1, 2, 4, 8, 16, 31],
  ' ': [0, 0, 0, 0, 0, 0, 0], '.': [0, 0, 0, 0, 0, 12, 12], ':': [0, 12, 12, 0, 12, 12, 0],
  '-': [0, 0, 0, 31, 0, 0, 0], '/': [1, 1, 2, 4, 8, 16, 16], '(': [2, 4, 8, 8, 8, 4, 2],
  ')': [8, 4, 2, 2, 2, 4, 8], '+': [0, 4, 4, 31, 4, 4, 0], '%': [24, 25, 2, 4, 8, 19, 3], ',': [0, 0, 0, 0, 12, 4, 8],
};

class Raster {
  constructor(width, height) {
    this.width = width;
    this.height = height;
    this.pixels = Buffer.alloc(width * height * 3, 255);
  }

  dot(x, y, [r, g, b]) {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const at = (y * this.width + x) * 3;
    this.pixels[at] = r;
    this.pixels[at + 1] = g;
    this.pixels[at + 2] = b;
  }

  line(x0, y0, x1, y1, color) {
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    for (let i = 0; i <= steps; i++) this.dot(x0 + ((x1 - x0) * i) / steps, y0 + ((y1 - y0) * i) / steps, color);
  }

  text(x, y, string, color, scale = 1) {
    for (const ch of string.toUpperCase()) {
      const rows = GLYPHS[ch] ?? GLYPHS[' '];
      rows.forEach((bits, row) => {
        for (let col = 0; col < 5; col++) {
          if (!(bits & (16 >> col))) continue;
          for (let dy = 0; dy < scale; dy++) for (let dx = 0; dx < scale; dx++) this.dot(x + col * scale + dx, y + row * scale + dy, color);
        }
      });
      x += 6 * scale;
    }
  }

  png() {
    const rows = Buffer.alloc((this.width * 3 + 1) * this.height);
    for (let y = 0; y < this.height; y++) {
      rows[y * (this.width * 3 + 1)] = 0; // filter: none
      this.pixels.copy(rows, y * (this.width * 3 + 1) + 1, y * this.width * 3, (y + 1) * this.width * 3);
    }
    const chunk = (type, data) => {
      const length = Buffer.alloc(4);
      length.writeUInt32BE(data.length);
      const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(zlib.crc32(body));
      return Buffer.concat([length, body, crc]);
    };
    const header = Buffer.alloc(13);
    header.writeUInt32BE(this.width, 0);
    header.writeUInt32BE(this.height, 4);
    header[8] = 8; // bits per channel
    header[9] = 2; // RGB
    return Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', header),
      chunk('IDAT', zlib.deflateSync(rows)),
      chunk('IEND', Buffer.alloc(0)),
    ]);
  }
}

const GREY = [200, 200, 200];
const INK = [40, 40, 40];

/** A short label for a value: 12, 3.4, 12K, 5.1M. */
function short(value) {
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${(value / 1e6).toFixed(abs >= 1e7 ? 0 : 1)}M`;
  if (abs >= 1e3) return `${(value / 1e3).toFixed(abs >= 1e4 ? 0 : 1)}K`;
  return abs >= 10 || value === 0 ? value.toFixed(0) : value.toFixed(1);
}

/**
 * Writes `file`: `panels` ([{ title, series: [{ name, color, points: [[t, v]] }] }])
 * in a grid, a shared time axis in minutes, the warm-up shaded.
 */
export function plot(file, { title, panels, warmupSeconds }) {
  const columns = 2;
  const panelWidth = 560;
  const panelHeight = 230;
  const top = 40;
  const raster = new Raster(columns * panelWidth + 20, top + Math.ceil(panels.length / columns) * panelHeight + 10);
  raster.text(14, 12, title, INK, 2);
  panels.forEach((panel, index) => {
    const x0 = 10 + (index % columns) * panelWidth + 50;
    const y0 = top + Math.floor(index / columns) * panelHeight + 24;
    const width = panelWidth - 70;
    const height = panelHeight - 60;
    const points = panel.series.flatMap((s) => s.points);
    const tMax = Math.max(1, ...points.map(([t]) => t));
    const vMax = Math.max(1e-9, ...points.map(([, v]) => v)) * 1.1;
    const xOf = (t) => x0 + (t / tMax) * width;
    const yOf = (v) => y0 + height - (v / vMax) * height;
    raster.text(x0, y0 - 16, panel.title, INK);
    for (let x = x0; x < xOf(warmupSeconds ?? 0); x++) for (let y = y0; y < y0 + height; y += 2) raster.dot(x, y, [235, 235, 235]);
    for (let i = 0; i <= 4; i++) {
      const y = y0 + (height * i) / 4;
      raster.line(x0, y, x0 + width, y, GREY);
      raster.text(x0 - 44, y - 3, short(vMax * (1 - i / 4)).padStart(6), INK);
    }
    for (let i = 0; i <= 5; i++) {
      const x = x0 + (width * i) / 5;
      raster.line(x, y0, x, y0 + height, GREY);
      raster.text(x - 8, y0 + height + 6, `${short((tMax * i) / 5 / 60)}`, INK);
    }
    raster.text(x0 + width - 60, y0 + height + 18, 'MINUTES', INK);
    let legend = x0 + 4;
    for (const s of panel.series) {
      for (let i = 1; i < s.points.length; i++) {
        const [[ta, va], [tb, vb]] = [s.points[i - 1], s.points[i]];
        raster.line(xOf(ta), yOf(va), xOf(tb), yOf(vb), s.color);
        raster.line(xOf(ta), yOf(va) + 1, xOf(tb), yOf(vb) + 1, s.color);
      }
      raster.text(legend, y0 + 4, s.name, s.color);
      legend += (s.name.length + 2) * 6;
    }
  });
  writeFileSync(file, raster.png());
}
