/**
 * Child process for test/integration/throttle.test.ts: an app instance of its own (its own
 * pg pool and limiters) records wrong passwords for one account, then prints what it saw.
 * Args: <control url> <key prefix> <account> <ip> <failures>
 */
import pg from "pg";
import { createThrottle } from "../../../lib/security/throttle.server.ts";

const [url, prefix, account, ip, failures] = process.argv.slice(2);
const pool = new pg.Pool({ connectionString: url, max: 2 });
const throttle = createThrottle({ pool, prefix });
const locks = [];
for (let i = 0; i < Number(failures); i++) locks.push(await throttle.signInFailed({ account: account!, ip: ip! }));
const refusal = await throttle.signInRefusal({ account: account!, ip: ip! });
process.stdout.write(`${JSON.stringify({ pid: process.pid, locks, refused: refusal !== null })}\n`);
await pool.end();
