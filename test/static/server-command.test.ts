import { describe, expect, it } from "vitest";
import { SEMI_SPACE_MB, nextServerCommand } from "../../scripts/lib/custom-server.ts";

describe("the command that starts the web server", () => {
  it("gives a production server the larger young generation (decision 057)", () => {
    const command = nextServerCommand("start", 3000, "127.0.0.1");
    expect(command[0]).toBe(process.execPath);
    expect(command[1]).toBe(`--max-semi-space-size=${SEMI_SPACE_MB}`);
    expect(command.slice(-5)).toEqual(["start", "--port", "3000", "--hostname", "127.0.0.1"]);
  });

  it("leaves the development server on V8's default", () => {
    const command = nextServerCommand("dev", 3000, undefined);
    expect(command.some((arg) => arg.startsWith("--max-semi-space-size"))).toBe(false);
    expect(command.slice(-3)).toEqual(["dev", "--port", "3000"]);
  });
});
