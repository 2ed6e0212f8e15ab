// The OCR request body as the gateway validated it at release 2026-07 (commit bff496d80).
// A plain z.object: keys it does not name are dropped from the parsed body, never refused.
import { z } from "../zod-runtime.mjs";
import { betaOptions, debugOptions, routingHints } from "./shared.mjs";

export const release = "2026-07";
export const commit = "bff496d80";

export const ocrRequest = z.object({
  model: z.string().min(1),
  image: z.string().min(1), // a URL or base64 data; required at this release
  language: z.string().optional(),
  echo_upstream_request: z.boolean().optional(),
  debug: debugOptions(),
  beta: betaOptions(),
  provider: routingHints(),
  routing: routingHints(),
});
