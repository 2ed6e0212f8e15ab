// What the gateway's 400 validation_error body holds for a request body that zod refused, rebuilt from the
// gateway's behaviour (see README.md for the source lines):
//
// * details: one entry per zod issue, in zod's order: the issue's message and path, its code as `keyword`, and
//   always an empty `params` object (the gateway passes none of zod's extra issue fields on).
// * description: the error body carries no description, message or reason of its own, so the error handler
//   derives one from the first detail: "<message> at <path joined by dots>", or the bare message when the path
//   is empty (a root issue, e.g. a body that is not an object).
//
// A body that is not JSON at all never reaches zod: the gateway answers invalid_json, whose description is the
// error code itself.

/** One `details` entry per zod issue. */
export function detailsFromIssues(issues) {
  return issues.map((issue) => ({
    message: issue.message,
    path: issue.path,
    keyword: issue.code,
    params: {},
  }));
}

/** The description the error handler derives from the details. */
export function describeDetails(details) {
  const first = details[0];
  if (first !== undefined) {
    const message = typeof first.message === "string" ? first.message : null;
    const path = Array.isArray(first.path) ? first.path.join(".") : null;
    // Both are tested for truthiness: "" (an empty path, or an empty message) does not count.
    if (message && path) return `${message} at ${path}`;
    if (message) return message;
  }
  // Never reached with zod's issues (each has a message); the handler would fall back to the error code.
  return "validation_error";
}

/** The oracle's answer for a refused body. */
export function validationFailure(issues) {
  const details = detailsFromIssues(issues);
  return { ok: false, description: describeDetails(details), details };
}

/** The oracle's answer for a body that is not JSON. */
export function invalidJson() {
  return { ok: false, error: "invalid_json", description: "invalid_json" };
}
