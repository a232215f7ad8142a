/**
 * A disk that fills up, for a granska process started with
 *   node --import ./test/helpers/full-disk-preload.mjs bin/granska.mjs …
 * Writes into GRANSKA_FULL_DISK_DIR may use GRANSKA_FULL_DISK_FREE bytes in all; the write that
 * crosses the limit is cut there and fails with ENOSPC, as a real full disk does, and so does every
 * write after it. Everything else (other folders, reads, renames, deletes) works as usual.
 *
 * It covers the ways granska writes files: fs/promises writeFile (atomic writes, snapshot bodies)
 * and the fd-based fs.write/fs.writev under fs.createWriteStream (pages.jsonl, WARC archives).
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';

const dir = process.env.GRANSKA_FULL_DISK_DIR;
let free = Number(process.env.GRANSKA_FULL_DISK_FREE ?? 0);
if (!dir) throw new Error('full-disk-preload: set GRANSKA_FULL_DISK_DIR');
const root = path.resolve(dir) + path.sep;

const inside = (p) => typeof p === 'string' || p instanceof URL ? path.resolve(String(p instanceof URL ? p.pathname : p)).startsWith(root) : false;
const enospc = (syscall, where) => Object.assign(new Error(`ENOSPC: no space left on device, ${syscall}${where ? ` '${where}'` : ''}`), { code: 'ENOSPC', errno: -28, syscall });
/** Takes up to `n` bytes of the free space; returns how many may be written. */
const take = (n) => {
  const granted = Math.min(n, free);
  free -= granted;
  return granted;
};

// fs/promises writeFile (strings and buffers; granska writes nothing else with it).
const writeFile = fs.promises.writeFile;
fs.promises.writeFile = async function (file, data, options) {
  if (!inside(file)) return writeFile.call(this, file, data, options);
  const bytes = typeof data === 'string' ? Buffer.from(data, typeof options === 'string' ? options : (options?.encoding ?? 'utf8')) : Buffer.from(data.buffer ?? data, data.byteOffset ?? 0, data.byteLength ?? data.length);
  const granted = take(bytes.length);
  await writeFile.call(this, file, bytes.subarray(0, granted));
  if (granted < bytes.length) throw enospc('write');
};

// File descriptors opened inside the folder, for the stream writes.
const fds = new Set();
const open = fs.open;
fs.open = function (file, ...rest) {
  const callback = rest.pop();
  return open.call(this, file, ...rest, (err, fd) => {
    if (!err && inside(file)) fds.add(fd);
    callback(err, fd);
  });
};
const close = fs.close;
fs.close = function (fd, ...rest) {
  fds.delete(fd);
  return close.call(this, fd, ...rest);
};
const write = fs.write;
fs.write = function (fd, buffer, ...rest) {
  if (!fds.has(fd) || typeof buffer === 'string') return write.call(this, fd, buffer, ...rest);
  const callback = rest.pop();
  const [offset = 0, length = buffer.byteLength - offset, position = null] = rest;
  const granted = take(length);
  if (granted === 0) return process.nextTick(callback, enospc('write'));
  return write.call(this, fd, buffer, offset, granted, position, (err, written, buf) => callback(err ?? (granted < length ? enospc('write') : null), written, buf));
};
const writev = fs.writev;
fs.writev = function (fd, buffers, ...rest) {
  if (!fds.has(fd)) return writev.call(this, fd, buffers, ...rest);
  const callback = rest.pop();
  const position = rest[0] ?? null;
  const total = buffers.reduce((n, b) => n + b.byteLength, 0);
  const granted = take(total);
  if (granted === total) return writev.call(this, fd, buffers, position, callback);
  const part = Buffer.concat(buffers).subarray(0, granted);
  if (granted === 0) return process.nextTick(callback, enospc('write'));
  return write.call(this, fd, part, 0, granted, position, (err) => callback(err ?? enospc('write')));
};

syncBuiltinESMExports();
