#!/usr/bin/env node
// Self-check of the oracle.
//
//   node selfcheck.mjs                 run the hand cases of cases.json and compare with their recorded answers
//   node selfcheck.mjs --markdown      print the hand cases and answers as the Markdown list in README.md
//   node selfcheck.mjs --record        re-record every answer (review the diff before committing it)
//   node selfcheck.mjs --parity N      N seeded random bodies through two oracle processes, zod's JIT object
//                                      parser on and off, and check that their answers are identical
//
// Exit status 0 when everything matched.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";

import { check, checkText } from "./oracle.mjs";

const CASES = new URL("./cases.json", import.meta.url);

function run(testCase) {
  return "raw" in testCase ? checkText(testCase.release, testCase.raw) : check(testCase.release, testCase.body);
}

function handCases(mode) {
  const cases = JSON.parse(readFileSync(CASES, "utf8"));
  if (mode === "--record") {
    for (const testCase of cases) testCase.expect = run(testCase);
    writeFileSync(CASES, `${JSON.stringify(cases, null, 1)}\n`);
    console.log(`recorded ${cases.length} answers in cases.json`);
    return 0;
  }
  if (mode === "--markdown") {
    for (const testCase of cases) {
      const ascii = (text) => text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
      const input = ascii("raw" in testCase ? `raw text ${JSON.stringify(testCase.raw)}` : JSON.stringify(testCase.body));
      console.log(`- **${testCase.release}**, ${testCase.name}: \`${input}\``);
      console.log(`  → \`${JSON.stringify(run(testCase))}\``);
    }
    return 0;
  }
  let failed = 0;
  for (const testCase of cases) {
    const got = run(testCase);
    if (!isDeepStrictEqual(got, testCase.expect)) {
      failed += 1;
      console.log(`FAIL ${testCase.release} ${testCase.name}\n  expected ${JSON.stringify(testCase.expect)}\n  got      ${JSON.stringify(got)}`);
    }
  }
  console.log(`${cases.length - failed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

// ---- JIT parity: random bodies, mostly near-valid, through both of zod's object parse paths ----

function randomBodies(count, seed = 20260822) {
  let state = seed;
  const random = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  const pick = (items) => items[Math.floor(random() * items.length)];
  const scalars = [null, true, false, 0, 1, -1, 1.5, 2 ** 60, "", " ", "x", "summary", "full", "deny", "html", "page",
    "json_schema", "file", "image_url", "document_url", "3b241101-e2bb-4255-8caf-4136c566a962"];
  const anything = (depth = 0) => {
    const roll = random();
    if (depth > 2 || roll < 0.6) return pick(scalars);
    if (roll < 0.8) return Array.from({ length: Math.floor(random() * 3) }, () => anything(depth + 1));
    const object = {};
    for (let i = Math.floor(random() * 3); i > 0; i--) object[pick(["a", "type", "url", "name", "schema"])] = anything(depth + 1);
    return object;
  };
  const good = {
    model: "mistral/ocr-3", image: "https://example.com/p.png", language: "en", echo_upstream_request: true,
    pages: [0, 2], include_image_base64: null, image_limit: 2, image_min_size: 0, document_annotation_prompt: "p",
    table_format: "html", extract_header: false, confidence_scores_granularity: "word",
    document: { type: "file", file_id: "3b241101-e2bb-4255-8caf-4136c566a962" },
    document_annotation_format: { type: "json_schema", json_schema: { name: "n", schema: {} } },
    mode: "price", order: ["a"], only: [], sort: "price", quantizations: null, data_collection: "deny",
    max_price: { prompt: 1, image: "2" }, maxPrice: {}, preferred_min_throughput: { a: 1 }, preferredMaxLatency: 3,
    trace_level: "full", traceLevel: "summary", openai: { websocket_mode: true },
  };
  const routingKeys = ["mode", "order", "only", "include_alpha", "allowFallbacks", "requiredDataRegion",
    "require_zero_data_retention", "data_collection", "dataCollection", "zdr", "quantizations", "sort", "max_price",
    "maxPrice", "preferred_min_throughput", "preferredMaxLatency", "returnDiagnostics", "extra"];
  const debugKeys = ["enabled", "return_upstream_request", "returnUpstreamResponse", "trace", "trace_level", "traceLevel", "x"];
  const topKeys = ["model", "image", "language", "echo_upstream_request", "debug", "beta", "provider", "routing",
    "document", "pages", "include_image_base64", "image_limit", "image_min_size", "bbox_annotation_format",
    "document_annotation_format", "document_annotation_prompt", "table_format", "extract_header",
    "confidence_scores_granularity", "unknown"];
  const value = (key) => (random() < 0.85 ? (key in good ? good[key] : true) : anything(1));
  const block = (keys) => {
    if (random() < 0.15) return anything();
    const object = {};
    for (const key of keys) if (random() < 0.2) object[key] = value(key);
    return object;
  };
  const body = () => {
    if (random() < 0.05) return anything();
    const object = {};
    for (const key of topKeys) {
      if (random() > (key === "model" ? 0.95 : key === "image" ? 0.6 : 0.25)) continue;
      if (key === "provider" || key === "routing") object[key] = block(routingKeys);
      else if (key === "debug") object[key] = block(debugKeys);
      else if (key === "beta") object[key] = block(["openai", "openaiWebsocketMode", "other"]);
      else object[key] = value(key);
    }
    return object;
  };
  return Array.from({ length: count }, (_, i) => ({ release: i % 2 ? "2026-08" : "2026-07", body: body() }));
}

function answersOf(lines, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [new URL("./oracle.mjs", import.meta.url).pathname], {
      env: { ...process.env, ...env },
      stdio: ["pipe", "pipe", "inherit"],
    });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => { output += chunk; });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(output.trimEnd().split("\n")) : reject(new Error(`oracle exited ${code}`))));
    child.stdin.end(lines.join("\n") + "\n");
  });
}

async function parity(count) {
  const lines = randomBodies(count).map((request) => JSON.stringify(request));
  const started = Date.now();
  const jitless = await answersOf(lines, { ZOD_ORACLE_JIT: "0" });
  const seconds = (Date.now() - started) / 1000;
  const jit = await answersOf(lines, { ZOD_ORACLE_JIT: "1" });
  const valid = jitless.filter((line) => line === '{"ok":true}').length;
  const differing = lines.filter((_, i) => jitless[i] !== jit[i]);
  console.log(`${count} bodies (${valid} valid), ${(count / seconds).toFixed(0)} a second through one process`);
  for (const line of differing.slice(0, 5)) console.log(`differs: ${line}`);
  console.log(`${count - differing.length} passed, ${differing.length} failed`);
  return differing.length ? 1 : 0;
}

const [mode, argument] = process.argv.slice(2);
process.exitCode = mode === "--parity" ? await parity(Number(argument ?? 10000)) : handCases(mode);
