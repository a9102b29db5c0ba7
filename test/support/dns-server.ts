import { readFileSync } from "node:fs";
import dns2 from "dns2";

/**
 * A real DNS server (dns2, over UDP on a loopback port) answering TXT questions with what a test
 * publishes, for the email-domain checks (docs/decisions/044). A name never published answers
 * NXDOMAIN; a name published with no records answers NOERROR with no TXT record.
 */
export interface TestDns {
  /** "127.0.0.1:<port>", as PORTICO_DNS_SERVERS takes it. */
  address: string;
  port: number;
  /** Publishes `name`'s TXT records, each record as its strings (DNS splits long values). */
  publish(name: string, ...records: string[][]): void;
  /** Every question asked so far, as "name:TYPE". */
  questions: string[];
  close(): Promise<void>;
}

/** The records of every name, read from a JSON file on each question: `{ "name": [["v"], …] }`. */
export function recordsFromFile(file: string): (name: string) => string[][] | undefined {
  return (name) => {
    try {
      const all = JSON.parse(readFileSync(file, "utf8")) as Record<string, string[][]>;
      return all[name];
    } catch {
      return undefined;
    }
  };
}

export async function startTestDns(
  options: { port?: number; lookup?: (name: string) => string[][] | undefined } = {},
): Promise<TestDns> {
  const published = new Map<string, string[][]>();
  const questions: string[] = [];
  const lookup = options.lookup ?? ((name: string) => published.get(name));
  const { Packet } = dns2;
  const typeName = (type: number) => Object.entries(Packet.TYPE).find(([, v]) => v === type)?.[0] ?? String(type);
  const server = dns2.createServer({
    udp: { type: "udp4" },
    handle(request, send) {
      const response = Packet.createResponseFromRequest(request);
      const [question] = request.questions;
      if (question) {
        const name = question.name.toLowerCase().replace(/\.$/, "");
        questions.push(`${name}:${typeName(question.type)}`);
        const records = lookup(name);
        if (records === undefined)
          response.header.rcode = 3; // NXDOMAIN
        else if (question.type === Packet.TYPE.TXT)
          for (const data of records) {
            // A plain record, as dns2's own examples answer: its encoder needs no Resource instance.
            const answer = { name: question.name, type: Packet.TYPE.TXT, class: Packet.CLASS.IN, ttl: 1, data };
            response.answers.push(answer as unknown as (typeof response.answers)[number]);
          }
      }
      void send(response);
    },
  });
  const addresses = await server.listen({ udp: { port: options.port ?? 0, address: "127.0.0.1" } });
  const port = addresses.udp?.port;
  if (!port) throw new Error("the test DNS server did not start");
  return {
    address: `127.0.0.1:${port}`,
    port,
    publish: (name, ...records) => void published.set(name.toLowerCase(), records),
    questions,
    close: () => server.close(),
  };
}
