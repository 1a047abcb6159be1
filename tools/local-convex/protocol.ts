import type { JSONValue } from "convex/values";

// The client → server messages of Convex's sync protocol, as in
// convex/dist/esm-types/browser/sync/protocol.d.ts (which the package does not export).

export type AddQuery = { type: "Add"; queryId: number; udfPath: string; args: JSONValue[] };
export type RemoveQuery = { type: "Remove"; queryId: number };
export type ClientMessage =
  | { type: "Connect"; sessionId: string; connectionCount: number }
  | { type: "ModifyQuerySet"; baseVersion: number; newVersion: number; modifications: (AddQuery | RemoveQuery)[] }
  | { type: "Mutation" | "Action"; requestId: number; udfPath: string; args: [JSONValue]; componentPath?: string }
  | { type: "Authenticate"; tokenType: "None" | "User" | "Admin"; baseVersion: number }
  | { type: "Event" };

/** A message that breaks the protocol: Convex answers it with a FatalError and closes the connection. */
export class ProtocolError extends Error {}

type Fields = Record<string, unknown>;

const isCount = (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 0;
const isFields = (value: unknown): value is Fields => typeof value === "object" && value !== null && !Array.isArray(value);
const isOneArgument = (args: unknown) => Array.isArray(args) && args.length === 1 && isFields(args[0]);

function check(condition: boolean, message: Fields, what: string): void {
  if (!condition) throw new ProtocolError(`Invalid ${String(message.type)} message: ${what}`);
}

function isQueryModification(value: unknown): boolean {
  if (!isFields(value) || !isCount(value.queryId)) return false;
  if (value.type === "Remove") return true;
  return value.type === "Add" && typeof value.udfPath === "string" && isOneArgument(value.args);
}

/** Parses and checks one text frame; throws ProtocolError for anything a Convex client would never send. */
export function parseClientMessage(text: string): ClientMessage {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    throw new ProtocolError("Invalid message: not JSON");
  }
  if (!isFields(message)) throw new ProtocolError("Invalid message: not an object");
  switch (message.type) {
    case "Connect":
      check(typeof message.sessionId === "string" && isCount(message.connectionCount), message, "needs sessionId and connectionCount");
      break;
    case "ModifyQuerySet":
      check(isCount(message.baseVersion) && isCount(message.newVersion), message, "needs baseVersion and newVersion");
      check(Array.isArray(message.modifications) && message.modifications.every(isQueryModification), message, "bad modifications");
      break;
    case "Mutation":
    case "Action":
      check(isCount(message.requestId) && typeof message.udfPath === "string", message, "needs requestId and udfPath");
      check(isOneArgument(message.args), message, "args must be [object]");
      check(message.componentPath === undefined || typeof message.componentPath === "string", message, "bad componentPath");
      break;
    case "Authenticate":
      check(["None", "User", "Admin"].includes(message.tokenType as string) && isCount(message.baseVersion), message, "bad tokenType or baseVersion");
      break;
    case "Event":
      break;
    default:
      throw new ProtocolError(`Invalid message: unknown type ${JSON.stringify(message.type)}`);
  }
  return message as ClientMessage;
}

/** A u64 timestamp as the protocol carries it: 8 bytes, little-endian, base64. */
export function encodeTs(ts: bigint): string {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(ts);
  return bytes.toString("base64");
}
