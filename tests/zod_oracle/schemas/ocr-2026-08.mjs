// The OCR request body as the gateway validated it at release 2026-08 (commit 01ac8aca0).
//
// Changes from 2026-07: `language` is gone (now stripped like any unknown key), `image` became optional, a
// Mistral-style `document` input appeared with Mistral's OCR options beside it, and a superRefine on the whole
// request asks for exactly one of image/document and ties document_annotation_prompt to
// document_annotation_format. zod runs that superRefine only when the fields themselves raised no aborting issue
// (a wrong type aborts; a failed length or range check does not), exactly as in the gateway.
import { z } from "../zod-runtime.mjs";
import { betaOptions, debugOptions, routingHints } from "./shared.mjs";

export const release = "2026-08";
export const commit = "01ac8aca0";

const nonEmpty = () => z.string().min(1);
const count = () => z.number().int().nonnegative();

/** bbox_annotation_format / document_annotation_format: a strict json_schema wrapper around a strict spec. */
function annotationFormat() {
  const spec = z
    .object({
      name: nonEmpty(),
      description: z.string().nullable().optional(),
      schema: z.record(z.string(), z.any()),
      strict: z.boolean().optional(),
    })
    .strict();
  return z.object({ type: z.literal("json_schema"), json_schema: spec }).strict();
}

/** `document`: three strict variants told apart by `type`, in the gateway's order. */
function documentInput() {
  const byFileId = z.object({ type: z.literal("file"), file_id: z.string().uuid() }).strict();
  const byUrl = z
    .object({
      type: z.literal("document_url"),
      document_url: nonEmpty(),
      document_name: z.string().nullable().optional(),
    })
    .strict();
  const imageReference = z
    .object({ url: nonEmpty(), detail: z.enum(["auto", "low", "high"]).nullable().optional() })
    .strict();
  const byImage = z
    .object({ type: z.literal("image_url"), image_url: z.union([nonEmpty(), imageReference]) })
    .strict();
  return z.discriminatedUnion("type", [byFileId, byUrl, byImage]);
}

const fields = z.object({
  model: nonEmpty(),
  image: nonEmpty().optional(), // the legacy shorthand: a URL or base64 data
  document: documentInput().optional(),
  pages: z.union([nonEmpty(), z.array(count())]).nullable().optional(),
  include_image_base64: z.boolean().nullable().optional(),
  image_limit: count().nullable().optional(),
  image_min_size: count().nullable().optional(),
  bbox_annotation_format: annotationFormat().nullable().optional(),
  document_annotation_format: annotationFormat().nullable().optional(),
  document_annotation_prompt: z.string().nullable().optional(),
  table_format: z.enum(["markdown", "html"]).nullable().optional(),
  extract_header: z.boolean().optional(),
  extract_footer: z.boolean().optional(),
  include_blocks: z.boolean().optional(),
  confidence_scores_granularity: z.enum(["word", "page"]).nullable().optional(),
  echo_upstream_request: z.boolean().optional(),
  debug: debugOptions(),
  beta: betaOptions(),
  provider: routingHints(),
  routing: routingHints(),
});

/** Rules across fields: both are custom issues, the first always reported at ["document"]. */
function crossFieldRules(request, ctx) {
  // Counted by truthiness, as the gateway does: an empty image or document counts as absent.
  const inputs = (request.image ? 1 : 0) + (request.document ? 1 : 0);
  if (inputs !== 1) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ["document"],
      message: "Exactly one of image or document is required",
    });
  }
  // `!= null` on purpose: absent and null are the same here.
  if (request.document_annotation_prompt != null && request.document_annotation_format == null) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ["document_annotation_prompt"],
      message: "document_annotation_prompt requires document_annotation_format",
    });
  }
}

export const ocrRequest = fields.superRefine(crossFieldRules);
