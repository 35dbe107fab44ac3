import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { ZkMarginError } from "../errors.js";
import { parseJsonStrict } from "../util/json.js";

/**
 * The agent's durable state (docs/agent.md "State machine"): per epoch, the rounds it ran (a
 * round is one attempt to record one attestation: fetched -> proved -> submitting -> submitted ->
 * confirmed, or failed / superseded). Written atomically: a temp file is written and fsynced, then
 * renamed over the state file and the folder fsynced, so after a crash (kill -9, power loss) the
 * file is either the previous state or the new one, never a mix.
 */
export type RoundPhase = "fetched" | "proved" | "submitting" | "submitted" | "confirmed" | "failed" | "superseded";

export interface RoundTx {
  hash: string;
  /** The signed transaction, recorded before it is broadcast: a restart re-broadcasts exactly these bytes. */
  raw: string;
  from: string;
  /** The account's transaction nonce the signed transaction uses. */
  accountNonce: number;
  /** "submit" or "submitVerified". */
  method: string;
}

export interface Round {
  epoch: number;
  /** Why it ran: a new epoch, or the attestation was about to lapse. */
  trigger: "new-epoch" | "refresh" | "no-attestation";
  phase: RoundPhase;
  paramsRoot: string;
  startedAt: string;
  updatedAt: string;
  /** The book's health at the proven credit limit (bps; null: unbounded) and its headroom. */
  actualHealthBps?: number | null;
  headroomBps?: { maintenance: number | null; borrow: number | null };
  /** The attestation contract's nonce the proof is bound to (its context). */
  nonce?: number;
  context?: string;
  config?: string;
  /** The proof bundle, under the state folder. */
  proof?: string;
  tx?: RoundTx;
  blockNumber?: number;
  /** The attestation's expiry once confirmed (unix, chain time). */
  expiresAt?: number;
  error?: { kind: string; message: string };
}

export interface AgentState {
  version: 1;
  account: string;
  chainId: number;
  attestations: string;
  registry: string;
  epochs: Record<string, { rounds: Round[] }>;
  last: {
    epoch?: number;
    proofAt?: string;
    submissionAt?: string;
    submissionEpoch?: number;
    txHash?: string;
    actualHealthBps?: number | null;
    expiresAt?: number;
    lapsesAt?: number | null;
    passAt?: string;
  };
  updatedAt: string;
}

export const STATE_FILE = "state.json";
const LOCK_FILE = "agent.lock";
/** Epochs kept in the state file (the oldest are dropped once settled). */
const KEEP_EPOCHS = 64;

export function statePath(dir: string): string {
  return join(dir, STATE_FILE);
}

/** Write `content` to `file` atomically and durably: temp file + fsync + rename + fsync of the folder. */
export function writeFileDurable(file: string, content: string, dir: string, mode = 0o600): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const fd = openSync(tmp, "w", mode);
    try {
      writeSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
    try {
      const d = openSync(dir, "r");
      try {
        fsyncSync(d);
      } finally {
        closeSync(d);
      }
    } catch {
      /* a platform that cannot fsync a folder: the rename is still atomic */
    }
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new ZkMarginError("FILE", `cannot write ${JSON.stringify(file)}: ${(e as Error).message}`, { path: "stateDir" });
  }
}

export function readState(dir: string): AgentState | undefined {
  const file = statePath(dir);
  if (!existsSync(file)) return undefined;
  const j = parseJsonStrict(readFileSync(file, "utf8"), `agent state file ${JSON.stringify(file)}`) as AgentState;
  if (!j || j.version !== 1 || typeof j.epochs !== "object") {
    throw new ZkMarginError("FILE", `agent state file ${JSON.stringify(file)} is not a version-1 agent state`, { path: "stateDir" });
  }
  return j;
}

/** The state store of one agent: load once, mutate through `update`, each update written durably. */
export class StateStore {
  state: AgentState;
  constructor(
    readonly dir: string,
    identity: Pick<AgentState, "account" | "chainId" | "attestations" | "registry">,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const existing = readState(dir);
    if (existing) {
      for (const k of ["account", "chainId", "attestations", "registry"] as const) {
        if (String(existing[k]).toLowerCase() !== String(identity[k]).toLowerCase()) {
          throw new ZkMarginError(
            "MISMATCH",
            `the state in ${dir} is for ${k} ${existing[k]}, this configuration's is ${identity[k]}; use another stateDir for another account, chain or pool`,
            { path: "stateDir", value: String(identity[k]), limit: String(existing[k]) },
          );
        }
      }
      this.state = existing;
    } else {
      this.state = { version: 1, ...identity, epochs: {}, last: {}, updatedAt: new Date().toISOString() };
      this.save();
    }
  }

  save(): void {
    this.state.updatedAt = new Date().toISOString();
    const keys = Object.keys(this.state.epochs).map(Number).sort((a, b) => a - b);
    for (const k of keys.slice(0, Math.max(0, keys.length - KEEP_EPOCHS))) {
      const rounds = this.state.epochs[k]!.rounds;
      if (rounds.every((r) => isSettled(r.phase))) delete this.state.epochs[k];
    }
    writeFileDurable(statePath(this.dir), `${JSON.stringify(this.state, null, 2)}\n`, this.dir);
  }

  rounds(epoch: number): Round[] {
    return (this.state.epochs[String(epoch)] ??= { rounds: [] }).rounds;
  }

  /** The round not yet settled (at most one at any time), if any. */
  open(): Round | undefined {
    for (const e of Object.values(this.state.epochs)) {
      const r = e.rounds.find((x) => !isSettled(x.phase));
      if (r) return r;
    }
    return undefined;
  }

  begin(round: Omit<Round, "startedAt" | "updatedAt">): Round {
    const now = new Date().toISOString();
    const r: Round = { ...round, startedAt: now, updatedAt: now };
    this.rounds(round.epoch).push(r);
    this.save();
    return r;
  }

  /** Change a round (the object from begin/open) and write the state durably. */
  update(round: Round, patch: Partial<Round>): void {
    Object.assign(round, patch, { updatedAt: new Date().toISOString() });
    this.save();
  }
}

export const isSettled = (p: RoundPhase): boolean => p === "confirmed" || p === "failed" || p === "superseded";

/**
 * One agent per state folder: a lock file holding the pid. A lock left by a process that is gone
 * (kill -9) is taken over; one held by a live process is an error.
 */
export function acquireLock(dir: string): () => void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, LOCK_FILE);
  for (let i = 0; i < 2; i++) {
    try {
      const fd = openSync(file, "wx", 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const pid = Number(readFileSync(file, "utf8").trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new ZkMarginError("FILE", `another agent (pid ${pid}) is running on the state folder ${dir}`, { path: "stateDir", value: dir });
      }
      rmSync(file, { force: true }); // left by a process that is gone
    }
  }
  throw new ZkMarginError("FILE", `cannot lock the state folder ${dir}`, { path: "stateDir" });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
