/**
 * What the dashboard costs to download: the initial assets of apps/web/dist/index.html (entry script, modulepreloads,
 * stylesheets) and every lazy chunk, raw, gzipped (levels 9 and 6) and brotli; and whether the hub compresses them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

export interface AssetSize {
  file: string;
  /** The file name without its content hash (alerts-DFoEOqHu.js → alerts.js), stable from build to build. */
  name: string;
  kind: 'entry' | 'modulepreload' | 'stylesheet' | 'lazy';
  rawBytes: number;
  gzip9Bytes: number;
  gzip6Bytes: number;
  brotliBytes: number;
}

export interface BundleFigures {
  initial: AssetSize[];
  lazy: AssetSize[];
  initialTotal: Omit<AssetSize, 'file' | 'name' | 'kind'>;
  lazyTotal: Omit<AssetSize, 'file' | 'name' | 'kind'>;
  indexHtmlBytes: number;
}

/** How the hub answered a request for the entry script with Accept-Encoding: gzip, br. */
export interface CompressionCheck {
  asset: string;
  status: number;
  /** The Content-Encoding header; null when the hub sent the bytes as they are. */
  contentEncoding: string | null;
  bytesOnWire: number;
  rawBytes: number;
}

/** A built asset's name without its content hash: alerts-DFoEOqHu.js → alerts.js. */
export function assetName(file: string): string {
  return file.replace(/-[A-Za-z0-9_-]{8}(\.\w+)$/, '$1');
}

function sizeOf(dir: string, file: string, kind: AssetSize['kind']): AssetSize {
  const bytes = readFileSync(join(dir, file));
  return {
    file,
    name: assetName(file),
    kind,
    rawBytes: bytes.length,
    gzip9Bytes: gzipSync(bytes, { level: 9 }).length,
    gzip6Bytes: gzipSync(bytes, { level: 6 }).length,
    brotliBytes: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

function total(sizes: AssetSize[]): BundleFigures['initialTotal'] {
  const sum = (k: 'rawBytes' | 'gzip9Bytes' | 'gzip6Bytes' | 'brotliBytes') => sizes.reduce((n, s) => n + s[k], 0);
  return { rawBytes: sum('rawBytes'), gzip9Bytes: sum('gzip9Bytes'), gzip6Bytes: sum('gzip6Bytes'), brotliBytes: sum('brotliBytes') };
}

/**
 * Reads index.html as the browser does on first load: `<script type="module" src>` is the entry, `<link
 * rel="modulepreload">` and `<link rel="stylesheet">` load with it. Every other .js/.css in assets/ is lazy.
 */
export function measureBundle(webDist: string): BundleFigures {
  const html = readFileSync(join(webDist, 'index.html'), 'utf8');
  const assets = join(webDist, 'assets');
  const initial: AssetSize[] = [];
  for (const tag of html.match(/<(?:script|link)\b[^>]*>/g) ?? []) {
    const path = /(?:src|href)="\/assets\/([^"]+)"/.exec(tag)?.[1];
    if (!path) continue;
    const kind = tag.startsWith('<script')
      ? 'entry'
      : /rel="modulepreload"/.test(tag)
        ? 'modulepreload'
        : /rel="stylesheet"/.test(tag)
          ? 'stylesheet'
          : null;
    if (kind) initial.push(sizeOf(assets, path, kind));
  }
  if (!initial.some((a) => a.kind === 'entry')) throw new Error(`${webDist}/index.html has no <script type="module" src="/assets/...">`);
  const initialFiles = new Set(initial.map((a) => a.file));
  const lazy = readdirSync(assets)
    .filter((f) => /\.(js|css)$/.test(f) && !initialFiles.has(f))
    .sort()
    .map((f) => sizeOf(assets, f, 'lazy'));
  return { initial, lazy, initialTotal: total(initial), lazyTotal: total(lazy), indexHtmlBytes: Buffer.byteLength(html) };
}

/** GETs `/assets/<file>` from the hub asking for gzip or brotli, and reports the encoding and the bytes it sent. */
export function checkCompression(hubUrl: string, file: string, rawBytes: number): Promise<CompressionCheck> {
  return new Promise((resolve, reject) => {
    const req = request(`${hubUrl}/assets/${file}`, { headers: { 'accept-encoding': 'gzip, br' } }, (res) => {
      let bytesOnWire = 0;
      res.on('data', (chunk: Buffer) => {
        bytesOnWire += chunk.length;
      });
      res.on('end', () =>
        resolve({
          asset: file,
          status: res.statusCode ?? 0,
          contentEncoding: (res.headers['content-encoding'] as string | undefined) ?? null,
          bytesOnWire,
          rawBytes,
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
