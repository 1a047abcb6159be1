import { readFileSync } from "node:fs";
import Ajv from "ajv";

/**
 * Plausible's JSON Schema for Stats API v2 queries (`priv/json-schemas/query-api-schema.json` in plausible/analytics,
 * AGPL-3.0: not copied into this repository) as the contract our tests' requests keep: PLAUSIBLE_QUERY_SCHEMA names a
 * local copy; without it, null, and the schema's checks are skipped.
 */
export const PLAUSIBLE_QUERY_SCHEMA = process.env.PLAUSIBLE_QUERY_SCHEMA;

export type QueryCheck = (query: unknown) => string | null;

/** A check of a query against the schema: null when it is valid, else the schema's errors; null when no copy is named. */
export function plausibleQueryCheck(): QueryCheck | null {
  if (PLAUSIBLE_QUERY_SCHEMA === undefined || PLAUSIBLE_QUERY_SCHEMA === "") return null;
  // Draft-07 with Plausible's annotations (markdownDescription, $comment) and its formats: ISO dates and datetimes.
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat("date", /^\d{4}-\d{2}-\d{2}$/);
  ajv.addFormat("date-time", /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i);
  ajv.addFormat("datetime", /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i);
  const validate = ajv.compile(JSON.parse(readFileSync(PLAUSIBLE_QUERY_SCHEMA, "utf8")));
  return (query) => (validate(query) ? null : ajv.errorsText(validate.errors));
}
