// Option blocks that the OCR request shares with the gateway's other endpoints: `debug`, `beta`, and the routing
// hints accepted under both `provider` and `routing`. They are the same at both releases (see README.md for the
// source lines); each call builds fresh schema instances so a release module never shares objects with another.
//
// Key order matters: zod reports a bad object's issues in the order of its shape's keys, so every shape below lists
// its keys in the gateway's order, the snake_case spelling of an aliased field just before its camelCase one.
import { z } from "../zod-runtime.mjs";

/** Both spellings of one field, each with its own instance of the same schema: snake_case first. */
function spelledTwice(snake, camel, make) {
  return { [snake]: make(), [camel]: make() };
}

const optionalBoolean = () => z.boolean().optional();
const nullableBoolean = () => z.boolean().nullable().optional();
const nullableString = () => z.string().nullable().optional();
const stringList = () => z.array(z.string()).optional();

/** `max_price` / `maxPrice`: each cap is a number or a string; the block strips unknown keys. */
function priceCaps() {
  const cap = () => z.union([z.number(), z.string()]).optional();
  return z
    .object({ prompt: cap(), completion: cap(), image: cap(), audio: cap(), request: cap() })
    .optional();
}

/** `preferred_min_throughput` and friends: one number for all providers, or a number per provider. */
function perProviderNumber() {
  return z.union([z.number(), z.record(z.string(), z.number())]).optional();
}

/** The routing hints: a loose object (unknown keys are kept, not refused), optional as a whole. */
export function routingHints() {
  return z
    .object({
      mode: nullableString(),
      order: stringList(),
      only: stringList(),
      ignore: stringList(),
      ...spelledTwice("include_alpha", "includeAlpha", optionalBoolean),
      ...spelledTwice("allow_fallbacks", "allowFallbacks", nullableBoolean),
      ...spelledTwice("require_parameters", "requireParameters", nullableBoolean),
      ...spelledTwice("required_execution_region", "requiredExecutionRegion", nullableString),
      ...spelledTwice("required_data_region", "requiredDataRegion", nullableString),
      ...spelledTwice("require_zero_data_retention", "requireZeroDataRetention", nullableBoolean),
      ...spelledTwice("data_collection", "dataCollection", () => z.enum(["allow", "deny"]).nullable().optional()),
      zdr: nullableBoolean(),
      ...spelledTwice("enforce_distillable_text", "enforceDistillableText", nullableBoolean),
      quantizations: z.array(z.string()).nullable().optional(),
      sort: z.union([z.string(), z.record(z.string(), z.any())]).nullable().optional(),
      ...spelledTwice("max_price", "maxPrice", priceCaps),
      ...spelledTwice("preferred_min_throughput", "preferredMinThroughput", perProviderNumber),
      ...spelledTwice("preferred_max_latency", "preferredMaxLatency", perProviderNumber),
      diagnostics: nullableBoolean(),
      ...spelledTwice("return_diagnostics", "returnDiagnostics", nullableBoolean),
    })
    .passthrough()
    .optional();
}

/** `debug`: a plain object (unknown keys stripped), optional as a whole. */
export function debugOptions() {
  const traceLevel = () => z.enum(["summary", "full"]).optional();
  return z
    .object({
      enabled: optionalBoolean(),
      echo_upstream_body: optionalBoolean(),
      ...spelledTwice("return_upstream_request", "returnUpstreamRequest", optionalBoolean),
      ...spelledTwice("return_upstream_response", "returnUpstreamResponse", optionalBoolean),
      trace: optionalBoolean(),
      ...spelledTwice("trace_level", "traceLevel", traceLevel),
    })
    .optional();
}

/** `beta`: a loose object with a plain (stripping) `openai` block inside, optional as a whole. */
export function betaOptions() {
  return z
    .object({
      ...spelledTwice("openai_websocket_mode", "openaiWebsocketMode", optionalBoolean),
      openai: z
        .object({ ...spelledTwice("websocket_mode", "websocketMode", optionalBoolean) })
        .optional(),
    })
    .passthrough()
    .optional();
}
