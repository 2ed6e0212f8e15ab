// The one place the oracle imports zod from, so that its global configuration is settled before any schema exists.
//
// The gateway runs on Cloudflare Workers, where zod cannot generate code (`new Function` is refused and zod also
// recognises the Workers user agent), so its object schemas always take zod's interpreted parse path. zod decides
// JIT or not when each object schema is built, so `jitless` must be set here, before the schema modules run.
// ZOD_ORACLE_JIT=1 turns the JIT path back on; it exists only to check that both paths give the same issues.
import { z } from "zod";

z.config({ jitless: process.env.ZOD_ORACLE_JIT !== "1" });

export { z };
