import { WebSocket, type RawData } from "ws";
import type { JSONValue } from "convex/values";
import type { LocalDeployment, MutationOutcome, QueryRunner, Subscriber } from "./deployment";
import { notFound, type Outcome } from "./functions";
import { encodeTs, parseClientMessage, ProtocolError, type ClientMessage } from "./protocol";

type StateVersion = { querySet: number; identity: number; ts: bigint };
type Subscription = { udfPath: string; args: JSONValue; lastSent: string | null };
type QueryModification =
  | { type: "QueryUpdated"; queryId: number; value: JSONValue; logLines: string[]; journal: null }
  | { type: "QueryFailed"; queryId: number; errorMessage: string; errorData?: JSONValue; logLines: string[]; journal: null }
  | { type: "QueryRemoved"; queryId: number };

const CLOSE_POLICY_VIOLATION = 1008;
const CLOSE_INTERNAL_ERROR = 1011;

const encodeVersion = ({ querySet, identity, ts }: StateVersion) => ({ querySet, identity, ts: encodeTs(ts) });

/** What a client can see of a result; request ids differ on every run, so they are left out. */
function resultKey(outcome: Outcome): string {
  if (outcome.success) return JSON.stringify(outcome.value);
  return JSON.stringify([outcome.errorMessage.replace(/^\[Request ID: \w+\] /, ""), outcome.errorData]);
}

function modificationFor(queryId: number, outcome: Outcome): QueryModification {
  const { logLines } = outcome;
  if (outcome.success) return { type: "QueryUpdated", queryId, value: outcome.value, logLines, journal: null };
  const { errorMessage, errorData } = outcome;
  return { type: "QueryFailed", queryId, errorMessage, ...(errorData !== undefined && { errorData }), logLines, journal: null };
}

/** One client connection speaking Convex's sync protocol. */
export class SyncSession implements Subscriber {
  private connected = false;
  private closed = false;
  private version: StateVersion = { querySet: 0, identity: 0, ts: 0n };
  private readonly queries = new Map<number, Subscription>();
  // The newest MutationResponse timestamp no Transition has reached yet: the client waits for one that does.
  private awaitedTs = 0n;
  private lastSentAt = performance.now();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly socket: WebSocket,
    private readonly deployment: LocalDeployment,
  ) {
    this.unsubscribe = deployment.subscribe(this);
    socket.on("message", (data, isBinary) => void this.receive(data, isBinary));
    socket.on("close", () => this.dispose());
  }

  async publish(ts: bigint, runQuery: QueryRunner): Promise<void> {
    if (!this.connected || this.closed) return;
    const modifications = await this.refresh([...this.queries], runQuery);
    if (modifications.length > 0 || this.awaitedTs > this.version.ts) {
      this.sendTransition({ ...this.version, ts }, modifications);
    }
  }

  /** Convex drops a connection that hears nothing for a minute, so an idle one gets a Ping. */
  pingIfIdle(idleMs: number): void {
    if (this.connected && performance.now() - this.lastSentAt >= idleMs) this.send({ type: "Ping" });
  }

  private async receive(data: RawData, isBinary: boolean): Promise<void> {
    try {
      if (isBinary) throw new ProtocolError("Invalid message: binary frames are not part of the protocol");
      const message = parseClientMessage(data.toString());
      if (this.connected === (message.type === "Connect")) {
        throw new ProtocolError(this.connected ? "Invalid message: Connect sent twice" : `Invalid message: ${message.type} before Connect`);
      }
      await this.handle(message);
    } catch (error) {
      this.fail(error);
    }
  }

  private async handle(message: ClientMessage): Promise<void> {
    switch (message.type) {
      case "Connect":
        this.connected = true;
        return;
      case "ModifyQuerySet":
        return await this.modifyQuerySet(message);
      case "Mutation": {
        const { requestId, udfPath, args, componentPath } = message;
        const respond = (outcome: MutationOutcome) => this.sendMutationResponse(requestId, outcome);
        if (componentPath !== undefined) return respond(notFound(`${componentPath}/${udfPath}`));
        await this.deployment.mutation(udfPath, args[0], { onResult: respond });
        return;
      }
      case "Action": {
        const { requestId, udfPath, args, componentPath } = message;
        const outcome = componentPath === undefined ? await this.deployment.action(udfPath, args[0]) : notFound(`${componentPath}/${udfPath}`);
        const { logLines } = outcome;
        return this.send(outcome.success
          ? { type: "ActionResponse", requestId, success: true, result: outcome.value, logLines }
          : { type: "ActionResponse", requestId, success: false, result: outcome.errorMessage, errorData: outcome.errorData, logLines });
      }
      case "Authenticate":
        return await this.authenticate(message);
      case "Event":
        return;
    }
  }

  private async modifyQuerySet(message: Extract<ClientMessage, { type: "ModifyQuerySet" }>): Promise<void> {
    await this.deployment.read(async (runQuery, ts) => {
      if (message.baseVersion !== this.version.querySet) {
        throw new ProtocolError(`ModifyQuerySet base version ${message.baseVersion} does not match the current version ${this.version.querySet}`);
      }
      const modifications: QueryModification[] = [];
      for (const change of message.modifications) {
        if (change.type === "Add") {
          if (this.queries.has(change.queryId)) throw new ProtocolError(`Query ${change.queryId} added twice`);
          this.queries.set(change.queryId, { udfPath: change.udfPath, args: change.args[0], lastSent: null });
        } else {
          if (!this.queries.delete(change.queryId)) throw new ProtocolError(`Removed query ${change.queryId} does not exist`);
          modifications.push({ type: "QueryRemoved", queryId: change.queryId });
        }
      }
      const added = [...this.queries].filter(([, subscription]) => subscription.lastSent === null);
      modifications.push(...(await this.refresh(added, runQuery)));
      this.sendTransition({ ...this.version, querySet: message.newVersion, ts }, modifications);
    });
  }

  private async authenticate(message: Extract<ClientMessage, { type: "Authenticate" }>): Promise<void> {
    if (message.tokenType !== "None") {
      // The emulator has no auth providers, like a deployment without auth.config.ts.
      return this.send({ type: "AuthError", error: "No auth provider found matching the given token", baseVersion: message.baseVersion, authUpdateAttempted: true });
    }
    await this.deployment.read(async (_runQuery, ts) => {
      if (message.baseVersion !== this.version.identity) {
        throw new ProtocolError(`Authenticate base version ${message.baseVersion} does not match the current version ${this.version.identity}`);
      }
      this.sendTransition({ ...this.version, identity: message.baseVersion + 1, ts }, []);
    });
  }

  /** Re-runs the given subscriptions and returns a modification for each whose result changed. */
  private async refresh(subscriptions: [number, Subscription][], runQuery: QueryRunner): Promise<QueryModification[]> {
    const modifications: QueryModification[] = [];
    for (const [queryId, subscription] of subscriptions) {
      const outcome = await runQuery(subscription.udfPath, subscription.args);
      const key = resultKey(outcome);
      if (key === subscription.lastSent) continue;
      subscription.lastSent = key;
      modifications.push(modificationFor(queryId, outcome));
    }
    return modifications;
  }

  private sendTransition(endVersion: StateVersion, modifications: QueryModification[]): void {
    this.send({ type: "Transition", startVersion: encodeVersion(this.version), endVersion: encodeVersion(endVersion), modifications });
    this.version = endVersion;
  }

  private sendMutationResponse(requestId: number, outcome: MutationOutcome): void {
    const { logLines } = outcome;
    if (!outcome.success) {
      const { errorMessage, errorData } = outcome;
      return this.send({ type: "MutationResponse", requestId, success: false, result: errorMessage, errorData, logLines });
    }
    this.send({ type: "MutationResponse", requestId, success: true, result: outcome.value, ts: encodeTs(outcome.ts), logLines });
    if (outcome.ts > this.awaitedTs) this.awaitedTs = outcome.ts;
  }

  private send(message: Record<string, unknown>): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    this.socket.send(JSON.stringify(message));
    this.lastSentAt = performance.now();
  }

  /** A protocol violation (or a bug here) ends this session alone, the way Convex ends it: FatalError, then close. */
  private fail(error: unknown): void {
    if (this.closed) return;
    const isProtocolError = error instanceof ProtocolError;
    if (!isProtocolError) console.error("local Convex server: sync session failed", error);
    this.send({ type: "FatalError", error: isProtocolError ? error.message : `Internal server error: ${String(error)}` });
    this.socket.close(isProtocolError ? CLOSE_POLICY_VIOLATION : CLOSE_INTERNAL_ERROR, "FatalError");
    this.dispose();
  }

  private dispose(): void {
    this.closed = true;
    this.unsubscribe();
  }
}
