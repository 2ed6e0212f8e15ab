#!/usr/bin/env node
// The zod oracle: validates OCR request bodies with the gateway's own validator library (zod 4.4.3) against this
// directory's rendering of the gateway's schema, and answers with what the gateway's 400 body would say.
//
// Protocol: one JSON object per line on stdin, one JSON line per input line on stdout, in the same order.
//   in:  {"release": "2026-07" | "2026-08", "body": <any JSON value>}
//        {"release": ..., "raw": "<request body text>"}   the body as text: parsed here the way the gateway does
//   out: {"ok": true}
//        {"ok": false, "description": "...", "details": [{"message", "path", "keyword", "params"}, ...]}
//        {"ok": false, "error": "invalid_json", "description": "invalid_json"}   (raw text that is not JSON)
//        {"oracle_error": "..."}   the line itself was unusable (not JSON, unknown release, ...)
// Blank input lines are skipped without an answer.
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";

import { invalidJson, validationFailure } from "./gateway-errors.mjs";
import * as july from "./schemas/ocr-2026-07.mjs";
import * as august from "./schemas/ocr-2026-08.mjs";

export const RELEASES = new Map([
  [july.release, july.ocrRequest],
  [august.release, august.ocrRequest],
]);

/** The gateway's verdict on one parsed JSON body. */
export function check(release, body) {
  const schema = RELEASES.get(release);
  if (schema === undefined) throw new RangeError(`unknown release ${JSON.stringify(release)}`);
  const result = schema.safeParse(body);
  return result.success ? { ok: true } : validationFailure(result.error.issues);
}

/** The gateway's verdict on a body given as text (its JSON parsing included). */
export function checkText(release, text) {
  let body;
  try {
    // Both releases decode the bytes as UTF-8 the WHATWG way (Request.json(), then TextDecoder), which drops a
    // leading byte-order mark before JSON.parse sees the text.
    body = JSON.parse(text.startsWith("\uFEFF") ? text.slice(1) : text);
  } catch {
    if (!RELEASES.has(release)) throw new RangeError(`unknown release ${JSON.stringify(release)}`);
    return invalidJson();
  }
  return check(release, body);
}

/** The answer to one protocol line. */
export function answer(line) {
  let request;
  try {
    request = JSON.parse(line);
  } catch (error) {
    return { oracle_error: `input line is not JSON: ${error.message}` };
  }
  if (request === null || typeof request !== "object" || Array.isArray(request)) {
    return { oracle_error: "input line must be a JSON object" };
  }
  const hasBody = Object.hasOwn(request, "body");
  const hasRaw = Object.hasOwn(request, "raw");
  if (hasBody === hasRaw) return { oracle_error: 'give exactly one of "body" and "raw"' };
  if (hasRaw && typeof request.raw !== "string") return { oracle_error: '"raw" must be a string' };
  try {
    return hasRaw ? checkText(request.release, request.raw) : check(request.release, request.body);
  } catch (error) {
    return { oracle_error: String(error?.message ?? error) };
  }
}

async function serve() {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === "") continue;
    process.stdout.write(`${JSON.stringify(answer(line))}\n`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await serve();
}
