// Format detection: v1 (magic), delimited v0, non-delimited v0.

import { ProfileError } from "../errors.js";
import type { DatasetProfileMessageV0 } from "../proto/whylogs_v0_pb.js";
import type { DecodedProfile } from "./message.js";
import { convertV0, isPlausibleV0, notAProfile, parseV0 } from "./v0-reader.js";
import { V1_MAGIC, readV1 } from "./v1-reader.js";
import { hasMagic, peekVarint } from "./wire.js";

/**
 * Decodes a profile file of any supported format:
 * 1. starts with `"WHY1"` → whylogs v1 (trailing bytes after the chunk area are ignored and counted, except a
 *    Sightglass extension block);
 * 2. else the leading varint plus its own length equals the input size → varint-delimited v0;
 * 3. else the whole input parses as a (plausible) v0 message → non-delimited v0;
 * 4. else a delimited v0 message followed by extra bytes (ignored and counted, as whylogs' v0 reader does);
 * 5. else `bad-magic`.
 *
 * Nothing partial is ever returned: the result is complete or a ProfileError is thrown.
 * @throws ProfileError `bad-magic`, `truncated`, `malformed` or `unsupported`, with the byte offset of the
 * structure concerned; never any other error type.
 */
export function decodeProfile(bytes: Uint8Array): DecodedProfile {
  if (!(bytes instanceof Uint8Array)) {
    throw new ProfileError("invalid-argument", "decodeProfile expects a Uint8Array");
  }
  try {
    return decode(bytes);
  } catch (e) {
    if (e instanceof ProfileError) throw e;
    // A defect, not a property of the input; still reported as the codec's one error type.
    throw new ProfileError("malformed", `profile could not be decoded: ${String(e)}`, { cause: e });
  }
}

function decode(bytes: Uint8Array): DecodedProfile {
  if (hasMagic(bytes, 0, V1_MAGIC)) return readV1(bytes);
  if (bytes.length < V1_MAGIC.length && hasMagic(V1_MAGIC, 0, bytes)) {
    // Includes the empty input: too short to be anything, so "truncated" rather than "not a profile".
    throw new ProfileError("truncated", `input ends inside the "WHY1" magic (${bytes.length} bytes)`, {
      offset: bytes.length,
    });
  }

  const lead = peekVarint(bytes, 0);
  if (lead !== null && lead.next + lead.value === bytes.length) {
    let delimited: DatasetProfileMessageV0 | undefined;
    let delimitedError: unknown;
    try {
      delimited = parseV0(bytes.subarray(lead.next), lead.next);
    } catch (e) {
      delimitedError = e;
    }
    if (delimited !== undefined) {
      return { message: convertV0(delimited, lead.next), format: "v0-delimited", ignoredTrailingBytes: 0 };
    }
    // whylogs' v0 reader falls back to the non-delimited form when the delimited parse fails.
    const whole = tryParse(bytes, 0);
    if (whole !== null) return { message: convertV0(whole, 0), format: "v0", ignoredTrailingBytes: 0 };
    throw delimitedError;
  }

  const whole = tryParse(bytes, 0);
  if (whole !== null) return { message: convertV0(whole, 0), format: "v0", ignoredTrailingBytes: 0 };

  if (lead !== null && lead.value > 0 && lead.next + lead.value < bytes.length) {
    const body = bytes.subarray(lead.next, lead.next + lead.value);
    const msg = tryParse(body, lead.next);
    if (msg !== null) {
      return {
        message: convertV0(msg, lead.next),
        format: "v0-delimited",
        ignoredTrailingBytes: bytes.length - (lead.next + lead.value),
      };
    }
  }
  throw notAProfile('no "WHY1" magic, and not a parseable v0 profile (or a truncated one)');
}

/** Parses a v0 message for a fallback path: null unless it parses completely and looks like a profile. */
function tryParse(body: Uint8Array, offset: number): DatasetProfileMessageV0 | null {
  if (body.length === 0) return null;
  try {
    const msg = parseV0(body, offset, true);
    return isPlausibleV0(msg) ? msg : null;
  } catch {
    return null;
  }
}
