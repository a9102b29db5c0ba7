import net from "node:net";

/**
 * Whether something speaking PostgreSQL's protocol listens there: an SSLRequest is answered with
 * one byte, S or N, by PgBouncer as by PostgreSQL, without credentials. Null when it is; else why not.
 */
export function probePooler(host: string, port: number, timeoutMs = 3_000): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (problem: string | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(problem);
    };
    const timer = setTimeout(() => done(`no answer within ${timeoutMs} ms`), timeoutMs);
    socket.once("connect", () => socket.write(Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f])));
    socket.once("data", (data) =>
      done(data[0] === 0x53 || data[0] === 0x4e ? null : "it does not speak PostgreSQL's protocol"),
    );
    socket.once("error", (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
    socket.once("end", () => done("it closed the connection"));
  });
}
