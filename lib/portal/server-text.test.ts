import { describe, expect, it } from "vitest";
import { localiseServerText, localiseState } from "./server-text.ts";

describe("localiseServerText", () => {
  it("translates a listed English sentence", () => {
    expect(localiseServerText("This event is full.", "de")).toBe("Diese Veranstaltung ist ausgebucht.");
  });

  it("carries the variable parts over", () => {
    expect(localiseServerText("Another event already uses the address /events/kick-off; change the slug.", "fr")).toBe(
      "Un autre événement utilise déjà l'adresse /events/kick-off ; changez-la.",
    );
    expect(localiseServerText("Too many attempts. Try again in 5 minutes.", "de")).toBe(
      "Zu viele Versuche. Bitte in 5 Minuten erneut versuchen.",
    );
  });

  it("leaves English, and sentences it does not list, as they are", () => {
    expect(localiseServerText("This event is full.", "en")).toBe("This event is full.");
    expect(localiseServerText("Something nobody listed.", "de")).toBe("Something nobody listed.");
  });

  it("translates an action's whole-form, field and success messages", () => {
    const state = localiseState(
      { error: "Check the fields marked.", errors: { title: "Give the event a title." }, values: { title: "" } },
      "de",
    );
    expect(state).toEqual({
      error: "Bitte prüfen Sie die markierten Felder.",
      errors: { title: "Geben Sie der Veranstaltung einen Titel." },
      values: { title: "" },
    });
  });
});
