/**
 * The journal's framing: a file magic, then frames
 *
 *   u32 LE payload length | u32 LE CRC-32 of those 4 length bytes | u32 LE CRC-32 of the payload | payload
 *
 * The length has its own checksum so a damaged length is never followed
 * into the wrong place. A frame that is not whole and valid is either a torn
 * tail (a crash while it was being written: nothing valid follows it) and is
 * cut off, or corruption (a valid frame follows it), which is an error.
 */

import { crc32 } from './crc32.js';

export const JOURNAL_MAGIC = new TextEncoder().encode('QFJOURNAL1\n');
export const FRAME_HEADER_BYTES = 12;
/** A record is one JSON object; nothing close to this size is ever written. */
export const MAX_PAYLOAD_BYTES = 1 << 20;

export function encodeFrame(payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  const view = new DataView(frame.buffer);
  view.setUint32(0, payload.length, true);
  view.setUint32(4, crc32(frame, 0, 4), true);
  view.setUint32(8, crc32(payload), true);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

/** The payload's end when a whole valid frame starts at `offset`, else -1. */
export function validFrameEnd(bytes: Uint8Array, offset: number): number {
  if (bytes.length - offset < FRAME_HEADER_BYTES) return -1;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(offset, true);
  if (length > MAX_PAYLOAD_BYTES || view.getUint32(offset + 4, true) !== crc32(bytes, offset, offset + 4)) return -1;
  const end = offset + FRAME_HEADER_BYTES + length;
  if (end > bytes.length) return -1;
  return view.getUint32(offset + 8, true) === crc32(bytes, offset + FRAME_HEADER_BYTES, end) ? end : -1;
}

export interface FrameScan {
  /** [start, end) of each valid payload, in file order; `offsets` gives each frame's start. */
  readonly payloads: readonly Uint8Array[];
  readonly offsets: readonly number[];
  /** Bytes of valid journal: the file is cut here when it is longer (a torn tail). */
  readonly validLength: number;
  /** Offset of a damaged frame that valid frames follow, or -1. */
  readonly corruptAt: number;
}

/** Reads frames from `start`; stops at the first frame that is not whole and valid. */
export function scanFrames(bytes: Uint8Array, start: number): FrameScan {
  const payloads: Uint8Array[] = [];
  const offsets: number[] = [];
  let offset = start;
  while (offset < bytes.length) {
    const end = validFrameEnd(bytes, offset);
    if (end < 0) break;
    offsets.push(offset);
    payloads.push(bytes.subarray(offset + FRAME_HEADER_BYTES, end));
    offset = end;
  }
  let corruptAt = -1;
  // A crash tears only the last write, so a valid frame further on means damage, not a tear.
  for (let probe = offset + 1; offset < bytes.length && probe < bytes.length; probe++) {
    if (validFrameEnd(bytes, probe) >= 0) {
      corruptAt = offset;
      break;
    }
  }
  return { payloads, offsets, validLength: offset, corruptAt };
}
