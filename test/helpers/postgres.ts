/**
 * A real PostgreSQL server for tests (Debian's postgresql package, /usr/lib/postgresql/N/bin): a
 * fresh cluster made by initdb in a temp directory, started by pg_ctl on a free port of 127.0.0.1
 * (its socket in that directory), with password authentication (scram-sha-256) for one user.
 * initdb refuses root, so as root the binaries run as the `postgres` user (runuser), owning the
 * directory. Every wait is bounded; stop() stops it (pg_ctl stop -m immediate), kills its PID if
 * it is still there, and removes the directory. Never contacts any other address.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { freePort } from "./redis.ts";

export interface PostgresServer {
  /** postgres://USER:PASSWORD@127.0.0.1:PORT/postgres */
  url: string;
  user: string;
  password: string;
  port: number;
  readonly pid: number;
  /** The URL of another database of this server (create it first with a client). */
  urlOf(database: string): string;
  stop(): Promise<void>;
}

/** The newest installed PostgreSQL's bin directory, or undefined. */
export function postgresBin(): string | undefined {
  const root = "/usr/lib/postgresql";
  let versions: string[];
  try {
    versions = fs.readdirSync(root).filter((v) => /^\d+$/.test(v));
  } catch {
    return undefined;
  }
  versions.sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = path.join(root, v, "bin");
    if (["initdb", "pg_ctl", "postgres"].every((b) => fs.existsSync(path.join(bin, b)))) return bin;
  }
  return undefined;
}

interface Exec {
  code: number | null;
  out: string;
}

function run(cmd: string, args: string[], timeout: number): Promise<Exec> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout, encoding: "utf8" }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
      resolve({ code, out: `${stdout}${stderr}${error && code === null ? `\n(${error.message})` : ""}` });
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBin();
  if (!bin) throw new Error("PostgreSQL is not installed (/usr/lib/postgresql/*/bin): apt-get install -y postgresql");
  const asRoot = process.getuid?.() === 0;
  // As root: run the server's binaries as the postgres user, which must own the directory.
  const as = (binary: string, args: string[]): [string, string[]] => (asRoot ? ["runuser", ["-u", "postgres", "--", path.join(bin, binary), ...args]] : [path.join(bin, binary), args]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flowsmith-pg-"));
  const data = path.join(dir, "data");
  const user = "flowsmith";
  const password = `pw-${randomBytes(8).toString("hex")}`;
  fs.writeFileSync(path.join(dir, "pwfile"), `${password}\n`);
  if (asRoot) {
    const ids = await run("id", ["-u", "postgres"], 5000);
    const gids = await run("id", ["-g", "postgres"], 5000);
    if (ids.code !== 0) throw new Error(`there is no postgres user to run PostgreSQL as (initdb refuses root): ${ids.out}`);
    fs.chmodSync(dir, 0o700);
    for (const f of [dir, path.join(dir, "pwfile")]) fs.chownSync(f, Number(ids.out.trim()), Number(gids.out.trim()));
  }
  const port = await freePort();
  let pid = 0;
  const stop = async () => {
    await run(...as("pg_ctl", ["-D", data, "stop", "-m", "immediate", "-w", "-t", "10"]), 15_000);
    if (pid && isAlive(pid)) {
      process.kill(pid, "SIGKILL");
      for (let i = 0; i < 50 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const init = await run(...as("initdb", ["-D", data, "-U", user, `--pwfile=${path.join(dir, "pwfile")}`, "--auth=scram-sha-256", "--no-sync", "-E", "UTF8", "--locale=C"]), 120_000);
    if (init.code !== 0) throw new Error(`initdb failed:\n${init.out}`);
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    const started = await run(...as("pg_ctl", ["-D", data, "-l", path.join(dir, "server.log"), "-o", options, "-w", "-t", "60", "start"]), 90_000);
    const pidFile = path.join(data, "postmaster.pid");
    if (fs.existsSync(pidFile)) pid = Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]);
    if (started.code !== 0) {
      const log = fs.existsSync(path.join(dir, "server.log")) ? fs.readFileSync(path.join(dir, "server.log"), "utf8") : "";
      throw new Error(`pg_ctl start failed:\n${started.out}\n${log}`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const urlOf = (database: string) => `postgres://${user}:${password}@127.0.0.1:${port}/${database}`;
  return {
    url: urlOf("postgres"),
    user,
    password,
    port,
    get pid() {
      return pid;
    },
    urlOf,
    stop,
  };
}
